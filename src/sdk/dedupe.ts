// Keeps one event when the same shopper action reaches Shelf twice: a shop that sends GA4 events
// (`select_item`, `view_item_list`, `view_item` through the dataLayer or track()) and also marks its cards with
// `data-shelf-item-id` (auto-capture on, the default) reports every click and impression from both. Within one
// page view, the first report of an action wins: a click (product view) repeated by the other kind of source
// within 5 s (2 min) is dropped, and an impression of an item already counted by the other kind is removed from
// the later `view_item_list`. Two reports from the same kind (two real clicks) are both kept. Pure: no DOM.
import type { TrackInput } from '../shared/engine-api.js';

/** Auto-capture (data attributes) or the shop's own events (dataLayer, track()). */
export type EventOrigin = 'auto' | 'shop';

/** How long a click from one origin hides the same click from the other. */
export const DEDUPE_WINDOW_MS = 5_000;
/**
 * How long a product view hides the same view from the other origin: the dwell's `view_item` comes `dwellMs`
 * (5 s by default) after the shop's own `view_item`, which a GA4 page pushes on load.
 */
export const VIEW_DEDUPE_WINDOW_MS = 120_000;

export interface Deduper {
  /** The inputs to record (possibly fewer, or with fewer `shownIds`), and a note for each one dropped. */
  admit(inputs: readonly TrackInput[], origin: EventOrigin): { inputs: TrackInput[]; notes: string[] };
}

/** A deduper for one page view; `now` is injectable for tests. */
export function createDeduper(now: () => number = () => Date.now()): Deduper {
  const actions = new Map<string, { origin: EventOrigin; at: number }>();
  const impressions: Record<EventOrigin, Set<string>> = { auto: new Set(), shop: new Set() };
  const other = (o: EventOrigin): EventOrigin => (o === 'auto' ? 'shop' : 'auto');

  return {
    admit(inputs, origin) {
      const out: TrackInput[] = [];
      const notes: string[] = [];
      const t = now();
      for (const input of inputs) {
        if (input.type === 'view_item_list') {
          const shown = input.shownIds ?? [];
          const theirs = impressions[other(origin)];
          const fresh = shown.filter((id) => !theirs.has(id));
          for (const id of shown) impressions[origin].add(id);
          if (shown.length > 0 && fresh.length === 0) {
            notes.push(`view_item_list ${input.listId ?? input.itemId}: every item was already counted from ${other(origin) === 'auto' ? 'the data attributes' : "the shop's events"}`);
            continue;
          }
          if (fresh.length < shown.length) notes.push(`view_item_list ${input.listId ?? input.itemId}: ${shown.length - fresh.length} impressions already counted`);
          out.push(fresh.length < shown.length ? { ...input, shownIds: fresh } : input);
          continue;
        }
        if (input.type === 'select_item' || input.type === 'view_item') {
          const key = `${input.type}\u0000${input.itemId}`;
          const last = actions.get(key);
          const window = input.type === 'view_item' ? VIEW_DEDUPE_WINDOW_MS : DEDUPE_WINDOW_MS;
          if (last && last.origin !== origin && t - last.at <= window) {
            notes.push(`${input.type} ${input.itemId}: already counted from ${last.origin === 'auto' ? 'the data attributes' : "the shop's events"}`);
            actions.delete(key);
            continue;
          }
          actions.set(key, { origin, at: t });
        }
        out.push(input);
      }
      return { inputs: out, notes };
    },
  };
}

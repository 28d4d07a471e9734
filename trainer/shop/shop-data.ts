// Turns a shop's imported history (and feed) into the trainer's data set: one time-ordered sequence per user or
// session key, item ids numbered 1..n in order of first appearance, the event types kept with each sequence.
// Items of the feed without any history follow as rows n+1..m: they get content vectors, never learned ones.
// Must never reorder events of the same key that share a timestamp (file order decides), so a run is repeatable.
import type { Dataset } from '../data.js';
import type { FeedItem } from '../import/feed-schema.js';
import type { History } from '../import/history.js';
import { typedSequence } from '../training-data.js';

/** EVENT_TYPES rows that enter a sequence (view, select, add to cart, purchase); the others carry no choice. */
const SEQUENCE_EVENT_MAX = 3;

export interface ShopData {
  dataset: Dataset;
  /** Shop item id of each row: ids[0] is unused, 1..historyItems learned, then the feed's items without history. */
  ids: string[];
  historyItems: number;
  /** Events kept in sequences, and those dropped (remove_from_cart, view_item_list, repeats of the same item). */
  events: { kept: number; dropped: number };
}

export function buildShopData(name: string, h: History & { sha256: string }, feed: readonly FeedItem[]): ShopData {
  const row = new Map<string, number>();
  const ids: string[] = [''];
  const byKey = new Map<string, number[]>();
  for (let i = 0; i < h.keys.length; i++) {
    if (h.types[i]! > SEQUENCE_EVENT_MAX) continue;
    let list = byKey.get(h.keys[i]!);
    if (!list) byKey.set(h.keys[i]!, (list = []));
    list.push(i);
  }
  const sequences: Int32Array[] = [];
  let kept = 0;
  for (const events of byKey.values()) {
    events.sort((a, b) => h.ms[a]! - h.ms[b]! || a - b);
    const seq: number[] = [];
    const types: number[] = [];
    for (const e of events) {
      let r = row.get(h.items[e]!);
      if (r === undefined) {
        r = ids.length;
        row.set(h.items[e]!, r);
        ids.push(h.items[e]!);
      }
      // The same item again right away (viewed, then added, then bought) is one step with its strongest type.
      if (seq.length > 0 && seq[seq.length - 1] === r) {
        types[types.length - 1] = Math.max(types[types.length - 1]!, h.types[e]!);
        continue;
      }
      seq.push(r);
      types.push(h.types[e]!);
    }
    kept += seq.length;
    sequences.push(typedSequence(seq, types));
  }
  const historyItems = ids.length - 1;
  if (historyItems < 2) throw new Error(`${name}: the history has ${historyItems} item(s) in view, cart or purchase events; training needs at least 2`);
  for (const item of feed) if (!row.has(item.id)) ids.push(item.id);
  const users = sequences.filter((s) => s.length >= 3).length;
  if (users === 0) throw new Error(`${name}: no user or session has 3 or more events; leave-one-out training needs some`);
  return {
    dataset: {
      name,
      sequences,
      itemCount: historyItems,
      fingerprint: { dataset: name, file: 'history.tsv', sha256: h.sha256, maxUsers: null, users: sequences.length, items: historyItems },
    },
    ids,
    historyItems,
    events: { kept, dropped: h.keys.length - kept },
  };
}

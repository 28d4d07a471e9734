// Declarative capture from data attributes: an impression when a card (`data-shelf-item-id`) is at least 50%
// visible for 1 s (IntersectionObserver), batched into one `view_item_list` per list; a `select_item` on a click
// on a card; a `view_item` once a product page (`data-shelf-product-page` + `data-shelf-item-id`) has been
// visible for `dwellMs`. Must never block a click or throw into the page; each card counts once per page view.
import type { TrackInput } from '../shared/engine-api.js';
import { ATTR, cardFacts } from './dom.js';

export const IMPRESSION_MS = 1_000;
export const IMPRESSION_RATIO = 0.5;
const BATCH_MS = 250;

/** Starts capturing; returns a function that stops it. */
export function startAutoCapture(doc: Document, dwellMs: number, record: (inputs: TrackInput[], why: string) => void): () => void {
  const stops: (() => void)[] = [];
  const seen = new Set<string>();
  const timers = new Map<Element, ReturnType<typeof setTimeout>>();
  let pending = new Map<string, string[]>();
  let batchTimer: ReturnType<typeof setTimeout> | null = null;

  const flushImpressions = () => {
    batchTimer = null;
    const lists = pending;
    pending = new Map();
    for (const [listId, ids] of lists) record([{ type: 'view_item_list', itemId: listId, listId, shownIds: ids }], 'impression');
  };
  const impression = (card: Element) => {
    const f = cardFacts(card);
    if (!f) return;
    const listId = f.listId ?? 'default';
    const key = `${listId}\u0000${f.itemId}`;
    if (seen.has(key)) return;
    seen.add(key);
    pending.set(listId, [...(pending.get(listId) ?? []), f.itemId]);
    batchTimer ??= setTimeout(flushImpressions, BATCH_MS);
  };

  if (typeof IntersectionObserver !== 'undefined') {
    const io = new IntersectionObserver(
      (entries) => {
        for (const e of entries) {
          const t = timers.get(e.target);
          if (e.isIntersecting && e.intersectionRatio >= IMPRESSION_RATIO) {
            if (!t) timers.set(e.target, setTimeout(() => (timers.delete(e.target), impression(e.target)), IMPRESSION_MS));
          } else if (t) {
            clearTimeout(t);
            timers.delete(e.target);
          }
        }
      },
      { threshold: [0, IMPRESSION_RATIO, 1] },
    );
    const observe = (root: ParentNode) => {
      if (root instanceof Element && root.matches(`[${ATTR.itemId}]:not([${ATTR.productPage}])`)) io.observe(root);
      root.querySelectorAll?.(`[${ATTR.itemId}]:not([${ATTR.productPage}])`).forEach((el) => io.observe(el));
    };
    observe(doc);
    const mo = new MutationObserver((records) => {
      for (const r of records) r.addedNodes.forEach((n) => n instanceof Element && observe(n));
    });
    mo.observe(doc.documentElement, { childList: true, subtree: true });
    stops.push(() => (io.disconnect(), mo.disconnect(), timers.forEach(clearTimeout), timers.clear()));
  }

  const onClick = (event: Event) => {
    try {
      const target = event.target instanceof Element ? event.target : null;
      const card = target?.closest(`[${ATTR.itemId}]:not([${ATTR.productPage}])`);
      const f = card ? cardFacts(card) : null;
      if (f) record([{ type: 'select_item', ...f }], 'click');
    } catch {
      // never in the way of the shop's own click handling
    }
  };
  doc.addEventListener('click', onClick, { capture: true, passive: true });
  stops.push(() => doc.removeEventListener('click', onClick, { capture: true }));

  stops.push(startDwell(doc, dwellMs, record));
  return () => {
    if (batchTimer) flushImpressions();
    for (const stop of stops) stop();
  };
}

/** A `view_item` once the product page has been visible (tab in front) for `dwellMs` in total. */
function startDwell(doc: Document, dwellMs: number, record: (inputs: TrackInput[], why: string) => void): () => void {
  const page = doc.querySelector(`[${ATTR.productPage}][${ATTR.itemId}]`);
  const f = page ? cardFacts(page) : null;
  if (!f) return () => {};
  let left = dwellMs;
  let since = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const fire = () => {
    timer = null;
    doc.removeEventListener('visibilitychange', onVisibility);
    record([{ type: 'view_item', itemId: f.itemId, ...(f.vector ? { vector: f.vector } : {}), ...(f.listId ? { listId: f.listId } : {}) }], 'dwell');
  };
  const run = () => {
    since = Date.now();
    timer = setTimeout(fire, left);
  };
  const onVisibility = () => {
    if (doc.visibilityState === 'visible' && !timer) run();
    else if (doc.visibilityState !== 'visible' && timer) {
      clearTimeout(timer);
      timer = null;
      left = Math.max(0, left - (Date.now() - since));
    }
  };
  doc.addEventListener('visibilitychange', onVisibility);
  if (doc.visibilityState === 'visible') run();
  return () => {
    if (timer) clearTimeout(timer);
    doc.removeEventListener('visibilitychange', onVisibility);
  };
}

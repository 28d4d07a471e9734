import { describe, expect, it } from 'vitest';
import { createDeduper, DEDUPE_WINDOW_MS } from './dedupe.js';

describe('createDeduper (GA4 events and data attributes reporting the same action)', () => {
  it('keeps the first of a click reported by both, and both of two real clicks from one source', () => {
    let t = 0;
    const d = createDeduper(() => t);
    const click = { type: 'select_item' as const, itemId: 'a', listId: 'home', position: 2 };
    expect(d.admit([click], 'auto').inputs).toHaveLength(1);
    t += 30;
    const dup = d.admit([click], 'shop');
    expect(dup.inputs).toHaveLength(0);
    expect(dup.notes[0]).toMatch(/already counted/);
    // A second real click later, from the same source, counts.
    t += 1_000;
    expect(d.admit([click], 'shop').inputs).toHaveLength(1);
    expect(d.admit([click], 'shop').inputs).toHaveLength(1);
    // Beyond the window, the other source counts again.
    t += DEDUPE_WINDOW_MS + 1;
    expect(d.admit([click], 'auto').inputs).toHaveLength(1);
  });

  it('removes impressions already counted by the other source, and drops a list view with none left', () => {
    const d = createDeduper(() => 0);
    const ga4 = { type: 'view_item_list' as const, itemId: 'home', listId: 'home', shownIds: ['a', 'b', 'c'] };
    expect(d.admit([ga4], 'shop').inputs).toEqual([ga4]);
    const auto = { type: 'view_item_list' as const, itemId: 'home', listId: 'home', shownIds: ['b', 'c', 'd'] };
    expect(d.admit([auto], 'auto').inputs).toEqual([{ ...auto, shownIds: ['d'] }]);
    expect(d.admit([{ ...auto, shownIds: ['a', 'b'] }], 'auto').inputs).toEqual([]);
  });

  it("counts a product page once when the shop's view_item comes first and the dwell's after dwellMs", () => {
    let t = 0;
    const d = createDeduper(() => t);
    const view = { type: 'view_item' as const, itemId: 'p1' };
    expect(d.admit([view], 'shop').inputs).toHaveLength(1);
    t += 5_200; // the default dwellMs, and a little
    expect(d.admit([view], 'auto').inputs).toHaveLength(0);
  });

  it('leaves other events alone', () => {
    const d = createDeduper(() => 0);
    const cart = { type: 'add_to_cart' as const, itemId: 'a' };
    expect(d.admit([cart], 'auto').inputs).toEqual([cart]);
    expect(d.admit([cart], 'shop').inputs).toEqual([cart]);
  });
});

import { describe, expect, it } from 'vitest';
import { VisitorState } from './visitor-state.js';

describe('visitor state', () => {
  it('counts impressions, engaged and purchased items, and weights positives by intent', () => {
    const v = new VisitorState();
    expect(v.apply({ type: 'view_item_list', itemId: 'home', at: 1, shownIds: ['a', 'b', 'c'] })).toBe(0);
    v.apply({ type: 'view_item_list', itemId: 'home', at: 2, shownIds: ['a', 'b'] });
    expect(v.apply({ type: 'select_item', itemId: 'a', at: 3 })).toBe(1);
    expect(v.apply({ type: 'add_to_cart', itemId: 'a', at: 4 })).toBe(2);
    expect(v.apply({ type: 'purchase', itemId: 'a', at: 5 })).toBe(3);
    expect(v.apply({ type: 'remove_from_cart', itemId: 'b', at: 6 })).toBe(0);
    expect(v.impressions.get('a')).toBe(2);
    expect(v.impressions.get('c')).toBe(1);
    expect([...v.engaged]).toEqual(['a']);
    expect([...v.purchased]).toEqual(['a']);
    expect(v.history.map((e) => e.type)).toEqual(['select_item', 'add_to_cart', 'purchase', 'remove_from_cart']);
  });

  it('applies an event heard twice (own write, other tab) once', () => {
    const v = new VisitorState();
    v.markSeen([7]);
    v.apply({ type: 'view_item', itemId: 'x', at: 1, seq: 7 });
    v.apply({ type: 'view_item', itemId: 'y', at: 2, seq: 8 });
    v.apply({ type: 'view_item', itemId: 'y', at: 2, seq: 8 });
    expect(v.history.map((e) => e.itemId)).toEqual(['y']);
  });

  it('keeps the vector cache bounded, evicting the least recently seen', () => {
    const v = new VisitorState(2);
    expect(v.setVector('a', new Float32Array([1]))).toBe(true);
    v.setVector('b', new Float32Array([2]));
    expect(v.setVector('a', new Float32Array([1]))).toBe(false);
    v.setVector('c', new Float32Array([3]));
    expect([...v.vectors.keys()]).toEqual(['a', 'c']);
  });

  it('restores from stored events in time order', () => {
    const v = new VisitorState();
    v.restore([
      { seq: 2, type: 'view_item', itemId: 'b', at: 20 },
      { seq: 1, type: 'view_item', itemId: 'a', at: 10 },
      { seq: 3, type: 'view_item_list', itemId: 'l', at: 30, shownIds: ['z'] },
    ]);
    expect(v.history.map((e) => e.itemId)).toEqual(['a', 'b']);
    expect(v.shown.has('z')).toBe(true);
  });
});

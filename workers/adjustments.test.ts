import { describe, expect, it } from 'vitest';
import type { RankedItem } from '../src/shared/engine-api.js';
import { applyAdjustments, diversify, fatigue, pin } from './adjustments.js';

const list = (...ids: string[]): RankedItem[] => ids.map((id, i) => ({ id, score: 10 - i, serverRank: i }));
const ids = (items: readonly RankedItem[]) => items.map((i) => i.id);
const facts = (o: { impressions?: Record<string, number>; engaged?: string[]; purchased?: string[] } = {}) => ({
  impressions: new Map(Object.entries(o.impressions ?? {})),
  engaged: new Set(o.engaged ?? []),
  purchased: new Set(o.purchased ?? []),
});

describe('ranking adjustments', () => {
  it('leaves the order alone when nothing is asked', () => {
    expect(ids(applyAdjustments(list('a', 'b', 'c'), undefined).items)).toEqual(['a', 'b', 'c']);
    expect(ids(applyAdjustments(list('a', 'b', 'c'), {}).items)).toEqual(['a', 'b', 'c']);
  });

  it('excludes out-of-stock candidates only when asked', () => {
    const inStock = new Map([['b', false], ['c', true]]);
    expect(ids(applyAdjustments(list('a', 'b', 'c'), { excludeOutOfStock: true }, { inStock }).items)).toEqual(['a', 'c']);
    expect(ids(applyAdjustments(list('a', 'b', 'c'), { pinned: {} }, { inStock }).items)).toEqual(['a', 'b', 'c']);
  });

  it('pushes purchased items to the end or removes them', () => {
    const v = facts({ purchased: ['a'] });
    const demoted = applyAdjustments(list('a', 'b', 'c'), { purchased: 'demote' }, {}, v);
    expect(ids(demoted.items)).toEqual(['b', 'c', 'a']);
    expect(demoted.notes.join()).toContain('purchased');
    expect(ids(applyAdjustments(list('a', 'b', 'c'), { purchased: 'remove' }, {}, v).items)).toEqual(['b', 'c']);
  });

  it('sinks items shown repeatedly without engagement, not engaged ones', () => {
    const v = facts({ impressions: { a: 5, b: 5, c: 1 }, engaged: ['b'] });
    // a: shown 5 times (after 3, step 2) → 3 showings over → sinks 6 places.
    expect(ids(fatigue(list('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), {}, v))).toEqual(['b', 'c', 'd', 'e', 'f', 'g', 'a', 'h']);
    expect(ids(fatigue(list('a', 'b'), { after: 10 }, v))).toEqual(['a', 'b']);
  });

  it('keeps at most n per category in the top k, rest in order', () => {
    const category = new Map([['a', 'x'], ['b', 'x'], ['c', 'x'], ['d', 'y'], ['e', 'z'], ['f', 'x']]);
    const out = diversify(list('a', 'b', 'c', 'd', 'e', 'f', 'g'), { maxPerCategory: 2, topK: 4, lambda: 0 }, category);
    expect(ids(out)).toEqual(['a', 'b', 'd', 'e', 'c', 'f', 'g']);
    const top4 = out.slice(0, 4).map((i) => category.get(i.id));
    expect(top4.filter((c) => c === 'x').length).toBeLessThanOrEqual(2);
  });

  it('diversity does not invent items when every candidate is one category', () => {
    const category = new Map([['a', 'x'], ['b', 'x'], ['c', 'x']]);
    expect(ids(diversify(list('a', 'b', 'c'), { maxPerCategory: 1, topK: 3 }, category))).toEqual(['a', 'b', 'c']);
  });

  it('places pinned items at their positions, clamped, others in relative order', () => {
    expect(ids(pin(list('a', 'b', 'c', 'd'), { d: 0, a: 2 }))).toEqual(['d', 'b', 'a', 'c']);
    expect(ids(pin(list('a', 'b', 'c'), { a: 99, zz: 0 }))).toEqual(['b', 'c', 'a']);
  });

  it('applies pins last, after diversity and exclusion', () => {
    const out = applyAdjustments(
      list('a', 'b', 'c', 'd'),
      { excludeOutOfStock: true, pinned: { d: 0 }, purchased: 'remove' },
      { inStock: new Map([['b', false]]) },
      facts({ purchased: ['c'] }),
    );
    expect(ids(out.items)).toEqual(['d', 'a']);
    expect(out.notes).toHaveLength(3);
  });
});

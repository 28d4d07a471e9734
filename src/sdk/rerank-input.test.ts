import { describe, expect, it } from 'vitest';
import { fallbackResult, guardVectors } from './rerank-input.js';

describe('fallbackResult', () => {
  it("keeps the shop's order with server ranks, drops duplicates and id-less entries, honours limit", () => {
    const list = [{ id: 'a' }, { id: 'b' }, { id: 'a' }, null, { id: 3 }] as never[];
    const r = fallbackResult(list, { limit: 2 }, 'disabled', 'consent denied');
    expect(r).toMatchObject({ source: 'fallback', reason: 'disabled', rerankId: '', notes: ['consent denied'] });
    expect(r.items.map((i) => [i.id, i.serverRank, i.score])).toEqual([['a', 0, null], ['b', 1, null]]);
    expect(fallbackResult(list, {}, 'disabled', '').items.map((i) => i.id)).toEqual(['a', 'b', '3']);
  });
});

describe('guardVectors', () => {
  it('nulls vectors that are not arrays of sane length, in a copy, and restores the original item', () => {
    const good = { id: 'g', vector: [1, 2] };
    const typed = { id: 't', vector: new Float32Array(4) };
    const huge = { id: 'h', vector: { length: 1e9 } as unknown as number[] };
    const long = { id: 'l', vector: new Array(5000).fill(0) };
    const { safe, restore } = guardVectors([good, typed, huge, long]);
    expect(safe[0]).toBe(good);
    expect(safe[1]).toBe(typed);
    expect(safe[2]).toEqual({ id: 'h', vector: null });
    expect(safe[3]!.vector).toBeNull();
    expect(restore(safe[2]!)).toBe(huge);
    expect(restore(good)).toBe(good);
  });
});

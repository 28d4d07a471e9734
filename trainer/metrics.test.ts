// Hand-made cases for the ranking metrics and the helpers that feed them: a known rank gives the known
// HR/NDCG/MRR, ties count against the target, negatives never hit the user's items, top-k is exact.
import { describe, expect, it } from 'vitest';
import { metricsOfRanks, ndcgAt, rankOf } from './metrics.js';
import { topK } from './protocols.js';
import { sampleNegatives, seeded } from './rng.js';

describe('ranking metrics', () => {
  it('gives the textbook NDCG for a known rank', () => {
    expect(ndcgAt(1, 10)).toBe(1);
    expect(ndcgAt(2, 10)).toBeCloseTo(1 / Math.log2(3), 12);
    expect(ndcgAt(3, 10)).toBeCloseTo(0.5, 12);
    expect(ndcgAt(7, 10)).toBeCloseTo(1 / 3, 12);
    expect(ndcgAt(10, 10)).toBeCloseTo(1 / Math.log2(11), 12);
    expect(ndcgAt(11, 10)).toBe(0);
    expect(ndcgAt(6, 5)).toBe(0);
  });

  it('averages HR, NDCG and MRR over users', () => {
    const m = metricsOfRanks([1, 3, 7, 20]);
    expect(m.users).toBe(4);
    expect(m.hr1).toBe(0.25);
    expect(m.hr5).toBe(0.5);
    expect(m.hr10).toBe(0.75);
    expect(m.ndcg5).toBeCloseTo((1 + 0.5) / 4, 12);
    expect(m.ndcg10).toBeCloseTo((1 + 0.5 + 1 / 3) / 4, 12);
    expect(m.mrr).toBeCloseTo((1 + 1 / 3 + 1 / 7 + 1 / 20) / 4, 12);
  });

  it('counts a target missing from the candidate list as a miss everywhere', () => {
    const m = metricsOfRanks([Infinity]);
    expect([m.hr1, m.hr10, m.ndcg10, m.mrr]).toEqual([0, 0, 0, 0]);
  });

  it('ranks the target below every tie, and counts only better or equal candidates', () => {
    expect(rankOf(0.5, [0.1, 0.2, 0.3])).toBe(1);
    expect(rankOf(0.5, [0.9, 0.2, 0.7])).toBe(3);
    expect(rankOf(1, [1, 1, 0])).toBe(3);
    expect(rankOf(0, new Float32Array(100))).toBe(101);
  });
});

describe('protocol helpers', () => {
  it('draws distinct negatives outside the excluded items, reproducibly', () => {
    const exclude = new Set([1, 2, 3, 4, 5]);
    const a = sampleNegatives(seeded(9), 20, 15, exclude);
    const b = sampleNegatives(seeded(9), 20, 15, exclude);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(new Set(a).size).toBe(15);
    for (const x of a) expect(x >= 6 && x <= 20).toBe(true);
    expect(() => sampleNegatives(seeded(9), 20, 16, exclude)).toThrow(RangeError);
  });

  it('finds the exact top k, best first, skipping excluded ids and column 0', () => {
    const scores = [99, 0.1, 0.9, 0.5, 0.7, 0.95, 0.2];
    expect(Array.from(topK(scores, 3, new Set()))).toEqual([5, 2, 4]);
    expect(Array.from(topK(scores, 3, new Set([5])))).toEqual([2, 4, 3]);
    expect(Array.from(topK(scores, 10, new Set()))).toEqual([5, 2, 4, 3, 6, 1]);
  });
});

// fillVectors: candidates that came without a vector take one the engine fetched or cached, in server order;
// those still without keep their slot (never dropped), and the note counts only them.
import { describe, expect, it } from 'vitest';
import { orderByScores, prepareCandidates, rankedItems } from './ranking.js';
import { fillVectors, idsWithoutVectors } from './rank-steps.js';

describe('fillVectors', () => {
  it('fills known vectors in server order and keeps the rest in their slots', () => {
    const prepared = prepareCandidates([{ id: 'a', vector: [1, 0] }, { id: 'b' }, { id: 'c' }, { id: 'd', vector: [0, 1] }], 2);
    expect(idsWithoutVectors(prepared)).toEqual(['b', 'c']);
    expect(prepared.notes).toEqual(['2 candidate(s) without a usable 2-d vector kept their server position']);
    const filled = fillVectors(prepared, new Map([['c', Float32Array.of(5, 5)], ['b', Float32Array.of(1, 2, 3)]]), 2);
    expect([...filled.rowOf]).toEqual([0, -1, 1, 2]);
    expect([...filled.ranks]).toEqual([0, 2, 3]);
    expect([...filled.matrix]).toEqual([1, 0, 5, 5, 0, 1]);
    expect(filled.notes).toEqual(['1 candidate(s) without a usable 2-d vector kept their server position']);
    // Scores for the three with vectors: b keeps server slot 1, the others are re-ordered around it.
    const order = rankedItems(filled.ids, orderByScores(filled, Float32Array.of(0, 2, 1)));
    expect(order.map((i) => i.id)).toEqual(['c', 'b', 'd', 'a']);
    expect(order[1]!.score).toBeNull();
  });

  it('returns the request unchanged when nothing can be filled', () => {
    const prepared = prepareCandidates([{ id: 'a' }], 2);
    expect(fillVectors(prepared, new Map(), 2)).toBe(prepared);
  });
});

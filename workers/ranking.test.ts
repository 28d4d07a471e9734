import { describe, expect, it } from 'vitest';
import { mergeScores, prepareCandidates, serverOrder } from './ranking.js';

const v = (x: number) => [x, x + 1];

describe('prepareCandidates', () => {
  it('keeps the first of duplicate ids, drops id-less entries, and notes both', () => {
    const p = prepareCandidates([{ id: 'a', vector: v(1) }, { id: 'a', vector: v(2) }, null, 7, { title: 'x' }, { id: 3, vector: v(3) }], 2);
    expect(p.ids).toEqual(['a', '3']);
    expect(Array.from(p.vectors[0]!)).toEqual([1, 2]);
    expect(p.notes.join(' ')).toMatch(/duplicate/);
    expect(p.notes.join(' ')).toMatch(/without a string id/);
  });
  it('treats wrong-length and non-finite vectors as missing, keeping the item', () => {
    const p = prepareCandidates([{ id: 'a', vector: [1] }, { id: 'b', vector: [1, Number.NaN] }, { id: 'c' }, { id: 'd', vector: new Float32Array([1, 2]) }], 2);
    expect(p.ids).toEqual(['a', 'b', 'c', 'd']);
    expect(p.vectors.map((x) => x !== null)).toEqual([false, false, false, true]);
  });
});

describe('mergeScores', () => {
  it('orders scored items by score and keeps vector-less items in their server slots', () => {
    const p = prepareCandidates([{ id: 'a', vector: v(1) }, { id: 'b' }, { id: 'c', vector: v(2) }, { id: 'd', vector: v(3) }], 2);
    const items = mergeScores(p, [0.1, 0.9, 0.5]);
    expect(items.map((i) => i.id)).toEqual(['c', 'b', 'd', 'a']);
    expect(items[1]).toEqual({ id: 'b', score: null, serverRank: 1 });
    expect(items[0]).toEqual({ id: 'c', score: 0.9, serverRank: 2 });
  });
  it('breaks ties by server order', () => {
    const p = prepareCandidates([{ id: 'a', vector: v(1) }, { id: 'b', vector: v(2) }], 2);
    expect(mergeScores(p, [1, 1]).map((i) => i.id)).toEqual(['a', 'b']);
  });
  it('serverOrder returns the input order without scores', () => {
    expect(serverOrder(['x', 'y'])).toEqual([
      { id: 'x', score: null, serverRank: 0 },
      { id: 'y', score: null, serverRank: 1 },
    ]);
  });
});

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

describe('prepareCandidates with the page’s packed vectors', () => {
  it('reads the same vectors, ranks and notes from one binary block as from per-candidate arrays', async () => {
    const { packVectors } = await import('../src/shelf.js');
    const list = [{ id: 'a', vector: [1, 2] }, { id: 'b' }, { id: 'a', vector: [9, 9] }, { id: 'c', vector: [1, Number.NaN] }, { id: 'd', vector: [3] }, { id: 'e', vector: ['1', 2] }, { id: 'f', vector: new Float32Array([5, 6]) }];
    const packed = packVectors(list);
    expect(packed.dim).toBe(2);
    expect(Array.from(packed.rows)).toEqual([0, -1, 1, 2, -1, 3, 4]);
    const slim = list.map((c, i) => ({ id: c.id, vector: packed.rows[i]! >= 0 ? null : (c.vector ?? null) }));
    const fromPacked = prepareCandidates(slim, 2, packed);
    const fromArrays = prepareCandidates(list, 2);
    expect(fromPacked.ids).toEqual(fromArrays.ids);
    expect(fromPacked.vectors.map((x) => x && Array.from(x))).toEqual(fromArrays.vectors.map((x) => x && Array.from(x)));
    expect(Array.from(fromPacked.matrix)).toEqual([1, 2, 5, 6]);
    expect(Array.from(fromPacked.ranks)).toEqual([0, 5]);
    expect(fromPacked.notes).toEqual(fromArrays.notes);
  });
  it('ignores a packed block of the wrong width or shape', () => {
    const p = prepareCandidates([{ id: 'a' }], 2, { dim: 3, vectors: new Float32Array(3), rows: Int32Array.from([0]) });
    expect(p.vectors).toEqual([null]);
    const q = prepareCandidates([{ id: 'a', vector: [1, 2] }], 2, { dim: 2, vectors: new Float32Array(2), rows: new Int32Array(5) });
    expect(Array.from(q.matrix)).toEqual([1, 2]);
  });
});

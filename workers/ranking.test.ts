import { describe, expect, it } from 'vitest';
import { mergeScores, orderByScores, prepareCandidates, preparePacked, rankedItems, serverOrder, serverRanking } from './ranking.js';

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

describe('preparePacked (the binary request)', () => {
  const lists: unknown[][] = [
    [{ id: 'a', vector: [1, 2] }, { id: 'b' }, { id: 'a', vector: [9, 9] }, { id: 'c', vector: [1, Number.NaN] }, { id: 'd', vector: [3] }, { id: 'e', vector: ['1', 2] }, { id: 'f', vector: new Float32Array([5, 6]) }],
    [{ id: 'x', vector: [1] }, { id: 'y', vector: [1, 2] }, { id: 'z', vector: [3, 4] }, null, { id: 3, vector: [Infinity, 1] }, { id: 'w', vector: { length: 2, 0: 7, 1: 8 } }],
    [{ id: 'p', vector: [1, 2] }, { id: 'q', vector: [3, 4] }, { id: 'r', vector: [5, 6] }],
    [{ id: 'p', vector: [1, 2] }, { id: 'p', vector: [3, 4] }, { id: 'r', vector: [5, 6] }],
    [{ id: 's' }, { id: 't', vector: null }],
    [],
  ];
  it.each(lists.map((l, i) => [i, l] as const))('list %i: the same ids, vectors, matrix, ranks and notes as prepareCandidates on the objects the page used to send', async (_, list) => {
    const { decodeRerankRequest, encodeRerankRequest, packVectors } = await import('../src/shared/rerank-wire.js');
    const fromWire = preparePacked(decodeRerankRequest(encodeRerankRequest(list).request)!, 2);
    // What the page sent before the binary request: a packed block, odd vectors copied with Array.from.
    const packed = packVectors(list);
    const slim = list.map((c, i) => {
      const o = c as { id?: unknown; vector?: ArrayLike<number> } | null;
      return o && typeof o === 'object' ? { id: o.id, vector: packed.rows[i]! >= 0 || !o.vector ? null : Array.from(o.vector) } : { id: '' };
    });
    const fromObjects = prepareCandidates(slim, 2, packed);
    expect(fromWire.ids).toEqual(fromObjects.ids);
    expect(Array.from(fromWire.source)).toEqual(Array.from(fromObjects.source));
    expect(Array.from(fromWire.rowOf)).toEqual(Array.from(fromObjects.rowOf));
    expect(fromWire.vectors.map((x) => x && Array.from(x))).toEqual(fromObjects.vectors.map((x) => x && Array.from(x)));
    expect(Array.from(fromWire.matrix)).toEqual(Array.from(fromObjects.matrix));
    expect(Array.from(fromWire.ranks)).toEqual(Array.from(fromObjects.ranks));
    expect(fromWire.notes).toEqual(fromObjects.notes);
  });
  it('scores in place: the matrix is the request’s own block when its rows are in order', async () => {
    const { decodeRerankRequest, encodeRerankRequest } = await import('../src/shared/rerank-wire.js');
    const { request } = encodeRerankRequest(lists[2]!);
    expect(preparePacked(decodeRerankRequest(request)!, 2).matrix.buffer).toBe(request.packed.vectors.buffer);
    const wrongDim = preparePacked(decodeRerankRequest(request)!, 3);
    expect(wrongDim.ranks.length).toBe(0);
    expect(wrongDim.notes).toEqual(['3 candidate(s) without a usable 3-d vector kept their server position']);
  });
});

describe('orderByScores', () => {
  it('orders float32 scores like the comparator: descending, ties and ±0 by server rank, vector-less items in place', () => {
    const p = prepareCandidates([{ id: 'a', vector: v(1) }, { id: 'b' }, { id: 'c', vector: v(2) }, { id: 'd', vector: v(3) }, { id: 'e', vector: v(4) }, { id: 'f', vector: v(5) }], 2);
    const scores = Float32Array.from([-0, 2.5, 0, -3e38, 2.5]);
    const r = orderByScores(p, scores);
    expect(p.ids.filter((_, i) => p.rowOf[i]! >= 0).length).toBe(5);
    expect(Array.from(r.idx).map((i) => p.ids[i])).toEqual(['c', 'b', 'f', 'a', 'd', 'e']);
    expect(Array.from(r.idx).map((i) => p.ids[i])).toEqual(mergeScores(p, Array.from(scores)).map((i) => i.id));
    expect(Number.isNaN(r.scoreOf![1])).toBe(true);
  });
  it('matches the comparator on random float32 scores with many ties', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const list = Array.from({ length: 500 }, (_, i) => ({ id: `i${i}`, vector: rnd() < 0.1 ? undefined : v(i) }));
    const p = prepareCandidates(list, 2);
    const scores = Float32Array.from({ length: p.ranks.length }, () => Math.round(rnd() * 40 - 20) / 4);
    const fast = Array.from(orderByScores(p, scores).idx);
    const slow = mergeScores(p, Array.from(scores)).map((i) => i.serverRank);
    expect(fast).toEqual(slow);
  });
  it('rankedItems and serverRanking give the server’s order without scores', () => {
    expect(rankedItems(['x', 'y'], serverRanking(2))).toEqual(serverOrder(['x', 'y']));
  });
});

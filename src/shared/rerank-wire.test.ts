import { describe, expect, it } from 'vitest';
import {
  candidateKey,
  decodeRerankItems,
  decodeRerankRequest,
  encodeRerankRequest,
  encodeRerankResult,
  packVectors,
  type PackedRerankRequest,
} from './rerank-wire.js';

const list = [
  { id: 'a', vector: [1, 2], category: 'shoes', inStock: true },
  { id: 7, vector: new Float32Array([3, 4]) },
  { id: 'ünï~😀', vector: [5] },
  { id: '' },
  null,
  { id: Number.NaN, vector: [1, 1] },
  { id: 'a', vector: [9, 9], inStock: false },
  { id: 'e', vector: { length: 2, 0: 1, 1: 2 }, category: 'hats' },
  'x',
];

describe('encodeRerankRequest / decodeRerankRequest', () => {
  it('round-trips ids (one key per candidate, "" for a malformed one), vectors and the context', () => {
    const { request, keys, transfer } = encodeRerankRequest(list, { listId: 'home', limit: 3 });
    expect(keys).toEqual(['a', '7', 'ünï~😀', '', '', '', 'a', 'e', '']);
    expect(request.idEnds.length).toBe(list.length);
    expect(transfer).toContain(request.packed.vectors.buffer);
    expect(transfer).toContain(request.idEnds.buffer);
    expect(request.categories).toBeUndefined();
    const d = decodeRerankRequest(structuredClone(request, { transfer }))!;
    expect(d.keys).toEqual(keys);
    expect(d.listId).toBe('home');
    expect(d.limit).toBe(3);
    expect(d.packed!.dim).toBe(2);
    expect(Array.from(d.packed!.rows)).toEqual([0, 1, -1, -1, -1, 2, 3, -1, -1]);
    expect(Array.from(d.packed!.vectors)).toEqual([1, 2, 3, 4, 1, 1, 9, 9]);
    // Vectors the block cannot hold travel on their own, as arrays, for the engine to judge.
    expect([...d.oddVectors]).toEqual([
      [2, [5]],
      [7, [1, 2]],
    ]);
  });

  it('sends category and stock only when adjustments are asked for', () => {
    const { request } = encodeRerankRequest(list, { adjust: { excludeOutOfStock: true } });
    expect(request.categories).toEqual(['shoes', null, null, null, null, null, null, 'hats', null]);
    expect(Array.from(request.inStock!)).toEqual([1, -1, -1, -1, -1, -1, 0, -1, -1]);
    const d = decodeRerankRequest(request)!;
    expect(d.adjust).toEqual({ excludeOutOfStock: true });
    expect(d.categories).toEqual(request.categories);
  });

  it('keys ids as the engine does', () => {
    expect([{ id: 'x' }, { id: 3 }, { id: -0 }, { id: Infinity }, { id: {} }, {}, 5].map(candidateKey)).toEqual(['x', '3', '0', '', '', '', '']);
  });

  it('refuses ids it cannot read and ignores optional parts of the wrong shape', () => {
    const { request } = encodeRerankRequest([{ id: 'ab', vector: [1] }, { id: 'c', vector: [2] }]);
    const bad = (patch: Partial<Record<keyof PackedRerankRequest, unknown>>) => decodeRerankRequest({ ...request, ...patch });
    expect(decodeRerankRequest(null)).toBeNull();
    expect(decodeRerankRequest('ids')).toBeNull();
    expect(bad({ ids: 42 })).toBeNull();
    expect(bad({ idEnds: [2, 3] })).toBeNull();
    expect(bad({ idEnds: Int32Array.from([2, 1]) })).toBeNull(); // decreasing
    expect(bad({ idEnds: Int32Array.from([2, 9]) })).toBeNull(); // past the end
    expect(bad({ idEnds: Int32Array.from([1, 2]) })).toBeNull(); // text left over
    expect(bad({ idEnds: Int32Array.from([-1, 3]) })).toBeNull();
    const noBlock = bad({ packed: { dim: 1, vectors: [1, 2], rows: Int32Array.from([0, 1]) } })!;
    expect(noBlock.keys).toEqual(['ab', 'c']);
    expect(noBlock.packed).toBeNull();
    expect(bad({ packed: { dim: 1, vectors: new Float32Array(2), rows: new Int32Array(5) } })!.packed).toBeNull();
    const odd = bad({ oddVectors: [[5, [1]], [0, 'x'], 'y', [1, [7]]], categories: ['a'], inStock: new Int8Array(1) })!;
    expect([...odd.oddVectors]).toEqual([[1, [7]]]);
    expect(odd.categories).toBeNull();
    expect(odd.inStock).toBeNull();
  });

  it('packs an empty list and lists without vectors', () => {
    expect(decodeRerankRequest(encodeRerankRequest([]).request)).toMatchObject({ keys: [], packed: { dim: 0 } });
    const p = packVectors([{ id: 'a' }, { id: 'b', vector: null }]);
    expect(p.dim).toBe(0);
    expect(Array.from(p.rows)).toEqual([-1, -1]);
  });
});

describe('encodeRerankResult / decodeRerankItems', () => {
  const meta = { rerankId: 'r1', source: 'model' as const, reason: null, modelVersion: 3, backend: 'wasm' as const, notes: ['n'] };

  it('round-trips an order as the shop’s own objects, with null for a missing score', () => {
    const shop = [{ id: 'x' }, { id: 'y' }, { id: 'x' }, { id: 'z' }];
    const keys = ['x', 'y', 'x', 'z'];
    // Server ranks 0, 1, 2 are request indices 0, 1, 3 (index 2 was a duplicate).
    const { result, transfer } = encodeRerankResult(meta, [2, 0, 1], [0, 1, 3], Float64Array.from([0.5, Number.NaN, 1.25]));
    expect(transfer).toHaveLength(1);
    const copy = structuredClone(result, { transfer });
    expect(copy).toMatchObject(meta);
    const items = decodeRerankItems(copy, shop, keys);
    expect(items).toEqual([
      { item: shop[3], id: 'z', score: 1.25, serverRank: 2 },
      { item: shop[0], id: 'x', score: 0.5, serverRank: 0 },
      { item: shop[1], id: 'y', score: null, serverRank: 1 },
    ]);
    expect(items[0]!.item).toBe(shop[3]);
  });

  it('sends no scores for the server’s order and an empty reply for none', () => {
    const { result } = encodeRerankResult(meta, [0, 1], [0, 1], null);
    expect(decodeRerankItems(result, [{ id: 'a' }, { id: 'b' }], ['a', 'b']).map((i) => i.score)).toEqual([null, null]);
    expect(decodeRerankItems(encodeRerankResult(meta, [], [], null).result, [], [])).toEqual([]);
  });

  it('throws on a reply that does not fit the request', () => {
    const shop = [{ id: 'a' }, { id: 'b' }];
    const keys = ['a', 'b'];
    const ok = encodeRerankResult(meta, [1, 0], [0, 1], null).result;
    expect(() => decodeRerankItems({ ...ok, order: [1, 0] as unknown as Int32Array }, shop, keys)).toThrow(RangeError);
    expect(() => decodeRerankItems({ ...ok, scores: new Float32Array(1) }, shop, keys)).toThrow(RangeError);
    expect(() => decodeRerankItems({ ...ok, order: Int32Array.from([1, 2]) }, shop, keys)).toThrow(RangeError);
    expect(() => decodeRerankItems({ ...ok, order: Int32Array.from([-1, 0]) }, shop, keys)).toThrow(RangeError);
    expect(() => decodeRerankItems({ ...ok, serverRanks: Int32Array.from([-1, 0]) }, shop, keys)).toThrow(RangeError);
    expect(() => decodeRerankItems(ok, shop, ['a', ''])).toThrow(RangeError); // an id-less candidate
    expect(() => decodeRerankItems(ok, [shop[0]!], keys)).toThrow(RangeError); // more items than candidates
    expect(() => decodeRerankItems(null as never, shop, keys)).toThrow(RangeError);
  });
});

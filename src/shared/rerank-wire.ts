// Re-rank across the page ↔ worker seam in binary form. The page sends its candidates' ids as one string with end
// offsets and their vectors as one Float32Array (typed arrays transferred, not cloned number by number); the worker
// answers with one transferred buffer: for each returned item, the index of its candidate in the request, its
// server rank and its score. No per-candidate object is structured-cloned either way; the page builds the objects
// it returns to the shop from its own candidates. Pure: no DOM, worker or Node types.
import type { BackendName, FallbackReason, PackedVectors, RerankAdjustments } from './engine-api.js';

/** What the page sends for one re-rank (see encodeRerankRequest). */
export interface PackedRerankRequest {
  /** Every candidate's id, concatenated in request order; '' for a candidate without a usable id. */
  readonly ids: string;
  /** Candidate i's id is `ids.slice(idEnds[i - 1] ?? 0, idEnds[i])`. One entry per candidate. */
  readonly idEnds: Int32Array;
  /** The candidates' vectors as one block; `packed.rows` has one entry per candidate. */
  readonly packed: PackedVectors;
  /** Vectors that are not in `packed` (another length than the first one's, or array-likes): [candidate index, values]. */
  readonly oddVectors?: readonly (readonly [number, readonly unknown[]])[];
  /** Per candidate, only when `adjust` is given: its category, or null. */
  readonly categories?: readonly (string | null)[];
  /** Per candidate, only when `adjust` is given: 1 in stock, 0 out of stock, -1 not said. */
  readonly inStock?: Int8Array;
  readonly listId?: string;
  readonly limit?: number;
  readonly adjust?: RerankAdjustments;
}

/** What the worker answers (see encodeRerankResult); `order`, `serverRanks` and `scores` share one transferred buffer. */
export interface PackedRerankResult {
  readonly rerankId: string;
  /** Per returned item, in the returned order: the index of its candidate in the request. */
  readonly order: Int32Array;
  /** Per returned item: its 0-based position in the server's list (duplicates and id-less candidates left out). */
  readonly serverRanks: Int32Array;
  /** Per returned item: the model's score, or NaN when it has none (null in the item). */
  readonly scores: Float32Array;
  readonly source: 'model' | 'fallback';
  readonly reason: FallbackReason | null;
  readonly modelVersion: number | null;
  readonly backend: BackendName | null;
  readonly notes: readonly string[];
}

/** The request as the engine reads it: one key per candidate ('' for a malformed one). */
export interface DecodedRerankRequest {
  readonly keys: string[];
  /** null when the block is missing or of the wrong shape (every candidate then relies on `oddVectors`). */
  readonly packed: PackedVectors | null;
  readonly oddVectors: ReadonlyMap<number, readonly unknown[]>;
  readonly categories: readonly (string | null)[] | null;
  readonly inStock: Int8Array | null;
  readonly listId?: string;
  readonly limit?: number;
  readonly adjust?: RerankAdjustments;
}

/** The SDK never sends more; anything longer is refused as malformed. */
export const MAX_WIRE_CANDIDATES = 1 << 20;

/** The key the engine uses for a candidate's id: a string as is, a finite number as a string, anything else ''. */
export function candidateKey(c: unknown): string {
  const id = c && typeof c === 'object' ? (c as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : typeof id === 'number' && Number.isFinite(id) ? String(id) : '';
}

/**
 * Page side: the binary request for `list`, the key of each candidate (for decodeRerankItems) and the buffers to
 * transfer. Candidates keep the meaning they have as objects: an id-less one, a duplicate or a bad vector is
 * the engine's to note.
 */
export function encodeRerankRequest(
  list: readonly unknown[],
  context: { readonly listId?: string | undefined; readonly limit?: number | undefined; readonly adjust?: RerankAdjustments | undefined } = {},
): { request: PackedRerankRequest; keys: string[]; transfer: ArrayBuffer[] } {
  const n = list.length;
  const keys = new Array<string>(n);
  const idEnds = new Int32Array(n);
  let end = 0;
  for (let i = 0; i < n; i++) {
    const key = candidateKey(list[i]);
    keys[i] = key;
    end += key.length;
    idEnds[i] = end;
  }
  const packed = packVectors(list);
  const oddVectors: [number, unknown[]][] = [];
  for (let i = 0; i < n; i++) {
    if (packed.rows[i]! >= 0) continue;
    const v = vectorField(list[i]);
    if (v) oddVectors.push([i, Array.from(v as ArrayLike<unknown>)]);
  }
  const adjust = context.adjust;
  let categories: (string | null)[] | undefined;
  let inStock: Int8Array | undefined;
  if (adjust) {
    categories = new Array<string | null>(n);
    inStock = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      const c = list[i] as { category?: unknown; inStock?: unknown } | null;
      const ok = c !== null && typeof c === 'object';
      categories[i] = ok && typeof c.category === 'string' ? c.category : null;
      inStock[i] = ok && typeof c.inStock === 'boolean' ? (c.inStock ? 1 : 0) : -1;
    }
  }
  const request: PackedRerankRequest = {
    ids: keys.join(''),
    idEnds,
    packed,
    ...(oddVectors.length ? { oddVectors } : {}),
    ...(categories ? { categories } : {}),
    ...(inStock ? { inStock } : {}),
    ...(context.listId ? { listId: context.listId } : {}),
    ...(context.limit !== undefined ? { limit: context.limit } : {}),
    ...(adjust ? { adjust } : {}),
  };
  const transfer = [idEnds.buffer, packed.vectors.buffer, packed.rows.buffer, ...(inStock ? [inStock.buffer] : [])] as ArrayBuffer[];
  return { request, keys, transfer };
}

function vectorField(c: unknown): unknown {
  return c && typeof c === 'object' ? (c as { vector?: unknown }).vector : undefined;
}

/**
 * Packs the candidates' vectors into one Float32Array: every vector (array or typed array) of the length of the
 * first one becomes a row; others are left to `oddVectors` (the engine checks them and says why they are unusable).
 * A non-number element becomes NaN, which the engine rejects as it would the original.
 */
export function packVectors(list: readonly unknown[]): PackedVectors {
  const vectorOf = (c: unknown): ArrayLike<unknown> | null => {
    const v = vectorField(c);
    return v && (Array.isArray(v) || ArrayBuffer.isView(v)) ? (v as ArrayLike<unknown>) : null;
  };
  let dim = -1;
  let count = 0;
  for (const c of list) {
    const v = vectorOf(c);
    if (!v) continue;
    if (dim < 0) dim = v.length;
    if (v.length === dim) count++;
  }
  dim = Math.max(0, dim);
  const rows = new Int32Array(list.length).fill(-1);
  const vectors = new Float32Array(count * dim);
  if (dim === 0) return { dim, vectors, rows };
  let row = 0;
  for (let i = 0; i < list.length; i++) {
    const v = vectorOf(list[i]);
    if (!v || v.length !== dim) continue;
    const o = row * dim;
    for (let j = 0; j < dim; j++) {
      const x = v[j];
      vectors[o + j] = typeof x === 'number' ? x : Number.NaN;
    }
    rows[i] = row++;
  }
  return { dim, vectors, rows };
}

/**
 * Worker side: checks a request's shape and splits its ids. Returns null when the ids cannot be read (not a string
 * with one non-decreasing end offset per candidate); optional parts of the wrong shape are ignored.
 */
export function decodeRerankRequest(raw: unknown): DecodedRerankRequest | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Partial<Record<keyof PackedRerankRequest, unknown>>;
  const ids = r.ids;
  const ends = r.idEnds;
  if (typeof ids !== 'string' || !(ends instanceof Int32Array) || ends.length > MAX_WIRE_CANDIDATES) return null;
  const n = ends.length;
  const keys = new Array<string>(n);
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = ends[i]!;
    if (end < start || end > ids.length) return null;
    keys[i] = ids.slice(start, end);
    start = end;
  }
  if (start !== ids.length) return null;
  const p = r.packed as Partial<PackedVectors> | null | undefined;
  const packed =
    p && typeof p === 'object' && Number.isInteger(p.dim) && p.dim! >= 0 && p.vectors instanceof Float32Array && p.rows instanceof Int32Array && p.rows.length === n
      ? { dim: p.dim!, vectors: p.vectors, rows: p.rows }
      : null;
  const oddVectors = new Map<number, readonly unknown[]>();
  if (Array.isArray(r.oddVectors)) {
    for (const e of r.oddVectors as unknown[]) {
      if (!Array.isArray(e) || e.length !== 2) continue;
      const [i, v] = e as [unknown, unknown];
      if (typeof i === 'number' && Number.isInteger(i) && i >= 0 && i < n && Array.isArray(v)) oddVectors.set(i, v);
    }
  }
  const categories = Array.isArray(r.categories) && r.categories.length === n ? (r.categories as (string | null)[]) : null;
  const inStock = r.inStock instanceof Int8Array && r.inStock.length === n ? r.inStock : null;
  return {
    keys,
    packed,
    oddVectors,
    categories,
    inStock,
    ...(typeof r.listId === 'string' ? { listId: r.listId } : {}),
    ...(r.limit !== undefined ? { limit: r.limit as number } : {}),
    ...(r.adjust !== undefined ? { adjust: r.adjust as RerankAdjustments } : {}),
  };
}

/**
 * Worker side: the reply for returned items `idx` (server ranks, in the returned order). `source[i]` is the
 * request index of the candidate with server rank i; `scoreOf[i]` its score (NaN: none), or null for none at all.
 */
export function encodeRerankResult(
  meta: Omit<PackedRerankResult, 'order' | 'serverRanks' | 'scores'>,
  idx: ArrayLike<number>,
  source: ArrayLike<number>,
  scoreOf: ArrayLike<number> | null,
): { result: PackedRerankResult; transfer: ArrayBuffer[] } {
  const n = idx.length;
  const buffer = new ArrayBuffer(n * 12);
  const order = new Int32Array(buffer, 0, n);
  const serverRanks = new Int32Array(buffer, n * 4, n);
  const scores = new Float32Array(buffer, n * 8, n);
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    order[k] = source[i]!;
    serverRanks[k] = i;
    scores[k] = scoreOf ? scoreOf[i]! : Number.NaN;
  }
  return { result: { ...meta, order, serverRanks, scores }, transfer: [buffer] };
}

/**
 * Page side: the result's items as objects of the shop's own candidates (`list`, with `keys` from
 * encodeRerankRequest). Throws a RangeError when the reply does not fit the request.
 */
export function decodeRerankItems<T>(
  result: Pick<PackedRerankResult, 'order' | 'serverRanks' | 'scores'>,
  list: readonly T[],
  keys: readonly string[],
): { item: T; id: string; score: number | null; serverRank: number }[] {
  const { order, serverRanks, scores } = result ?? {};
  if (!(order instanceof Int32Array) || !(serverRanks instanceof Int32Array) || !(scores instanceof Float32Array)) {
    throw new RangeError('re-rank reply: order, serverRanks and scores must be typed arrays');
  }
  const n = order.length;
  if (serverRanks.length !== n || scores.length !== n || n > list.length) throw new RangeError('re-rank reply: arrays of different lengths');
  const items = new Array<{ item: T; id: string; score: number | null; serverRank: number }>(n);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const id = keys[i];
    const rank = serverRanks[k]!;
    if (i < 0 || i >= list.length || !id || rank < 0) throw new RangeError(`re-rank reply: item ${k} points at no candidate`);
    const s = scores[k]!;
    items[k] = { item: list[i]!, id, score: s === s ? s : null, serverRank: rank };
  }
  return items;
}

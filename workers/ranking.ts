// Turns a raw candidate list into what the model can score, and model scores back into an order. Pure
// functions: malformed input is repaired (and noted), never thrown. Items without a usable vector keep their
// server position; the others are re-ordered among the remaining slots.
import type { CandidateInput, PackedVectors, RankedItem } from '../src/shared/engine-api.js';
import type { DecodedRerankRequest } from '../src/shared/rerank-wire.js';

export interface PreparedCandidates {
  /** Unique, well-formed candidates in server order (index = server rank). */
  ids: string[];
  /** For each id, the index of its candidate in the request. */
  source: Int32Array;
  /** For each id, its row in `matrix`, or -1 when it had no usable vector. */
  rowOf: Int32Array;
  /** For each id, its vector (a view into `matrix`) or null when it had none usable; built on first read. */
  readonly vectors: (Float32Array | null)[];
  /** The usable vectors, packed in server order: [count × dim], what the model scores. */
  matrix: Float32Array;
  /** For each row of `matrix`, the candidate's 0-based server rank (index into `ids`). */
  ranks: Float32Array;
  notes: string[];
}

/** A finite vector of length `dim` as float32, or null when `raw` is not one. */
export function toVector(raw: unknown, dim: number): Float32Array | null {
  const v = new Float32Array(dim);
  return writeVector(raw, dim, v, 0) ? v : null;
}

/** Writes `raw` into `out` at `offset` when it is a finite vector of length `dim`; false (out untouched or partly written) otherwise. */
function writeVector(raw: unknown, dim: number, out: Float32Array, offset: number): boolean {
  if (raw === null || raw === undefined) return false;
  if (!(Array.isArray(raw) || ArrayBuffer.isView(raw))) return false;
  const arr = raw as ArrayLike<unknown>;
  if (arr.length !== dim) return false;
  for (let i = 0; i < dim; i++) {
    const x = arr[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return false;
    out[offset + i] = x;
  }
  return true;
}

/** Copies row `row` of a packed block into `out` when it is finite. */
function writePackedRow(packed: PackedVectors, row: number, dim: number, out: Float32Array, offset: number): boolean {
  if (packed.dim !== dim || row < 0 || (row + 1) * dim > packed.vectors.length) return false;
  const src = packed.vectors;
  const start = row * dim;
  for (let i = 0; i < dim; i++) {
    const x = src[start + i]!;
    if (!Number.isFinite(x)) return false;
    out[offset + i] = x;
  }
  return true;
}

/**
 * Validates and de-duplicates candidates (first occurrence wins), and packs their usable vectors into one
 * matrix. Vectors come from `packed` (the page's binary block) when it has a row for the candidate, else from
 * the candidate's own `vector`.
 */
export function prepareCandidates(raw: readonly unknown[], dim: number, packed?: PackedVectors | null): PreparedCandidates {
  const seen = new Set<string>();
  const ids: string[] = [];
  const source = new Int32Array(raw.length);
  const rowOf = new Int32Array(raw.length);
  const notes: string[] = [];
  const matrix = new Float32Array(raw.length * dim);
  const ranks = new Float32Array(raw.length);
  const rows = packed && packed.rows instanceof Int32Array && packed.vectors instanceof Float32Array && packed.rows.length === raw.length ? packed : null;
  let m = 0;
  let malformed = 0;
  let duplicates = 0;
  let missing = 0;
  for (let r = 0; r < raw.length; r++) {
    const c = raw[r];
    const id = typeof c === 'object' && c !== null ? (c as CandidateInput).id : undefined;
    const key = typeof id === 'string' ? id : typeof id === 'number' && Number.isFinite(id) ? String(id) : null;
    if (key === null || key === '') {
      malformed++;
      continue;
    }
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    const offset = m * dim;
    const row = rows ? rows.rows[r]! : -1;
    const ok = dim > 0 && (row >= 0 ? writePackedRow(rows!, row, dim, matrix, offset) : writeVector((c as CandidateInput).vector, dim, matrix, offset));
    const i = ids.length;
    source[i] = r;
    if (ok) {
      rowOf[i] = m;
      ranks[m++] = i;
    } else {
      rowOf[i] = -1;
      missing++;
    }
    ids.push(key);
  }
  return finish(ids, source, rowOf, matrix.subarray(0, m * dim), ranks.subarray(0, m), dim, { malformed, duplicates, missing });
}

/**
 * prepareCandidates for the page's binary request (rerank-wire.ts), with the same rules and notes. When the
 * packed rows are the usable candidates in order (the usual case: no duplicates or odd vectors before them),
 * `matrix` is the request's own block, checked in place and not copied.
 */
export function preparePacked(req: DecodedRerankRequest, dim: number): PreparedCandidates {
  const keys = req.keys;
  const n = keys.length;
  const seen = new Set<string>();
  const ids: string[] = [];
  const source = new Int32Array(n);
  const rowOf = new Int32Array(n);
  const ranks = new Float32Array(n);
  const packed = req.packed;
  const block = packed && packed.dim === dim ? packed.vectors : null;
  // The request's block serves as the matrix until a row is out of place; then the rows so far are copied.
  let own: Float32Array | null = null;
  let m = 0;
  let malformed = 0;
  let duplicates = 0;
  let missing = 0;
  for (let r = 0; r < n; r++) {
    const key = keys[r]!;
    if (key === '') {
      malformed++;
      continue;
    }
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    const i = ids.length;
    ids.push(key);
    source[i] = r;
    let ok = false;
    const row = packed ? packed.rows[r]! : -1;
    if (dim > 0 && row >= 0) {
      const start = row * dim;
      if (block && start + dim <= block.length && finiteRow(block, start, dim)) {
        ok = true;
        if (own === null && row !== m) own = ownMatrix(block, n, dim, m);
        if (own !== null) own.set(block.subarray(start, start + dim), m * dim);
      }
    } else if (dim > 0) {
      const odd = req.oddVectors.get(r);
      if (odd) {
        own ??= ownMatrix(block, n, dim, m);
        ok = writeVector(odd, dim, own, m * dim);
      }
    }
    if (ok) {
      rowOf[i] = m;
      ranks[m++] = i;
    } else {
      rowOf[i] = -1;
      missing++;
    }
  }
  const matrix = own ?? block ?? new Float32Array(0);
  return finish(ids, source, rowOf, matrix.subarray(0, m * dim), ranks.subarray(0, m), dim, { malformed, duplicates, missing });
}

/** A matrix for n rows holding the first `rows` rows of `block`. */
function ownMatrix(block: Float32Array | null, n: number, dim: number, rows: number): Float32Array {
  const own = new Float32Array(n * dim);
  if (block) own.set(block.subarray(0, rows * dim));
  return own;
}

function finiteRow(v: Float32Array, start: number, dim: number): boolean {
  // x·0 is ±0 for a finite x and NaN for ±Infinity or NaN: one test per row instead of one per value.
  let z = 0;
  for (let j = start, end = start + dim; j < end; j++) z += v[j]! * 0;
  return z === 0;
}

function finish(
  ids: string[],
  source: Int32Array,
  rowOf: Int32Array,
  matrix: Float32Array,
  ranks: Float32Array,
  dim: number,
  counts: { malformed: number; duplicates: number; missing: number },
): PreparedCandidates {
  const notes: string[] = [];
  if (counts.malformed) notes.push(`${counts.malformed} candidate(s) without a string id were dropped`);
  if (counts.duplicates) notes.push(`${counts.duplicates} duplicate id(s) were dropped (first kept)`);
  if (counts.missing) notes.push(`${counts.missing} candidate(s) without a usable ${dim}-d vector kept their server position`);
  let views: (Float32Array | null)[] | null = null;
  return {
    ids,
    source: source.subarray(0, ids.length),
    rowOf: rowOf.subarray(0, ids.length),
    matrix,
    ranks,
    notes,
    get vectors() {
      views ??= Array.from(this.rowOf, (row) => (row >= 0 ? matrix.subarray(row * dim, row * dim + dim) : null));
      return views;
    },
  };
}

/** The server's order, unchanged, without scores. */
export function serverOrder(ids: readonly string[]): RankedItem[] {
  return ids.map((id, i) => ({ id, score: null, serverRank: i }));
}

/** An order as server ranks (indices into `ids`), with each id's score (NaN: none). */
export interface Ranking {
  /** Server ranks in the returned order. */
  idx: Int32Array;
  /** Per server rank: its score, NaN when it has none; null when no item has one (the server's order). */
  scoreOf: Float64Array | null;
}

/** The server's order as a Ranking. */
export function serverRanking(count: number): Ranking {
  const idx = new Int32Array(count);
  for (let i = 0; i < count; i++) idx[i] = i;
  return { idx, scoreOf: null };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
let sortKeys = new Float64Array(0);
/** Sort keys pack (descending float32 score, ascending row) into one exact integer below 2^53. */
const ROW_BITS = 2 ** 21;

/**
 * Merges model scores into an order. `scores[k]` belongs to the k-th candidate that has a vector (row k).
 * Vector-less candidates stay in their server slots; the rest fill the other slots by descending score
 * (ties keep server order). One typed sort, no object per candidate.
 */
export function orderByScores(prepared: PreparedCandidates, scores: ArrayLike<number>): Ranking {
  const n = prepared.ids.length;
  const m = prepared.ranks.length;
  const ranks = prepared.ranks;
  const scoreOf = new Float64Array(n).fill(Number.NaN);
  for (let k = 0; k < m; k++) scoreOf[ranks[k]!] = scores[k]!;
  // Rows in score order: native sort of packed integer keys for float32 scores, a comparator otherwise.
  const sorted = new Int32Array(m);
  if (scores instanceof Float32Array && m < ROW_BITS) {
    if (sortKeys.length < m) sortKeys = new Float64Array(Math.max(m, 2 * sortKeys.length));
    const keys = sortKeys.subarray(0, m);
    for (let k = 0; k < m; k++) {
      f32[0] = scores[k]! + 0; // -0 sorts as 0
      const bits = u32[0]!;
      const asc = bits >= 0x80000000 ? 0xffffffff - bits : bits + 0x80000000;
      keys[k] = (0xffffffff - asc) * ROW_BITS + k;
    }
    keys.sort();
    for (let k = 0; k < m; k++) sorted[k] = keys[k]! % ROW_BITS;
  } else {
    for (let k = 0; k < m; k++) sorted[k] = k;
    sorted.sort((a, b) => scores[b]! - scores[a]! || a - b);
  }
  const idx = new Int32Array(n);
  const rowOf = prepared.rowOf;
  for (let i = 0, next = 0; i < n; i++) idx[i] = rowOf[i]! >= 0 ? ranks[sorted[next++]!]! : i;
  return { idx, scoreOf };
}

/** A Ranking as items (ids, scores or null, server ranks). */
export function rankedItems(ids: readonly string[], ranking: Ranking): RankedItem[] {
  const { idx, scoreOf } = ranking;
  const out = new Array<RankedItem>(idx.length);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    const s = scoreOf ? scoreOf[i]! : Number.NaN;
    out[k] = { id: ids[i]!, score: s === s ? s : null, serverRank: i };
  }
  return out;
}

/**
 * Merges model scores into an order. `scores[k]` belongs to the k-th candidate that has a vector.
 * Vector-less candidates stay in their server slots; the rest fill the other slots by descending score
 * (ties keep server order).
 */
export function mergeScores(prepared: PreparedCandidates, scores: ArrayLike<number>): RankedItem[] {
  return rankedItems(prepared.ids, orderByScores(prepared, scores));
}

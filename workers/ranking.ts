// Turns a raw candidate list into what the model can score, and model scores back into an order. Pure
// functions: malformed input is repaired (and noted), never thrown. Items without a usable vector keep their
// server position; the others are re-ordered among the remaining slots.
import type { CandidateInput, PackedVectors, RankedItem } from '../src/shared/engine-api.js';

export interface PreparedCandidates {
  /** Unique, well-formed candidates in server order. */
  ids: string[];
  /** For each id, its vector (a view into `matrix`) or null when it had none usable. */
  vectors: (Float32Array | null)[];
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
  const vectors: (Float32Array | null)[] = [];
  const notes: string[] = [];
  const matrix = new Float32Array(raw.length * dim);
  const ranks: number[] = [];
  const rows = packed && packed.rows instanceof Int32Array && packed.vectors instanceof Float32Array && packed.rows.length === raw.length ? packed : null;
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
    const offset = ranks.length * dim;
    const row = rows ? rows.rows[r]! : -1;
    const ok = dim > 0 && (row >= 0 ? writePackedRow(rows!, row, dim, matrix, offset) : writeVector((c as CandidateInput).vector, dim, matrix, offset));
    if (ok) {
      vectors.push(matrix.subarray(offset, offset + dim));
      ranks.push(ids.length);
    } else {
      missing++;
      vectors.push(null);
    }
    ids.push(key);
  }
  if (malformed) notes.push(`${malformed} candidate(s) without a string id were dropped`);
  if (duplicates) notes.push(`${duplicates} duplicate id(s) were dropped (first kept)`);
  if (missing) notes.push(`${missing} candidate(s) without a usable ${dim}-d vector kept their server position`);
  return { ids, vectors, matrix: matrix.subarray(0, ranks.length * dim), ranks: Float32Array.from(ranks), notes };
}

/** The server's order, unchanged, without scores. */
export function serverOrder(ids: readonly string[]): RankedItem[] {
  return ids.map((id, i) => ({ id, score: null, serverRank: i }));
}

/**
 * Merges model scores into an order. `scores[k]` belongs to the k-th candidate that has a vector.
 * Vector-less candidates stay in their server slots; the rest fill the other slots by descending score
 * (ties keep server order).
 */
export function mergeScores(prepared: PreparedCandidates, scores: ArrayLike<number>): RankedItem[] {
  const scored: RankedItem[] = [];
  let k = 0;
  prepared.ids.forEach((id, i) => {
    if (prepared.vectors[i]) scored.push({ id, score: scores[k++]!, serverRank: i });
  });
  scored.sort((a, b) => b.score! - a.score! || a.serverRank - b.serverRank);
  let next = 0;
  return prepared.ids.map((id, i) => (prepared.vectors[i] ? scored[next++]! : { id, score: null, serverRank: i }));
}

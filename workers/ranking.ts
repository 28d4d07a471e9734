// Turns a raw candidate list into what the model can score, and model scores back into an order. Pure
// functions: malformed input is repaired (and noted), never thrown. Items without a usable vector keep their
// server position; the others are re-ordered among the remaining slots.
import type { CandidateInput, RankedItem } from '../src/shared/engine-api.js';

export interface PreparedCandidates {
  /** Unique, well-formed candidates in server order. */
  ids: string[];
  /** For each id, its vector or null when it had none usable. */
  vectors: (Float32Array | null)[];
  notes: string[];
}

/** A finite vector of length `dim` as float32, or null when `raw` is not one. */
export function toVector(raw: unknown, dim: number): Float32Array | null {
  if (raw === null || raw === undefined) return null;
  if (!(Array.isArray(raw) || ArrayBuffer.isView(raw))) return null;
  const arr = raw as ArrayLike<unknown>;
  if (arr.length !== dim) return null;
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const x = arr[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return null;
    v[i] = x;
  }
  return v;
}

/** Validates and de-duplicates candidates (first occurrence wins). */
export function prepareCandidates(raw: readonly unknown[], dim: number): PreparedCandidates {
  const seen = new Set<string>();
  const out: PreparedCandidates = { ids: [], vectors: [], notes: [] };
  let malformed = 0;
  let duplicates = 0;
  let missing = 0;
  for (const c of raw) {
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
    const vector = toVector((c as CandidateInput).vector, dim);
    if (!vector) missing++;
    out.ids.push(key);
    out.vectors.push(vector);
  }
  if (malformed) out.notes.push(`${malformed} candidate(s) without a string id were dropped`);
  if (duplicates) out.notes.push(`${duplicates} duplicate id(s) were dropped (first kept)`);
  if (missing) out.notes.push(`${missing} candidate(s) without a usable ${dim}-d vector kept their server position`);
  return out;
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

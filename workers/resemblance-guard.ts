// The ranking guard: when nothing among the candidates resembles the visitor's recent items, the model can only
// guess (after fragrances, with no fragrance in the list, it lifted men's shoes and a motorcycle by 16 places), so
// the shop's order is kept. The rule: the best cosine similarity between any candidate's vector and the vectors of
// the visitor's last RECENT_EVENTS events is mapped to a weight in [0, 1] for the model's part of the blend
// (blend[0]·affinity); the shop's rank prior keeps its full weight. Weight 0 gives the shop's order exactly, 1 the
// model's scores unchanged. Pure arithmetic, deterministic; never throws. Must never reorder anything itself: it
// only weighs the model's part, so the scores the engine returns still are the order.
import type { SequenceArrays } from '../src/shared/model/sequence.js';
import { CONTENT_VECTOR_SPACE } from '../src/shared/item-vectors.js';

/**
 * The vector spaces the thresholds below were measured on. Learned or a shop's precomputed vectors put related items
 * at other cosines (a learned 64-dimension table can place two items of one category well below 0.6), so a fixed
 * threshold there could switch personalisation off unnoticed: in any other space the guard leaves the model at full
 * weight until thresholds are measured for it.
 */
export const GUARDED_SPACES: ReadonlySet<string> = new Set([CONTENT_VECTOR_SPACE]);

/** How many of the visitor's latest events (those the model reads, newest last) the candidates are compared with. */
export const RECENT_EVENTS = 6;

/**
 * At or below this best cosine nothing in the pool resembles the visitor's recent items: the model's weight is 0
 * and the shop's order stands. Set from the demo's content vectors (content-hash-v1, 194 products): two products of
 * different categories reach at most 0.57 (2 of 17,414 pairs above 0.55), two of one category at least 0.67.
 */
export const RESEMBLANCE_NONE = 0.6;

/**
 * At or above this best cosine the model ranks with its full weight (1,302 of the demo's 1,307 same-category pairs,
 * the other 5 at 0.67–0.70); between the two, its weight grows linearly.
 */
export const RESEMBLANCE_FULL = 0.7;

/**
 * The best cosine similarity between a candidate (a row of `matrix`, [n·itemDim]) and one of the sequence's last
 * RECENT_EVENTS events; zero vectors resemble nothing. The scan stops once it reaches RESEMBLANCE_FULL, so a value
 * at or above that only says "enough". −Infinity when there is nothing to compare.
 * @example recentResemblance(sequence, 32, prepared.matrix) // 0.93: a candidate like a recent item
 */
export function recentResemblance(sequence: SequenceArrays, itemDim: number, matrix: Float32Array): number {
  const recent = recentUnitVectors(sequence, itemDim);
  const n = itemDim > 0 ? Math.floor(matrix.length / itemDim) : 0;
  let best = Number.NEGATIVE_INFINITY;
  for (let r = 0, o = 0; r < n && best < RESEMBLANCE_FULL; r++, o += itemDim) {
    let norm = 0;
    for (let j = 0; j < itemDim; j++) norm += matrix[o + j]! * matrix[o + j]!;
    if (!(norm > 0)) continue;
    const inv = 1 / Math.sqrt(norm);
    for (const e of recent) {
      let dot = 0;
      for (let j = 0; j < itemDim; j++) dot += matrix[o + j]! * e[j]!;
      if (dot * inv > best) best = dot * inv;
    }
  }
  return best;
}

/** The last RECENT_EVENTS events' vectors of a right-aligned sequence, scaled to unit length (zero vectors left out). */
function recentUnitVectors(sequence: SequenceArrays, itemDim: number): Float64Array[] {
  const maxLen = sequence.mask.length;
  const out: Float64Array[] = [];
  for (let pos = maxLen - 1; pos >= 0 && pos >= maxLen - sequence.length && out.length < RECENT_EVENTS; pos--) {
    if (sequence.mask[pos] !== 1) continue;
    const v = Float64Array.from(sequence.items.subarray(pos * itemDim, (pos + 1) * itemDim));
    let norm = 0;
    for (const x of v) norm += x * x;
    if (!(norm > 0)) continue;
    const inv = 1 / Math.sqrt(norm);
    for (let j = 0; j < v.length; j++) v[j]! *= inv;
    out.push(v);
  }
  return out;
}

/**
 * The weight of the model's part for a resemblance: 0 at or below RESEMBLANCE_NONE, 1 at or above RESEMBLANCE_FULL,
 * linear between. @example modelWeight(0.42) // 0: the shop's order
 */
export function modelWeight(resemblance: number): number {
  if (!(resemblance > RESEMBLANCE_NONE)) return 0;
  if (resemblance >= RESEMBLANCE_FULL) return 1;
  return (resemblance - RESEMBLANCE_NONE) / (RESEMBLANCE_FULL - RESEMBLANCE_NONE);
}

/** What the guard decided for one rerank: the resemblance, the model's weight, and a note when the weight is below 1. */
export interface GuardDecision {
  readonly resemblance: number;
  readonly weight: number;
  /** For the rerank's notes, so the page can tell why the model moved little or nothing; null at full weight. */
  readonly note: string | null;
}

/**
 * The guard for one rerank: the visitor's sequence (as the model reads it) against the candidates' packed vectors.
 * Outside GUARDED_SPACES it always answers full weight.
 * @example const g = rankingGuard(sequence, 32, prepared.matrix, manifest.vectorSpace); model.scoreFast(input, g.weight)
 */
export function rankingGuard(sequence: SequenceArrays, itemDim: number, matrix: Float32Array, vectorSpace: string = CONTENT_VECTOR_SPACE): GuardDecision {
  if (!GUARDED_SPACES.has(vectorSpace)) return { resemblance: Number.NaN, weight: 1, note: null };
  const resemblance = recentResemblance(sequence, itemDim, matrix);
  const weight = modelWeight(resemblance);
  const best = Number.isFinite(resemblance) ? resemblance.toFixed(2) : 'none';
  const note = weight >= 1 ? null : `no candidate resembles the visitor's recent items (best cosine ${best}, full weight from ${RESEMBLANCE_FULL}): the model's part weighs ${weight.toFixed(2)}`;
  return { resemblance, weight, note };
}

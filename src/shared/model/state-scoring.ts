// Re-rank scoring from a cached visitor state: the encoder's output depends only on the visitor's events and
// the weights, so it is computed once per (sequence, weights) and kept as a Float32Array; each call then
// scores its candidates with plain dot products — no tensors, no kernel launches, no readback.
// The arithmetic is scoreCandidates' (encoder.ts) element for element, each step rounded to float32 as the
// backends do; only the summation order of the dot product may differ (≤ a few float32 ulps).
// Must never hold tensors: the state is read back once, and the caller owns nothing to dispose.
import type { SequenceArrays } from './sequence.js';

/** −log2(rank + 1) in float32, as serverRankPrior computes it (log, then divide by ln 2). */
export function rankPrior(rank: number): number {
  const f = Math.fround;
  return -f(f(Math.log(f(rank + 1))) / f(Math.LN2));
}

/**
 * Scores `n` candidates: blend[0]·(state · vector) + blend[1]·prior(server rank), in float32.
 * @param state [d]  @param vectors [n·d] row-major  @param ranks [n] 0-based server ranks
 * @example scoreWithState(state, blend, vectors, ranks) // Float32Array of n scores
 */
export function scoreWithState(
  state: Float32Array,
  blend: Float32Array,
  vectors: Float32Array,
  ranks: ArrayLike<number>,
  out = new Float32Array(ranks.length),
): Float32Array {
  const f = Math.fround;
  const d = state.length;
  const n = ranks.length;
  if (vectors.length !== n * d) throw new RangeError(`vectors hold ${vectors.length} values, expected ${n}×${d}`);
  const b0 = blend[0]!;
  const b1 = blend[1]!;
  for (let i = 0, o = 0; i < n; i++, o += d) {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += vectors[o + j]! * state[j]!;
    out[i] = f(f(f(dot) * b0) + f(rankPrior(ranks[i]!) * b1));
  }
  return out;
}

/** True when two sequences hold the same events (the state computed for one serves the other). */
export function sameSequence(a: SequenceArrays, b: SequenceArrays): boolean {
  return a.length === b.length && sameArray(a.mask, b.mask) && sameArray(a.types, b.types) && sameArray(a.items, b.items);
}

function sameArray(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

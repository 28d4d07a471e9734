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

/** rankPrior(r) for r < priors.length, grown on demand: a re-rank reads its priors instead of taking n logarithms. */
let priors = new Float32Array(0);

/** rankPrior for ranks 0…n−1 (a shared table: read it, never write it). */
export function rankPriors(n: number): Float32Array {
  if (priors.length < n) {
    const next = new Float32Array(Math.max(n, 2 * priors.length, 256));
    next.set(priors);
    for (let r = priors.length; r < next.length; r++) next[r] = rankPrior(r);
    priors = next;
  }
  return priors;
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
  let maxRank = -1;
  for (let i = 0; i < n; i++) if (ranks[i]! > maxRank) maxRank = ranks[i]!;
  const table = Number.isInteger(maxRank) && maxRank < 1 << 24 ? rankPriors(maxRank + 1) : null;
  for (let i = 0, o = 0; i < n; i++, o += d) {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += vectors[o + j]! * state[j]!;
    const r = ranks[i]!;
    const prior = table && Number.isInteger(r) && r >= 0 ? table[r]! : rankPrior(r);
    out[i] = f(f(f(dot) * b0) + f(prior * b1));
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

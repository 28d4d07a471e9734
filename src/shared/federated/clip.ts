// L2 clipping of a model update: the bound that makes one visitor's influence on the aggregate finite, so
// Gaussian noise calibrated to it gives differential privacy. Pure arithmetic; never touches I/O.

/** Euclidean norm, accumulated in float64. */
export function l2Norm(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]! * values[i]!;
  return Math.sqrt(s);
}

/**
 * Scales `values` down (never up) so that its L2 norm is at most `bound`; returns a new array and the
 * norm before clipping.
 * @example
 *   clipToNorm(Float32Array.of(3, 4), 1) // { values: [0.6, 0.8], norm: 5, clipped: true }
 * @throws RangeError when bound is not a positive finite number or a value is not finite.
 */
export function clipToNorm(values: Float32Array, bound: number): { values: Float32Array; norm: number; clipped: boolean } {
  if (!(bound > 0) || !Number.isFinite(bound)) throw new RangeError(`clip bound must be a positive finite number, got ${bound}`);
  const norm = l2Norm(values);
  if (!Number.isFinite(norm)) throw new RangeError('cannot clip an update with non-finite values');
  if (norm <= bound) return { values: new Float32Array(values), norm, clipped: false };
  // float32 rounding can leave the scaled norm a hair above the bound; aim just under it.
  const factor = (bound / norm) * (1 - 1e-6);
  // A plain loop: the server clips every update of a round, and map()'s callback costs ~8× more.
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * factor;
  return { values: out, norm, clipped: true };
}

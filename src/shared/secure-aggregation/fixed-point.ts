// Fixed-point encoding of a clipped update as integers mod 2^32, so that additive secret shares and integer
// noise sum exactly. A value of magnitude C (the clip bound) maps to 2^bits; the bits are chosen so that the sum
// of a whole cohort, noise included, cannot wrap around. Rounding is deterministic, and the update is clipped a
// little below C first, so that the rounded integer vector's L2 norm is at most 2^bits: the sensitivity the noise
// and the accountant assume. Pure arithmetic; never touches I/O.
import { clipToNorm } from '../federated/clip.js';

/** Largest fixed-point precision used (keeps noise variances and sums exact in float64). */
export const MAX_BITS = 24;

/**
 * Bits such that a value of magnitude C maps to 2^bits and the sum of `cohort` clipped updates plus noise of
 * std `noiseMultiplier`·2^bits stays within ±2^31 (eight standard deviations of headroom).
 * @throws RangeError when even 1 bit would overflow (an absurd cohort).
 */
export function fixedPointBits(cohort: number, noiseMultiplier: number): number {
  if (!(Number.isInteger(cohort) && cohort >= 1)) throw new RangeError(`cohort must be a whole number ≥ 1, got ${cohort}`);
  if (!(noiseMultiplier >= 0)) throw new RangeError(`noise multiplier must be ≥ 0, got ${noiseMultiplier}`);
  const bits = Math.min(MAX_BITS, Math.floor(Math.log2((2 ** 31 - 1) / (cohort + 8 * noiseMultiplier + 1))));
  if (bits < 1) throw new RangeError(`a cohort of ${cohort} with noise ${noiseMultiplier} does not fit 32-bit sums`);
  return bits;
}

/** The clip bound before rounding that keeps the rounded vector within 2^bits: C·(1 − √n / 2^(bits+1)). */
export function preRoundingClip(clip: number, params: number, bits: number): number {
  const slack = Math.sqrt(params) / 2 ** (bits + 1);
  if (slack >= 0.5) throw new RangeError(`${bits} bits are too coarse for ${params} parameters`);
  return clip * (1 - slack);
}

/**
 * Clips `values` and encodes them as integers mod 2^32 (two's complement), L2 norm ≤ 2^bits.
 * @throws RangeError on non-finite values or a bad clip bound.
 */
export function encodeFixedPoint(values: Float32Array, clip: number, bits: number): Uint32Array {
  const clipped = clipToNorm(values, preRoundingClip(clip, values.length, bits)).values;
  const scale = 2 ** bits / clip;
  const out = new Uint32Array(values.length);
  for (let i = 0; i < clipped.length; i++) out[i] = Math.round(clipped[i]! * scale) >>> 0;
  return out;
}

/** Reads a sum mod 2^32 back as signed integers times C / 2^bits. */
export function decodeFixedPoint(sum: Uint32Array, clip: number, bits: number): Float32Array {
  const unit = clip / 2 ** bits;
  const out = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = (sum[i]! | 0) * unit;
  return out;
}

/** a += b mod 2^32, in place. */
export function addInto(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length !== b.length) throw new RangeError(`cannot add vectors of ${a.length} and ${b.length} values`);
  for (let i = 0; i < a.length; i++) a[i] = (a[i]! + b[i]!) >>> 0;
  return a;
}

/** a −= b mod 2^32, in place. */
export function subtractInto(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length !== b.length) throw new RangeError(`cannot subtract vectors of ${b.length} from ${a.length} values`);
  for (let i = 0; i < a.length; i++) a[i] = (a[i]! - b[i]!) >>> 0;
  return a;
}

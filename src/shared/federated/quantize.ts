// int8 quantisation of a clipped update with one float32 scale per chunk and stochastic rounding, so the
// decoded update is an unbiased estimate of the original (E[decode(encode(x))] = x). Pure arithmetic.
// Must never round deterministically (a biased rounding would shift the average of many clients).

/** Values per scale. Small enough that a large weight does not drown its neighbours, large enough to be cheap. */
export const DEFAULT_CHUNK = 256;

export interface Quantized {
  /** Values per chunk (the last chunk may be shorter). */
  readonly chunk: number;
  /** One scale per chunk: value ≈ q · scale. */
  readonly scales: Float32Array;
  readonly q: Int8Array;
}

/**
 * Quantises to int8 in [-127, 127] with stochastic rounding: x/s = k + f rounds to k+1 with probability f.
 * Each decoded value is within one scale (max|x| of its chunk / 127) of the original.
 * @param random uniform [0, 1) source (crypto-backed in the worker, seeded in the benchmark)
 * @example
 *   const q = quantizeInt8(delta, 256, Math.random); dequantize(q) // ≈ delta
 * @throws RangeError for a chunk size outside 1..65535 or non-finite values.
 */
export function quantizeInt8(values: Float32Array, chunk: number, random: () => number): Quantized {
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > 65535) throw new RangeError(`chunk must be 1..65535, got ${chunk}`);
  const n = values.length;
  const chunks = Math.ceil(n / chunk);
  const scales = new Float32Array(chunks);
  const q = new Int8Array(n);
  for (let c = 0; c < chunks; c++) {
    const lo = c * chunk;
    const hi = Math.min(n, lo + chunk);
    let max = 0;
    for (let i = lo; i < hi; i++) {
      const a = Math.abs(values[i]!);
      if (!Number.isFinite(a)) throw new RangeError(`value ${i} is not finite`);
      if (a > max) max = a;
    }
    // Round the scale to float32 first, so the quantiser uses exactly the scale the decoder will read.
    const scale = Math.fround(max / 127);
    scales[c] = scale;
    if (scale === 0) continue;
    for (let i = lo; i < hi; i++) {
      const x = values[i]! / scale;
      const floor = Math.floor(x);
      const k = floor + (random() < x - floor ? 1 : 0);
      q[i] = Math.max(-127, Math.min(127, k));
    }
  }
  return { chunk, scales, q };
}

/** The decoded update: q · scale per chunk. */
export function dequantize(qz: Quantized): Float32Array {
  const { q, scales, chunk } = qz;
  const out = new Float32Array(q.length);
  for (let c = 0, lo = 0; lo < q.length; c++, lo += chunk) {
    const scale = scales[c]!;
    const hi = Math.min(q.length, lo + chunk);
    for (let i = lo; i < hi; i++) out[i] = q[i]! * scale;
  }
  return out;
}

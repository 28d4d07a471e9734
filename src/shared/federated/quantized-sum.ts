// The server's clipped sum straight from an update's int8 form (one float32 scale per chunk): its norm and its
// clipped, weighted contribution are computed from q and the scales in two passes over the int8 values, with no
// float32 copy of the update. A round of 10,000 updates of the demo model is 113 MB as int8 and 453 MB as
// float32; summing from int8 keeps each update cache-resident. Pure arithmetic; must agree with
// clipToNorm(dequantize(u)) up to float rounding.
import type { Quantized } from './quantize.js';

function checkShape(u: Quantized): void {
  const chunks = Math.ceil(u.q.length / u.chunk);
  if (!(u.chunk >= 1) || u.scales.length !== chunks) throw new RangeError(`${u.scales.length} scales for ${u.q.length} values in chunks of ${u.chunk}`);
}

/** ‖dequantize(u)‖₂ = √(Σ_c s_c² Σ_{i∈c} q_i²), accumulated in float64. */
export function quantizedNorm(u: Quantized): number {
  checkShape(u);
  const { q, scales, chunk } = u;
  // Σ q² of a chunk fits an int32 when chunk ≤ 65535 (65535 · 127² < 2³¹): integer adds are ~30% faster here.
  const int32 = chunk <= 65535;
  let total = 0;
  for (let c = 0, lo = 0; c < scales.length; c++, lo += chunk) {
    const hi = Math.min(q.length, lo + chunk);
    let qq = 0;
    if (int32) {
      for (let i = lo; i < hi; i++) {
        const x = q[i]!;
        qq = (qq + x * x) | 0;
      }
    } else {
      for (let i = lo; i < hi; i++) qq += q[i]! * q[i]!;
    }
    const s = scales[c]!;
    total += s * s * qq;
  }
  return Math.sqrt(total);
}

/**
 * sum += weight · clip(dequantize(u), bound), the clip scaling down (never up) to an L2 norm of at most `bound`
 * exactly as clipToNorm does.
 * @returns the update's norm before clipping
 * @throws RangeError for a length mismatch, scales that do not match the chunks, or a non-finite norm.
 */
export function addClippedQuantized(sum: Float64Array, u: Quantized, weight: number, bound: number): number {
  if (u.q.length !== sum.length) throw new RangeError(`update has ${u.q.length} values, expected ${sum.length}`);
  if (!(bound > 0) || !Number.isFinite(bound)) throw new RangeError(`clip bound must be a positive finite number, got ${bound}`);
  const norm = quantizedNorm(u);
  if (!Number.isFinite(norm)) throw new RangeError('cannot clip an update with non-finite values');
  const factor = norm <= bound ? 1 : (bound / norm) * (1 - 1e-6);
  const { q, scales, chunk } = u;
  for (let c = 0, lo = 0; c < scales.length; c++, lo += chunk) {
    const hi = Math.min(q.length, lo + chunk);
    const f = weight * factor * scales[c]!;
    for (let i = lo; i < hi; i++) sum[i]! += f * q[i]!;
  }
  return norm;
}

// The one check left once no server can see or re-clip a single update: the released sum's L2 norm. K honest
// updates clipped to C sum to at most K·C; the noise adds about σ√n (σ = z·C, n values) in a direction nearly
// orthogonal to any fixed vector. A sum longer than that bound holds an update that was not clipped, and its
// round is dropped. It bounds what one malicious device can do to the sum to about K·C in norm — K times an honest
// device's influence, but no more (docs/PRIVACY.md, bench:poisoning measures it). Pure arithmetic.

/**
 * The largest ‖sum‖ an honest cohort produces but with probability far below 1e-9: √((K·C)² + σ²(n + 8√(2n)) + 16·K·C·σ).
 * (‖noise‖² is χ²ₙ·σ²: mean nσ², std σ²√(2n); the noise's component along the signal is N(0, σ²).)
 */
export function sumNormBound(cohort: number, clip: number, noiseMultiplier: number, params: number): number {
  const sigma = noiseMultiplier * clip;
  const signal = cohort * clip;
  return Math.sqrt(signal * signal + sigma * sigma * (params + 8 * Math.sqrt(2 * params)) + 16 * signal * sigma);
}

export function l2(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]! * values[i]!;
  return Math.sqrt(s);
}

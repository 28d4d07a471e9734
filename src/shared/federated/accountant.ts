// Privacy accounting for DP-FedAvg: Rényi DP of the Poisson-subsampled Gaussian mechanism (Mironov, Talwar
// & Zhang 2019; the same series as TF-Privacy / Opacus `compute_rdp`, integer and fractional orders), composed
// over rounds and converted to (ε, δ) with the improved conversion of Balle et al. 2020 (Opacus
// `get_privacy_spent`). Pure math in float64; never touches I/O.

/** Opacus's default orders: 1.1 … 10.9 in steps of 0.1, then 12 … 63. */
export const DEFAULT_ORDERS: readonly number[] = [
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 52 }, (_, i) => 12 + i),
];

function logAdd(a: number, b: number): number {
  const hi = Math.max(a, b);
  const lo = Math.min(a, b);
  if (hi === -Infinity) return -Infinity;
  return hi + Math.log1p(Math.exp(lo - hi));
}

function logSub(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (b >= a) return -Infinity; // only reached through rounding: the true difference is ~0
  return a + Math.log1p(-Math.exp(b - a));
}

/** log(erfc(x)) without underflow for large x. erf by its positive series (|x| < 3), erfc by a continued fraction beyond. */
export function logErfc(x: number): number {
  if (x < 0) return Math.log(2 - Math.exp(logErfc(-x)));
  if (x < 3) {
    // erf(x) = 2/√π · e^{-x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)): every term positive, no cancellation.
    let term = x;
    let sum = x;
    for (let n = 1; n < 500; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    const erf = (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
    return Math.log1p(-erf);
  }
  // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated bottom-up.
  let f = x;
  for (let k = 120; k >= 1; k--) f = x + k / 2 / f;
  return -x * x - 0.5 * Math.log(Math.PI) - Math.log(f);
}

/** log A_α for integer α: Σ_i C(α,i) (1−q)^{α−i} q^i exp((i²−i)/(2σ²)). */
function logAInt(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  let logBinom = 0; // log C(alpha, i), updated incrementally
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinom += Math.log(alpha - i + 1) - Math.log(i);
    const s = logBinom + i * Math.log(q) + (alpha - i) * Math.log1p(-q) + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, s);
  }
  return logA;
}

/** log A_α for fractional α: the two-sided series of Mironov et al. (TF-Privacy `_compute_log_a_frac`). */
function logAFrac(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  let logCoef = 0; // log |C(alpha, i)|
  let sign = 1;
  for (let i = 0; i < 100_000; i++) {
    if (i > 0) {
      const ratio = (alpha - i + 1) / i;
      logCoef += Math.log(Math.abs(ratio));
      if (ratio < 0) sign = -sign;
    }
    const j = alpha - i;
    const logT0 = logCoef + i * Math.log(q) + j * Math.log1p(-q);
    const logT1 = logCoef + j * Math.log(q) + i * Math.log1p(-q);
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (sign > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30) break;
  }
  return logAdd(logA0, logA1);
}

/**
 * RDP at order α of one round of the Poisson-subsampled Gaussian mechanism with sampling rate q and noise
 * multiplier σ (noise std / sensitivity).
 * @example
 *   rdpSubsampledGaussian(1, 1, 2) // 1 (= α / 2σ² without subsampling)
 * @throws RangeError for q outside [0, 1], σ ≤ 0, or α ≤ 1.
 */
export function rdpSubsampledGaussian(q: number, sigma: number, alpha: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`sampling rate must be in [0, 1], got ${q}`);
  if (!(sigma > 0)) throw new RangeError(`noise multiplier must be positive, got ${sigma}`);
  if (!(alpha > 1)) throw new RangeError(`RDP order must be > 1, got ${alpha}`);
  if (q === 0) return 0;
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (!Number.isFinite(alpha)) return Infinity;
  const logA = Number.isInteger(alpha) ? logAInt(q, sigma, alpha) : logAFrac(q, sigma, alpha);
  return logA / (alpha - 1);
}

/** RDP of `steps` compositions at each order. */
export function computeRdp(q: number, sigma: number, steps: number, orders: readonly number[] = DEFAULT_ORDERS): number[] {
  return orders.map((a) => rdpSubsampledGaussian(q, sigma, a) * steps);
}

/**
 * (ε, δ) from RDP with the conversion of Balle et al. 2020 (Opacus `get_privacy_spent`):
 * ε = min_α rdp(α) − (log δ + log α)/(α − 1) + log((α − 1)/α).
 * @returns ε and the order that attains it.
 */
export function epsilonFromRdp(rdp: readonly number[], orders: readonly number[], delta: number): { epsilon: number; order: number } {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${delta}`);
  let best = { epsilon: Infinity, order: NaN };
  orders.forEach((a, i) => {
    const eps = rdp[i]! - (Math.log(delta) + Math.log(a)) / (a - 1) + Math.log((a - 1) / a);
    if (eps < best.epsilon) best = { epsilon: eps, order: a };
  });
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}

/** Cumulative ε after `rounds` rounds of DP-FedAvg with client sampling rate q and noise multiplier z. */
export function dpFedAvgEpsilon(q: number, z: number, rounds: number, delta: number, orders: readonly number[] = DEFAULT_ORDERS): number {
  if (rounds === 0) return 0;
  if (z === 0) return Infinity;
  return epsilonFromRdp(computeRdp(q, z, rounds, orders), orders, delta).epsilon;
}

/**
 * The smallest noise multiplier whose ε after `rounds` rounds stays within `epsilon` (bisection).
 * @example
 *   noiseForEpsilon(0.01, 200, 8, 1e-5) // ≈ 0.7
 */
export function noiseForEpsilon(q: number, rounds: number, epsilon: number, delta: number): number {
  let lo = 0.05;
  let hi = 50;
  if (dpFedAvgEpsilon(q, hi, rounds, delta) > epsilon) throw new RangeError(`no noise multiplier ≤ ${hi} reaches ε ${epsilon}`);
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (dpFedAvgEpsilon(q, mid, rounds, delta) > epsilon) lo = mid;
    else hi = mid;
  }
  return hi;
}

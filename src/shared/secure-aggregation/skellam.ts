// Integer noise for distributed differential privacy: the symmetric Skellam distribution, Poisson(v/2) −
// Poisson(v/2), of variance v (Agarwal, Kairouz & Liu, "The Skellam Mechanism for Differentially Private
// Federated Learning", NeurIPS 2021). Independent Skellams sum to a Skellam, so K clients each adding variance
// v/K give exactly the Skellam mechanism of variance v on the sum, in integers, through mod-2^32 secret sharing.
// Poisson draws: multiplication for small means, Hörmann's PTRS transformed rejection (1993, as numpy samples
// them) for means ≥ 10, with the acceptance test written so that float64 keeps it exact at the means this needs
// (up to 2^47). Must be fed a CSPRNG in production (the noise is worthless if the server can predict it).

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** log Γ(x) for x > 0 (Stirling series with shift; numpy's random_loggam). */
export function logGamma(x: number): number {
  const a = [8.333333333333333e-2, -2.777777777777778e-3, 7.936507936507937e-4, -5.952380952380952e-4, 8.417508417508418e-4,
    -1.917526917526918e-3, 6.41025641025641e-3, -2.955065359477124e-2, 1.796443723688307e-1, -1.3924322169059];
  if (x === 1 || x === 2) return 0;
  let x0 = x;
  let n = 0;
  if (x <= 7) {
    n = Math.floor(7 - x);
    x0 = x + n;
  }
  const x2 = 1 / (x0 * x0);
  let gl0 = a[9]!;
  for (let k = 8; k >= 0; k--) gl0 = gl0 * x2 + a[k]!;
  let gl = gl0 / x0 + LOG_SQRT_2PI + (x0 - 0.5) * Math.log(x0) - x0;
  for (let k = 1; k <= n; k++) {
    x0 -= 1;
    gl -= Math.log(x0);
  }
  return gl;
}

/** log k! − (k log k − k + ½ log 2πk): Stirling's remainder, accurate for every k ≥ 1. */
function stirlingRemainder(k: number): number {
  if (k < 30) return logGamma(k + 1) - (k * Math.log(k) - k + LOG_SQRT_2PI + 0.5 * Math.log(k));
  const r = 1 / k;
  const r2 = r * r;
  return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 / 1680)));
}

/** log P(X = k) for X ~ Poisson(lam), k ≥ 1, written to stay exact when k and lam are ~1e14 apart from each other by ~1e7. */
function logPoissonPmf(k: number, lam: number): number {
  const d = k - lam;
  return d - k * Math.log1p(d / lam) - LOG_SQRT_2PI - 0.5 * Math.log(k) - stirlingRemainder(k);
}

/**
 * One Poisson(lam) draw.
 * @throws RangeError for lam outside [0, 2^48] (beyond it float64 loses whole numbers).
 */
export function poisson(lam: number, uniform: () => number): number {
  if (!(lam >= 0 && lam <= 2 ** 48)) throw new RangeError(`Poisson mean ${lam} is outside [0, 2^48]`);
  if (lam === 0) return 0;
  if (lam < 10) {
    const limit = Math.exp(-lam);
    let k = 0;
    let prod = uniform();
    while (prod > limit) {
      k++;
      prod *= uniform();
    }
    return k;
  }
  const slam = Math.sqrt(lam);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const logInvAlpha = Math.log(1.1239 + 1.1328 / (b - 3.4));
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = uniform() - 0.5;
    const v = uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lam + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (k === 0) {
      if (Math.log(v) + logInvAlpha - Math.log(a / (us * us) + b) <= -lam) return 0;
      continue;
    }
    if (Math.log(v) + logInvAlpha - Math.log(a / (us * us) + b) <= logPoissonPmf(k, lam)) return k;
  }
}

/** One symmetric Skellam draw of variance `variance` (an integer). */
export function skellam(variance: number, uniform: () => number): number {
  if (variance === 0) return 0;
  return poisson(variance / 2, uniform) - poisson(variance / 2, uniform);
}

/** Adds independent Skellam noise of `variance` to every value, mod 2^32, in place. */
export function addSkellamNoise(values: Uint32Array, variance: number, uniform: () => number): Uint32Array {
  if (!(variance >= 0) || !Number.isFinite(variance)) throw new RangeError(`noise variance must be finite and ≥ 0, got ${variance}`);
  if (variance === 0) return values;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]! + skellam(variance, uniform);
    values[i] = ((x % 4294967296) + 4294967296) % 4294967296;
  }
  return values;
}

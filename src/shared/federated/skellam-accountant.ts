// Privacy accounting for secure rounds: the distributed Skellam mechanism (each device adds its share of integer
// noise; the two aggregators only ever release the noisy sum), with client-side Poisson sampling at rate q (each
// device joins a round by its own coin). RDP of the Skellam mechanism: Agarwal, Kairouz & Liu (NeurIPS 2021,
// Thm 3.5); amplification by Poisson sampling for any mechanism: the general upper bound of Zhu & Wang ("Poisson
// Subsampled Rényi Differential Privacy", ICML 2019, Thm 6), which needs integer orders; composition adds RDP;
// conversion to (ε, δ) as the Gaussian accountant does (accountant.ts). Pure math; never touches I/O.
import { epsilonFromRdp } from './accountant.js';

/** Integer orders 2…64, then coarser up to 256 (the general bound is defined at integer orders only). */
export const INTEGER_ORDERS: readonly number[] = [...Array.from({ length: 63 }, (_, i) => i + 2), 72, 80, 96, 112, 128, 160, 192, 256];

/** A Skellam release: sensitivities in integer units and the noise variance on the sum. */
export interface SkellamRelease {
  readonly l2: number;
  readonly l1: number;
  readonly variance: number;
}

/**
 * RDP of the Skellam mechanism at integer order α > 1:
 * α·Δ₂²/(2μ) + min(((2α − 1)Δ₂² + 6Δ₁)/(4μ²), 3Δ₁/(2μ)), μ the variance.
 */
export function skellamRdp(alpha: number, r: SkellamRelease): number {
  if (!(alpha > 1)) throw new RangeError(`RDP order must be > 1, got ${alpha}`);
  if (!(r.variance > 0)) return Infinity;
  const mu = r.variance;
  return (alpha * r.l2 ** 2) / (2 * mu) + Math.min(((2 * alpha - 1) * r.l2 ** 2 + 6 * r.l1) / (4 * mu * mu), (3 * r.l1) / (2 * mu));
}

function logSumExp(terms: readonly number[]): number {
  const hi = Math.max(...terms);
  if (hi === -Infinity) return -Infinity;
  return hi + Math.log(terms.reduce((s, t) => s + Math.exp(t - hi), 0));
}

/**
 * RDP at integer order α of a mechanism with RDP curve `eps`, applied to a Poisson sample with rate q: the general
 * upper bound (1/(α−1))·log((1−q)^{α−1}(αq − q + 1) + C(α,2)q²(1−q)^{α−2}e^{ε(2)} + 3Σ_{ℓ=3}^{α} C(α,ℓ)(1−q)^{α−ℓ}q^ℓ e^{(ℓ−1)ε(ℓ)}),
 * never above ε(α) itself. With `tight` the factor 3 is dropped — exact for the Gaussian (then it equals the
 * sampled Gaussian's series, which the tests use as a known answer), not an upper bound in general.
 */
export function poissonSubsampledRdp(alpha: number, q: number, eps: (order: number) => number, tight = false): number {
  if (!Number.isInteger(alpha) || alpha < 2) throw new RangeError(`the general bound needs an integer order ≥ 2, got ${alpha}`);
  if (!(q >= 0 && q <= 1)) throw new RangeError(`sampling rate must be in [0, 1], got ${q}`);
  if (q === 0) return 0;
  if (q === 1) return eps(alpha);
  const lq = Math.log(q);
  const l1q = Math.log1p(-q);
  const terms = [(alpha - 1) * l1q + Math.log(alpha * q - q + 1)];
  let logBinom = Math.log((alpha * (alpha - 1)) / 2);
  terms.push(logBinom + 2 * lq + (alpha - 2) * l1q + eps(2));
  for (let l = 3; l <= alpha; l++) {
    logBinom += Math.log(alpha - l + 1) - Math.log(l);
    terms.push((tight ? 0 : Math.log(3)) + logBinom + l * lq + (alpha - l) * l1q + (l - 1) * eps(l));
  }
  return Math.min(logSumExp(terms) / (alpha - 1), eps(alpha));
}

/** The Skellam release of one secure round: Δ₂ = 2^bits, Δ₁ = min(√n·Δ₂, Δ₂²), variance of the noise on the sum. */
export function secureRoundRelease(bits: number, params: number, variance: number): SkellamRelease {
  const l2 = 2 ** bits;
  return { l2, l1: Math.min(Math.sqrt(params) * l2, l2 * l2), variance };
}

/** Rounds of one kind: sampling rate, release, and how many were published. */
export interface SecureRounds {
  readonly sampleRate: number;
  readonly release: SkellamRelease;
  readonly rounds: number;
}

/** RDP of all `spent` rounds at each order. */
export function secureRdp(spent: readonly SecureRounds[], orders: readonly number[] = INTEGER_ORDERS): number[] {
  return orders.map((a) => spent.reduce((sum, s) => (s.rounds === 0 ? sum : sum + s.rounds * poissonSubsampledRdp(a, s.sampleRate, (o) => skellamRdp(o, s.release))), 0));
}

/** ε at δ after all `spent` rounds; 0 for none, Infinity when any had no noise. */
export function secureEpsilon(spent: readonly SecureRounds[], delta: number, orders: readonly number[] = INTEGER_ORDERS): number {
  if (spent.every((s) => s.rounds === 0)) return 0;
  if (spent.some((s) => s.rounds > 0 && !(s.release.variance > 0))) return Infinity;
  return epsilonFromRdp(secureRdp(spent, orders), orders, delta).epsilon;
}

/**
 * The smallest noise multiplier z whose secure rounds (cohort K, `params` values, the fixed point of
 * secure-aggregation/fixed-point.ts) keep ε after `rounds` rounds at sampling rate q within `epsilon` (bisection).
 * `bitsFor(z)` gives the fixed-point bits the protocol would use at z.
 */
export function secureNoiseForEpsilon(q: number, rounds: number, epsilon: number, delta: number, params: number, bitsFor: (z: number) => number): number {
  const eps = (z: number) => {
    const bits = bitsFor(z);
    return secureEpsilon([{ sampleRate: q, release: secureRoundRelease(bits, params, (z * 2 ** bits) ** 2), rounds }], delta);
  };
  let lo = 0.05;
  let hi = 50;
  if (eps(hi) > epsilon) throw new RangeError(`no noise multiplier ≤ ${hi} reaches ε ${epsilon}`);
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (eps(mid) > epsilon) lo = mid;
    else hi = mid;
  }
  return hi;
}

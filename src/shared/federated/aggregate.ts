// Central DP-FedAvg on the server side, as pure math shared by the server and the simulation benchmark:
// re-clip each decoded update, sum, add Gaussian noise calibrated to the clip bound, divide by the cohort
// size, then step the global model with a server optimiser (FedAvg or FedAdam, Reddi et al. 2021).
// Must never touch I/O, the clock or a random source of its own: noise comes from the caller's sampler.
import { clipToNorm } from './clip.js';

export interface ClientUpdate {
  readonly values: Float32Array;
  /** Weight in the non-private mean (the bucketed example count). Ignored with noise: every client weighs 1. */
  readonly weight: number;
}

export interface NoiseSettings {
  /** L2 bound every update is clipped to (its sensitivity). */
  readonly clip: number;
  /** z: noise std on the sum is z·clip. 0 = no noise (and the example-weighted mean). */
  readonly noiseMultiplier: number;
}

/** A standard normal sampler. */
export type Gaussian = () => number;

/** Box–Muller from a uniform (0, 1] source. */
export function gaussianFrom(uniform: () => number): Gaussian {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/**
 * The round's average update. Without noise: the weighted mean of the clipped updates. With noise:
 * (Σ clip(Δ_k) + N(0, (z·C)² I)) / n (n = the expected cohort when given) — each client's influence on the sum is at most C, so the Gaussian
 * mechanism's sensitivity is C; σ on the mean is z·C/n.
 * @throws RangeError for no updates or updates of different lengths.
 */
export function noisyMean(
  updates: readonly ClientUpdate[],
  s: NoiseSettings,
  gaussian: Gaussian,
  /** With noise: divide by this (the expected cohort size) rather than the count, so the count stays private. */
  expectedCohort?: number,
): Float32Array {
  const first = updates[0];
  if (!first) throw new RangeError('a round needs at least one update');
  const n = first.values.length;
  const sum = new Float64Array(n);
  const dp = s.noiseMultiplier > 0;
  let total = 0;
  for (const [k, u] of updates.entries()) {
    if (u.values.length !== n) throw new RangeError(`update ${k} has ${u.values.length} values, expected ${n}`);
    const w = dp ? 1 : u.weight;
    if (!(w > 0) || !Number.isFinite(w)) throw new RangeError(`update ${k} has weight ${w}`);
    const clipped = clipToNorm(u.values, s.clip).values;
    for (let j = 0; j < n; j++) sum[j]! += w * clipped[j]!;
    total += w;
  }
  const std = s.noiseMultiplier * s.clip;
  if (dp && expectedCohort !== undefined) total = expectedCohort;
  const mean = new Float32Array(n);
  for (let j = 0; j < n; j++) mean[j] = (sum[j]! + (dp ? std * gaussian() : 0)) / total;
  return mean;
}

export type ServerOptimizerKind = 'fedavg' | 'fedadam';

export interface ServerOptimizer {
  readonly kind: ServerOptimizerKind;
  /** Server learning rate (1 for plain FedAvg). */
  readonly learningRate: number;
  /** FedAdam only. */
  readonly beta1?: number;
  readonly beta2?: number;
  /** FedAdam's adaptivity τ (Reddi et al. use 1e-3). */
  readonly tau?: number;
}

/** FedAdam's moments; null for FedAvg or before the first round. */
export interface OptimizerState {
  readonly m: Float32Array;
  readonly v: Float32Array;
}

/**
 * One server step: FedAvg w + η·Δ̄; FedAdam m ← β₁m + (1−β₁)Δ̄, v ← β₂v + (1−β₂)Δ̄², w + η·m/(√v + τ).
 * @example
 *   serverStep(w, mean, { kind: 'fedavg', learningRate: 1 }, null) // { weights: w + mean, state: null }
 */
export function serverStep(
  weights: Float32Array,
  mean: Float32Array,
  opt: ServerOptimizer,
  state: OptimizerState | null,
): { weights: Float32Array; state: OptimizerState | null } {
  if (weights.length !== mean.length) throw new RangeError(`weights have ${weights.length} values, the update ${mean.length}`);
  const out = new Float32Array(weights.length);
  if (opt.kind === 'fedavg') {
    for (let j = 0; j < out.length; j++) out[j] = weights[j]! + opt.learningRate * mean[j]!;
    return { weights: out, state: null };
  }
  const b1 = opt.beta1 ?? 0.9;
  const b2 = opt.beta2 ?? 0.99;
  const tau = opt.tau ?? 1e-3;
  const m = state?.m.length === out.length ? Float32Array.from(state.m) : new Float32Array(out.length);
  const v = state?.v.length === out.length ? Float32Array.from(state.v) : new Float32Array(out.length);
  for (let j = 0; j < out.length; j++) {
    const g = mean[j]!;
    m[j] = b1 * m[j]! + (1 - b1) * g;
    v[j] = b2 * v[j]! + (1 - b2) * g * g;
    out[j] = weights[j]! + (opt.learningRate * m[j]!) / (Math.sqrt(v[j]!) + tau);
  }
  return { weights: out, state: { m, v } };
}

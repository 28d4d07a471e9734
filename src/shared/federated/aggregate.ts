// Central DP-FedAvg on the server side, as pure math shared by the server and the simulation benchmark:
// re-clip each decoded update, sum, add Gaussian noise calibrated to the clip bound, divide by the cohort
// size, then step the global model with a server optimiser (FedAvg or FedAdam, Reddi et al. 2021).
// Must never touch I/O, the clock or a random source of its own: noise comes from the caller's sampler.
import { clipToNorm } from './clip.js';
import type { Quantized } from './quantize.js';
import { addClippedQuantized } from './quantized-sum.js';

export interface ClientUpdate {
  /** The update: float32, or its int8 form (summed without a float32 copy: quantized-sum.ts). */
  readonly values: Float32Array | Quantized;
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

/** Number of values of an update in either form. */
export function valueCount(values: Float32Array | Quantized): number {
  return values instanceof Float32Array ? values.length : values.q.length;
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
  const n = valueCount(first.values);
  const sum = new Float64Array(n);
  const dp = s.noiseMultiplier > 0;
  let total = 0;
  for (const [k, u] of updates.entries()) {
    const len = valueCount(u.values);
    if (len !== n) throw new RangeError(`update ${k} has ${len} values, expected ${n}`);
    const w = dp ? 1 : u.weight;
    if (!(w > 0) || !Number.isFinite(w)) throw new RangeError(`update ${k} has weight ${w}`);
    if (u.values instanceof Float32Array) {
      const clipped = clipToNorm(u.values, s.clip).values;
      for (let j = 0; j < n; j++) sum[j]! += w * clipped[j]!;
    } else {
      addClippedQuantized(sum, u.values, w, s.clip);
    }
    total += w;
  }
  const std = s.noiseMultiplier * s.clip;
  if (dp && expectedCohort !== undefined) total = expectedCohort;
  const mean = new Float32Array(n);
  for (let j = 0; j < n; j++) mean[j] = (sum[j]! + (dp ? std * gaussian() : 0)) / total;
  return mean;
}

export type ServerOptimizerKind = 'fedavg' | 'fedadam';

/**
 * The server learning rate as a function of the step: linear warm-up over `warmupRounds` steps, then a cosine
 * decay from the base rate to `floor`·base over `decayRounds` steps, then constant at `floor`·base.
 * decayRounds 0: no decay (constant after the warm-up).
 */
export interface LearningRateSchedule {
  readonly warmupRounds: number;
  readonly decayRounds: number;
  /** Share of the base rate the decay ends at (0..1). */
  readonly floor: number;
}

export interface ServerOptimizer {
  readonly kind: ServerOptimizerKind;
  /** Server learning rate (1 for plain FedAvg); the peak rate when a schedule is given. */
  readonly learningRate: number;
  /** FedAdam only. */
  readonly beta1?: number;
  readonly beta2?: number;
  /** FedAdam's adaptivity τ (Reddi et al. use 1e-3). */
  readonly tau?: number;
  /** FedAdam only: divide the moments by 1 − β^t as Adam does (default false, the original FedAdam). */
  readonly biasCorrection?: boolean;
  /** Learning-rate schedule over the server steps (default: constant). */
  readonly schedule?: LearningRateSchedule;
}

/** FedAdam's moments; null for FedAvg or before the first round. */
export interface OptimizerState {
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** Server steps taken so far on this lineage (bias correction and the schedule); absent: unknown, read as 0. */
  readonly step?: number;
}

/**
 * The learning rate of server step `step` (1-based) under a schedule.
 * @example
 *   scheduledLearningRate(0.01, { warmupRounds: 10, decayRounds: 100, floor: 0.1 }, 5) // 0.005 (warm-up)
 *   scheduledLearningRate(0.01, { warmupRounds: 10, decayRounds: 100, floor: 0.1 }, 110) // 0.001 (end of decay)
 */
export function scheduledLearningRate(base: number, schedule: LearningRateSchedule | undefined, step: number): number {
  if (!schedule) return base;
  const { warmupRounds: w, decayRounds: d, floor } = schedule;
  if (!(w >= 0) || !(d >= 0) || !(floor >= 0 && floor <= 1)) throw new RangeError(`bad schedule ${JSON.stringify(schedule)}`);
  if (w > 0 && step <= w) return (base * Math.max(1, step)) / w;
  if (d === 0) return base;
  const t = Math.min(1, (step - w) / d);
  return base * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * t)));
}

/**
 * One server step: FedAvg w + η·Δ̄; FedAdam m ← β₁m + (1−β₁)Δ̄, v ← β₂v + (1−β₂)Δ̄², w + η·m/(√v + τ) (with
 * bias correction m/(1−β₁ᵗ) and v/(1−β₂ᵗ)); η from the schedule at this step, when one is given.
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
  const step = (state?.step ?? 0) + 1;
  const lr = scheduledLearningRate(opt.learningRate, opt.schedule, step);
  if (opt.kind === 'fedavg') {
    for (let j = 0; j < out.length; j++) out[j] = weights[j]! + lr * mean[j]!;
    // Only a schedule needs the step count; plain FedAvg keeps no state, as before.
    return { weights: out, state: opt.schedule ? { m: new Float32Array(0), v: new Float32Array(0), step } : null };
  }
  const b1 = opt.beta1 ?? 0.9;
  const b2 = opt.beta2 ?? 0.99;
  const tau = opt.tau ?? 1e-3;
  const m = state?.m.length === out.length ? Float32Array.from(state.m) : new Float32Array(out.length);
  const v = state?.v.length === out.length ? Float32Array.from(state.v) : new Float32Array(out.length);
  const c1 = opt.biasCorrection ? 1 - b1 ** step : 1;
  const c2 = opt.biasCorrection ? 1 - b2 ** step : 1;
  for (let j = 0; j < out.length; j++) {
    const g = mean[j]!;
    m[j] = b1 * m[j]! + (1 - b1) * g;
    v[j] = b2 * v[j]! + (1 - b2) * g * g;
    out[j] = weights[j]! + (lr * (m[j]! / c1)) / (Math.sqrt(v[j]! / c2) + tau);
  }
  return { weights: out, state: { m, v, step } };
}

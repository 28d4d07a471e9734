// Builds the next model version from the current one and a round's updates with central DP-FedAvg: each
// update re-clipped to the clip bound, summed, Gaussian noise of std z·C added, divided by the cohort, then
// one server-optimiser step (FedAvg or FedAdam); or, with a robust rule configured, the coordinate-wise trimmed
// mean or median of the clipped updates with the noise scaled to its sensitivity (src/shared/federated/robust.ts).
// This is the Aggregator the store calls inside its ingestion transaction: synchronous, no I/O; it refuses to
// publish past the privacy budget or with non-finite weights.
import { randomBytes } from 'node:crypto';
import { gaussianFrom, noisyMean, serverStep, type Gaussian, type OptimizerState, type ServerOptimizer } from '../src/shared/federated/aggregate.js';
import { robustNoisyMean } from '../src/shared/federated/robust.js';
import { dpFedAvgEpsilon } from '../src/shared/federated/accountant.js';
import { makeManifest } from '../src/shared/model/manifest.js';
import { parameterCount } from '../src/shared/model/weights.js';
import { allFinite } from './aggregate.js';
import { SERVER_OPTIMIZER_DEFAULTS, type FederatedConfig } from './config.js';
import { cumulativeEpsilon, withRound } from './federated/privacy.js';
import { RoundFailedError } from './federated/round-state.js';
import type { Aggregator, ModelVersion } from './storage/store.js';
import { bytesToFloats, floatsToBytes, sha256Hex } from './weights-codec.js';

/** Uniform [0, 1) from the OS's CSPRNG: the noise must not be predictable by anyone who sees the updates. */
export function cryptoUniform(): () => number {
  let pool = randomBytes(0);
  let at = 0;
  return () => {
    if (at + 6 > pool.length) {
      pool = randomBytes(6 * 4096);
      at = 0;
    }
    const v = pool.readUIntBE(at, 6) / 2 ** 48;
    at += 6;
    return v;
  };
}

/** FedAdam's moments as stored with a version (m then v), or null for none. */
export function encodeState(s: OptimizerState | null): Uint8Array | null {
  if (!s || s.m.length === 0) return null;
  const both = new Float32Array(s.m.length * 2);
  both.set(s.m, 0);
  both.set(s.v, s.m.length);
  return floatsToBytes(both);
}

/**
 * FedAdam's stored moments (m then v, n values each; none for FedAvg) and the step count, which is the base
 * version's number of published steps since the seed (version 1): `version − 1`. A rollback does not rewind it,
 * so a schedule keeps decaying by published rounds.
 */
export function priorState(bytes: Uint8Array | null | undefined, n: number, baseVersion: number): OptimizerState {
  const both = bytes ? bytesToFloats(bytes) : null;
  const step = Math.max(0, baseVersion - 1);
  if (!both || both.length !== 2 * n) return { m: new Float32Array(0), v: new Float32Array(0), step };
  return { m: both.subarray(0, n), v: both.subarray(n), step };
}

/**
 * The most rounds that DP-FedAvg with sampling rate q and noise multiplier z can publish before ε at δ would pass
 * the budget (RDP accountant; bisection over rounds). Infinity without noise.
 */
export function roundsWithinBudget(q: number, z: number, delta: number, budget: number): number {
  if (!(z > 0)) return Infinity;
  const within = (t: number) => dpFedAvgEpsilon(q, z, t, delta) <= budget;
  if (!within(1)) return 0;
  let lo = 1;
  let hi = 2;
  while (hi < 1e7 && within(hi)) [lo, hi] = [hi, hi * 2];
  if (hi >= 1e7) return lo;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (within(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The server optimiser a configuration asks for (shared serverStep settings). Without a schedule configured:
 * with noise, a cosine from the rate down to SERVER_OPTIMIZER_DEFAULTS.budgetFloor × the rate over the rounds the
 * ε budget allows (what bench:federated's DP runs measured: their z is chosen so that the budget lasts exactly
 * their rounds); without noise, a constant rate (as good as the cosine there).
 */
export function serverOptimizer(f: FederatedConfig): ServerOptimizer {
  const d = SERVER_OPTIMIZER_DEFAULTS;
  const rounds = roundsWithinBudget(f.sampleRate, f.noiseMultiplier, f.delta, f.epsilonBudget);
  const schedule =
    f.serverSchedule ?? d.schedule ?? (Number.isFinite(rounds) && rounds > 0 ? { warmupRounds: 0, decayRounds: rounds, floor: d.budgetFloor } : undefined);
  return {
    kind: f.optimizer,
    learningRate: f.serverLearningRate,
    tau: f.serverTau ?? d.tau,
    beta2: f.serverBeta2 ?? d.beta2,
    biasCorrection: f.serverBiasCorrection ?? d.biasCorrection,
    ...(schedule ? { schedule } : {}),
  };
}

/**
 * The DP-FedAvg aggregator for a configuration.
 * @param gaussian standard-normal source; defaults to one fed by the OS CSPRNG (tests pass a seeded one)
 * @throws RoundFailedError('privacy_budget_exhausted') when this round would take ε past the budget (no
 *   round opens again), RoundFailedError('non_finite_result') when the result is not finite.
 */
export function makeAggregator(f: FederatedConfig, minCohort: number, gaussian: Gaussian = gaussianFrom(cryptoUniform())): Aggregator {
  const opt = serverOptimizer(f);
  return (base: ModelVersion, updates, ctx) => {
    const baseWeights = bytesToFloats(base.weights);
    const n = parameterCount(base.manifest.weights);
    if (baseWeights.length !== n) throw new Error(`version ${base.manifest.version} has ${baseWeights.length} weights, its manifest says ${n}`);

    const spentAfter = withRound(ctx.spent, f.sampleRate, f.noiseMultiplier);
    const epsilon = cumulativeEpsilon(spentAfter, f.delta);
    if (f.noiseMultiplier > 0 && epsilon !== null && epsilon > f.epsilonBudget) {
      throw new RoundFailedError(
        'privacy_budget_exhausted',
        `publishing round ${ctx.round} would take ε to ${epsilon.toFixed(3)} (δ ${f.delta}), over the budget of ${f.epsilonBudget}; training has stopped`,
        false,
      );
    }
    const clientUpdates = updates.map((u) => ({ values: u.values, weight: u.exampleCount }));
    const noise = { clip: f.clip, noiseMultiplier: f.noiseMultiplier };
    const mean =
      f.robust && f.robust.rule !== 'mean'
        ? // A robust rule: coordinate-wise trimmed mean or median, noise scaled to its sensitivity (same ε).
          robustNoisyMean(clientUpdates, noise, f.robust, gaussian)
        : // The cohort is exactly K when the round closes, so dividing by K reveals nothing and matches σ = z·C/K.
          noisyMean(clientUpdates, noise, gaussian, Math.max(minCohort, updates.length));
    const stepped = serverStep(baseWeights, mean, opt, priorState(base.optimizerState, n, base.manifest.version));
    if (!allFinite(stepped.weights)) {
      throw new RoundFailedError('non_finite_result', `aggregating round ${ctx.round} gave non-finite weights`, true);
    }
    const weights = floatsToBytes(stepped.weights);
    const manifest = makeManifest({
      name: base.manifest.name,
      version: ctx.nextVersion,
      parent: base.manifest.version,
      vectorSpace: base.manifest.vectorSpace,
      config: base.manifest.config,
      weightsSha256: sha256Hex(weights),
      weightsBytes: weights.byteLength,
      lineage: {
        kind: 'aggregate',
        updates: updates.length,
        examples: updates.reduce((s, u) => s + u.exampleCount, 0),
        round: ctx.round,
        optimizer: f.optimizer,
      },
    });
    const privacy = {
      epsilon,
      delta: f.delta,
      rounds: spentAfter.reduce((s, x) => s + x.rounds, 0),
      noiseMultiplier: f.noiseMultiplier,
      clip: f.clip,
      sampleRate: f.sampleRate,
    };
    return {
      version: { manifest: { ...manifest, privacy }, weights, optimizerState: encodeState(stepped.state) },
      sampleRate: f.sampleRate,
      noiseMultiplier: f.noiseMultiplier,
    };
  };
}

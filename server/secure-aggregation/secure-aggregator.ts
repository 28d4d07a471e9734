// Builds the next version from a secure round's released sum: the two aggregators' shares added and decoded (the
// devices' Skellam noise already in it, topped up by the leader where fewer reports than the cohort were summed),
// divided by the cohort K, then one server-optimiser step — the same post-processing as central DP-FedAvg, with
// the distributed Skellam mechanism's ε. Synchronous and pure (the store runs it inside its publishing
// transaction); refuses to publish past the privacy budget or with non-finite weights.
import { serverStep } from '../../src/shared/federated/aggregate.js';
import { makeManifest } from '../../src/shared/model/manifest.js';
import { parameterCount } from '../../src/shared/model/weights.js';
import { allFinite } from '../aggregate.js';
import type { FederatedConfig } from '../config.js';
import { cumulativeEpsilon, withRound } from '../federated/privacy.js';
import { RoundFailedError } from '../federated/round-state.js';
import { encodeState, priorState, serverOptimizer } from '../publish.js';
import type { DeferredAggregator, RoundMechanism } from '../storage/store.js';
import { bytesToFloats, floatsToBytes, sha256Hex } from '../weights-codec.js';

/** The aggregator of a secure round whose decoded noisy sum is `sum`, released under `mechanism`, for a cohort of K. */
export function secureAggregator(f: FederatedConfig, cohort: number, sum: Float32Array, mechanism: RoundMechanism | null): DeferredAggregator {
  const opt = serverOptimizer(f);
  return (base, ctx) => {
    const baseWeights = bytesToFloats(base.weights);
    const n = parameterCount(base.manifest.weights);
    if (baseWeights.length !== n || sum.length !== n) throw new Error(`round ${ctx.round}: the sum has ${sum.length} values, version ${base.manifest.version} ${n}`);
    const spentAfter = withRound(ctx.spent, f.sampleRate, f.noiseMultiplier, mechanism ?? undefined);
    const epsilon = cumulativeEpsilon(spentAfter, f.delta);
    if (mechanism && epsilon !== null && epsilon > f.epsilonBudget) {
      throw new RoundFailedError('privacy_budget_exhausted', `publishing round ${ctx.round} would take ε to ${epsilon.toFixed(3)} (δ ${f.delta}), over the budget of ${f.epsilonBudget}; training has stopped`, false);
    }
    const mean = new Float32Array(n);
    for (let i = 0; i < n; i++) mean[i] = sum[i]! / cohort;
    const stepped = serverStep(baseWeights, mean, opt, priorState(base.optimizerState, n, base.manifest.version));
    if (!allFinite(stepped.weights)) throw new RoundFailedError('non_finite_result', `aggregating round ${ctx.round} gave non-finite weights`, true);
    const weights = floatsToBytes(stepped.weights);
    const manifest = makeManifest({
      name: base.manifest.name,
      version: ctx.nextVersion,
      parent: base.manifest.version,
      vectorSpace: base.manifest.vectorSpace,
      config: base.manifest.config,
      weightsSha256: sha256Hex(weights),
      weightsBytes: weights.byteLength,
      lineage: { kind: 'aggregate', round: ctx.round, optimizer: f.optimizer },
    });
    const privacy = {
      epsilon,
      delta: f.delta,
      rounds: spentAfter.reduce((s, x) => s + x.rounds, 0),
      noiseMultiplier: f.noiseMultiplier,
      clip: f.clip,
      sampleRate: f.sampleRate,
      mechanism: 'distributed-skellam' as const,
      sampling: 'device-coin' as const,
    };
    return {
      version: { manifest: { ...manifest, privacy }, weights, optimizerState: encodeState(stepped.state) },
      sampleRate: f.sampleRate,
      noiseMultiplier: f.noiseMultiplier,
      mechanism,
    };
  };
}

// The server's optimiser settings: the FedAdam and schedule variables are read and checked, the aggregator steps
// with them (the same serverStep the simulation benchmark runs), counting its steps by version number.
import { describe, expect, it } from 'vitest';
import { scheduledLearningRate } from '../src/shared/federated/aggregate.js';
import { dpFedAvgEpsilon, noiseForEpsilon } from '../src/shared/federated/accountant.js';
import { DEFAULT_FEDERATED, SERVER_OPTIMIZER_DEFAULTS as D, loadConfig } from './config.js';
import { makeAggregator, priorState, roundsWithinBudget, serverOptimizer } from './publish.js';
import { makeVersion } from './testing.js';
import { bytesToFloats } from './weights-codec.js';

describe('server optimiser configuration', () => {
  it('reads the FedAdam and schedule variables, and rejects bad values', () => {
    // Unset: absent from the config, and the aggregator uses the defaults.
    const d = loadConfig({}).federated;
    expect(d.serverTau ?? d.serverBeta2 ?? d.serverBiasCorrection ?? d.serverSchedule).toBeUndefined();
    // With noise and no schedule set: a cosine to budgetFloor over the rounds the ε budget allows.
    const budgetRounds = roundsWithinBudget(d.sampleRate, d.noiseMultiplier, d.delta, d.epsilonBudget);
    expect(serverOptimizer(d)).toEqual({
      kind: DEFAULT_FEDERATED.optimizer, learningRate: DEFAULT_FEDERATED.serverLearningRate, tau: D.tau, beta2: D.beta2, biasCorrection: D.biasCorrection,
      schedule: D.schedule ?? { warmupRounds: 0, decayRounds: budgetRounds, floor: D.budgetFloor },
    });
    // Without noise: a constant rate.
    expect(serverOptimizer({ ...d, noiseMultiplier: 0 }).schedule).toEqual(D.schedule);
    const f = loadConfig({
      SHELF_SERVER_TAU: '1e-6', SHELF_SERVER_BETA2: '0.999', SHELF_SERVER_BIAS_CORRECTION: 'on',
      SHELF_SERVER_LR_WARMUP: '10', SHELF_SERVER_LR_DECAY: '500', SHELF_SERVER_LR_FLOOR: '0.1',
    }).federated;
    expect(f.serverTau).toBe(1e-6);
    expect(f.serverBeta2).toBe(0.999);
    expect(f.serverBiasCorrection).toBe(true);
    expect(f.serverSchedule).toEqual({ warmupRounds: 10, decayRounds: 500, floor: 0.1 });
    expect(loadConfig({ SHELF_SERVER_BIAS_CORRECTION: 'off' }).federated.serverBiasCorrection).toBe(false);
    // Decay 0 (and no warm-up): a constant rate, whatever the default schedule.
    expect(loadConfig({ SHELF_SERVER_LR_DECAY: '0' }).federated.serverSchedule).toEqual({ warmupRounds: 0, decayRounds: 0, floor: D.schedule?.floor ?? 0 });
    expect(() => loadConfig({ SHELF_SERVER_TAU: '0' })).toThrow(/SHELF_SERVER_TAU/);
    expect(() => loadConfig({ SHELF_SERVER_BETA2: '1.5' })).toThrow(/SHELF_SERVER_BETA2/);
    expect(() => loadConfig({ SHELF_SERVER_BIAS_CORRECTION: 'yes' })).toThrow(/SHELF_SERVER_BIAS_CORRECTION/);
    expect(() => loadConfig({ SHELF_SERVER_LR_WARMUP: '-1' })).toThrow(/SHELF_SERVER_LR_WARMUP/);
    expect(() => loadConfig({ SHELF_SERVER_LR_FLOOR: '2' })).toThrow(/SHELF_SERVER_LR_FLOOR/);
    expect(serverOptimizer(f)).toEqual({ kind: 'fedadam', learningRate: f.serverLearningRate, tau: 1e-6, beta2: 0.999, biasCorrection: true, schedule: f.serverSchedule });
  });

  it('finds the rounds an ε budget allows: the benchmark\'s z for 550 rounds at ε 8 allows exactly 550', () => {
    const q = 120 / 22363;
    const delta = 1 / 22363;
    const z = noiseForEpsilon(q, 550, 8, delta);
    expect(roundsWithinBudget(q, z, delta, 8)).toBe(550);
    const t = roundsWithinBudget(0.01, 1, 1e-6, 8);
    expect(dpFedAvgEpsilon(0.01, 1, t, 1e-6)).toBeLessThanOrEqual(8);
    expect(dpFedAvgEpsilon(0.01, 1, t + 1, 1e-6)).toBeGreaterThan(8);
    expect(roundsWithinBudget(0.01, 0, 1e-6, 8)).toBe(Infinity);
    expect(roundsWithinBudget(1, 0.1, 1e-6, 0.01)).toBe(0);
  });

  it('counts the steps of a lineage by version number, and reads the stored moments', () => {
    const stored = new Uint8Array(Float32Array.of(1, 2, 3, 4).buffer);
    expect(priorState(stored, 2, 6)).toEqual({ m: Float32Array.of(1, 2), v: Float32Array.of(3, 4), step: 5 });
    expect(priorState(null, 2, 1)).toEqual({ m: new Float32Array(0), v: new Float32Array(0), step: 0 });
    expect(priorState(stored, 3, 2).m).toHaveLength(0);
  });

  it('publishes each version with the scheduled rate of its step (FedAvg: Δw = η_t · mean)', () => {
    const schedule = { warmupRounds: 2, decayRounds: 4, floor: 0.25 };
    const agg = makeAggregator({ ...DEFAULT_FEDERATED, optimizer: 'fedavg', serverLearningRate: 1, noiseMultiplier: 0, clip: 1e6, serverSchedule: schedule }, 3);
    let base = makeVersion('sched', 1, undefined, () => 0);
    const n = base.weights.byteLength / 4;
    const ups = Array.from({ length: 3 }, (_, id) => ({ id, exampleCount: 1, values: new Float32Array(n).fill(0.01) }));
    for (let step = 1; step <= 8; step++) {
      const before = bytesToFloats(base.weights)[0]!;
      const out = agg(base, ups, { round: step, nextVersion: step + 1, spent: [] }).version;
      expect(bytesToFloats(out.weights)[0]! - before).toBeCloseTo(0.01 * scheduledLearningRate(1, schedule, step), 6);
      expect(out.optimizerState ?? null).toBeNull();
      base = out;
    }
  });

  it('FedAdam with bias correction moves the first version by about the learning rate', () => {
    const agg = makeAggregator({ ...DEFAULT_FEDERATED, serverLearningRate: 0.01, serverTau: 1e-9, serverBeta2: 0.999, serverBiasCorrection: true, noiseMultiplier: 0 }, 3);
    const base = makeVersion('adam', 1, undefined, () => 0);
    const n = base.weights.byteLength / 4;
    const ups = Array.from({ length: 3 }, (_, id) => ({ id, exampleCount: 1, values: new Float32Array(n).fill(id === 0 ? 1e-4 : 2e-4) }));
    const out = agg(base, ups, { round: 1, nextVersion: 2, spent: [] }).version;
    expect(bytesToFloats(out.weights)[0]!).toBeCloseTo(0.01, 5);
    expect(out.optimizerState!.byteLength).toBe(n * 8);
  });
});

// A tiny slice of the federated simulation on synthetic data: every client trains with the worker's code,
// updates are clipped and quantised, the DP mean moves the global model, and the central baseline runs.
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../trainer/tf-node.js';
import type { Dataset } from '../../trainer/data.js';
import { seeded } from '../../trainer/rng.js';
import { evaluate, initialFlat, simData, trainCentral, trainFederated } from './simulate.js';

const config = { itemDim: 8, hidden: 8, maxLen: 5, ffn: 8, eventTypes: 5 };
const rand = seeded(1);
const itemCount = 120;
const ds: Dataset = {
  name: 'beauty',
  sequences: Array.from({ length: 40 }, () => Int32Array.from({ length: 6 }, () => 1 + Math.floor(rand() * itemCount))),
  itemCount,
  fingerprint: { dataset: 'beauty', file: 'synthetic', sha256: '0'.repeat(64), maxUsers: null, users: 40, items: itemCount },
};
const items = Float32Array.from({ length: (itemCount + 1) * 8 }, () => rand() - 0.5);

describe('federated simulation (tiny slice)', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('runs rounds of clipped, quantised client updates with noise, and a central baseline', async () => {
    const d = simData(ds, config, items, 20, 20, 3);
    expect(d.clients).toHaveLength(40);
    const log = () => {};
    const run = await trainFederated(d, {
      rounds: 2, sampleRate: 0.5, localSteps: 1, localLearningRate: 0.01, negatives: 8, clip: 0.5, noiseMultiplier: 0.5,
      server: { kind: 'fedavg', learningRate: 1 }, seed: 1, evalEvery: 1, log,
    });
    expect(run.curve.map((c) => c.round)).toEqual([0, 1, 2]);
    expect(run.meanCohort).toBeGreaterThan(5);
    const init = initialFlat(config, 1);
    expect(run.flat.some((v, i) => Math.abs(v - init[i]!) > 1e-6)).toBe(true);
    expect(run.flat.every(Number.isFinite)).toBe(true);
    const sgd = await trainFederated(d, {
      rounds: 1, sampleRate: 0.5, localSteps: 1, localLearningRate: 0.01, negatives: 8, clip: 0.5, noiseMultiplier: 0,
      server: { kind: 'fedadam', learningRate: 0.01 }, localOptimizer: 'sgd', seed: 1, evalEvery: 1, log,
    });
    expect(sgd.flat.every(Number.isFinite)).toBe(true);
    const central = await trainCentral(d, { epochs: 1, batchSize: 16, negatives: 8, learningRate: 0.01, seed: 1, log });
    const m = await evaluate(d, central.flat, 'test');
    expect(m.ndcg10).toBeGreaterThanOrEqual(0);
    expect(m.ndcg10).toBeLessThanOrEqual(1);
  });
});

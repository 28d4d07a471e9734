// The server's aggregator with a robust rule from the config: a trimmed mean keeps a scaled attacker's
// update out of the published version where the plain mean lets it in, and the env variables are read.
import { describe, expect, it } from 'vitest';
import { DEFAULT_FEDERATED, loadConfig } from '../config.js';
import { makeAggregator } from '../publish.js';
import { makeVersion } from '../testing.js';
import { bytesToFloats } from '../weights-codec.js';

describe('robust aggregation on the server', () => {
  const base = makeVersion('robust', 1, undefined, () => 0);
  const n = base.weights.byteLength / 4;
  const ups = [
    ...Array.from({ length: 9 }, (_, id) => ({ id, exampleCount: 1, values: new Float32Array(n).fill(0.01) })),
    { id: 9, exampleCount: 64, values: new Float32Array(n).fill(-100) },
  ];
  const ctx = { round: 1, nextVersion: 2, spent: [] };

  it('publishes the trimmed mean of the clipped updates when configured', () => {
    const plain = makeAggregator({ ...DEFAULT_FEDERATED, optimizer: 'fedavg' as const, serverLearningRate: 1, noiseMultiplier: 0, clip: 1 }, 10);
    const robust = makeAggregator({ ...DEFAULT_FEDERATED, optimizer: 'fedavg' as const, serverLearningRate: 1, noiseMultiplier: 0, clip: 1, robust: { rule: 'trimmed-mean', trim: 0.1 } }, 10);
    const p = bytesToFloats(plain(base, ups, ctx).version.weights);
    const r = bytesToFloats(robust(base, ups, ctx).version.weights);
    expect(p[0]!).toBeLessThan(0);
    expect(r[0]!).toBeCloseTo(0.01, 6);
  });

  it('reads SHELF_ROBUST_RULE and SHELF_ROBUST_TRIM, and rejects bad values', () => {
    expect(loadConfig({}).federated.robust).toEqual({ rule: 'mean', trim: 0.1 });
    expect(loadConfig({ SHELF_ROBUST_RULE: 'median' }).federated.robust?.rule).toBe('median');
    expect(loadConfig({ SHELF_ROBUST_RULE: 'trimmed-mean', SHELF_ROBUST_TRIM: '0.2' }).federated.robust).toEqual({ rule: 'trimmed-mean', trim: 0.2 });
    expect(() => loadConfig({ SHELF_ROBUST_RULE: 'krum' })).toThrow(/SHELF_ROBUST_RULE/);
    expect(() => loadConfig({ SHELF_ROBUST_TRIM: '0.5' })).toThrow(/SHELF_ROBUST_TRIM/);
  });
});

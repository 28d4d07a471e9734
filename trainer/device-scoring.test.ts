// DeviceScorer.states encodes histories in groups of similar length over shortened windows; it must give the
// full window's states (what the worker computes) for every history, in the caller's order.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../src/shared/protocol.js';
import { currentState } from '../src/shared/model/encoder.js';
import { flatten, initialWeights, mulberry32, weightSpecs } from '../src/shared/model/weights.js';
import { DeviceScorer } from './device-scoring.js';
import { sequenceBatch } from './training-data.js';
import { useNodeBackend } from './tf-node.js';

beforeAll(async () => {
  await useNodeBackend('cpu');
});

describe('DeviceScorer.states', () => {
  it('equals the full-window encoder for histories of every length, in the given order', async () => {
    const config: ModelConfig = { itemDim: 8, hidden: 8, maxLen: 12, ffn: 16, eventTypes: 5, blocks: 2 };
    const specs = weightSpecs(config);
    const weights = initialWeights(config, 7);
    // Non-zero position rows everywhere, so a window taken from the wrong end would change the states.
    const random = mulberry32(3);
    const flat = flatten(specs, weights).map((v) => v + 0.1 * (random() - 0.5));
    const itemCount = 40;
    const items = Float32Array.from({ length: (itemCount + 1) * config.itemDim }, () => random() - 0.5);
    // Lengths 0..20 (longer than maxLen too), shuffled so that grouping by length reorders them.
    const histories = Array.from({ length: 21 }, (_, n) => Int32Array.from({ length: n }, () => 1 + Math.floor(random() * itemCount)));
    histories.push(...histories.splice(0, 9).reverse());
    const scorer = new DeviceScorer(config, specs, flat, items);
    try {
      const got = await scorer.states(histories, 4); // groups of 4: windows of 3, 7, 11 and 12 positions
      const tensors = Object.fromEntries(specs.map((s, i) => [s.name, tf.tensor(flat.subarray(offset(specs, i), offset(specs, i + 1)), s.shape)]));
      const full = tf.tidy(() => currentState(tensors, config, sequenceBatch(histories, items, config)));
      const want = full.dataSync();
      full.dispose();
      for (const t of Object.values(tensors)) t.dispose();
      expect(got.length).toBe(want.length);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(worst).toBeLessThan(1e-5);
      // Different histories give different states (the comparison is not between constants).
      expect(Math.abs(got[0]! - got[config.itemDim * 5]!)).toBeGreaterThan(1e-4);
    } finally {
      scorer.dispose();
    }
  });
});

function offset(specs: ReturnType<typeof weightSpecs>, n: number): number {
  return specs.slice(0, n).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
}

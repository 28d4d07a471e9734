import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, useNodeBackend } from '../../../trainer/tf-node.js';
import { DEMO_MODEL_CONFIG } from './manifest.js';
import { ShelfModel } from './model.js';
import { buildSequence } from './sequence.js';
import { rankPrior, sameSequence, scoreWithState } from './state-scoring.js';
import { initialWeights, weightSpecs } from './weights.js';

const c = DEMO_MODEL_CONFIG;
const vec = (seed: number) => {
  const v = Float32Array.from({ length: c.itemDim }, (_, i) => Math.sin(seed * 13.1 + i * 0.7 + seed * seed));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const input = (events: number[], n: number) => {
  const vectors = new Float32Array(n * c.itemDim);
  for (let i = 0; i < n; i++) vectors.set(vec(100 + i), i * c.itemDim);
  return {
    sequence: buildSequence(events.map((s) => ({ vector: vec(s), typeIndex: s % c.eventTypes })), c),
    vectors,
    serverRanks: Float32Array.from({ length: n }, (_, i) => i),
  };
};
const order = (scores: Float32Array) => Array.from(scores, (s, i) => [s, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map((x) => x[1]);

describe('cached-state scoring', () => {
  let model: ShelfModel;
  beforeAll(async () => {
    await useNodeBackend('wasm');
    model = new ShelfModel(c, weightSpecs(c), initialWeights(c, 7));
  });
  afterAll(() => model.dispose());

  it('gives the full forward pass scores (float32 rounding) and the same order, on wasm and cpu', async () => {
    for (const backend of ['wasm', 'cpu'] as const) {
      await useNodeBackend(backend);
      const m = ShelfModel.fromFlat(c, weightSpecs(c), await model.toFlat());
      for (const [events, n] of [[[1], 50], [[1, 2, 3, 4, 5], 200], [Array.from({ length: 70 }, (_, i) => i), 1000]] as const) {
        const x = input([...events], n);
        const full = await m.score(x);
        const fast = await m.scoreFast(x);
        fast.forEach((s, i) => expect(Math.abs(s - full[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(full[i]!))));
        expect(order(fast)).toEqual(order(full));
      }
      m.dispose();
    }
    await useNodeBackend('wasm');
  });

  it('reuses the state for the same events, recomputes after an event or new weights, and keeps tensors flat', async () => {
    const x = input([1, 2], 20);
    await model.scoreFast(x);
    const tensors = tf.memory().numTensors;
    const first = model.state(x.sequence);
    expect(model.state({ ...x.sequence, items: x.sequence.items.slice() })).toBe(first);
    const moved = input([1, 2, 3], 20);
    expect(model.state(moved.sequence)).not.toBe(first);
    await model.state(moved.sequence);
    const before = await model.scoreFast(moved);
    const flat = await model.toFlat();
    model.assign(flat.map((v) => v * 1.5));
    const after = await model.scoreFast(moved);
    expect(Array.from(after)).not.toEqual(Array.from(before));
    expect(Array.from(after)).toEqual(Array.from(await model.scoreFast(moved)));
    model.assign(flat);
    for (let i = 0; i < 50; i++) await model.scoreFast(input([1, 2, i], 30));
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('scores by hand: blend·dot + blend·prior', () => {
    const state = Float32Array.from([1, 2]);
    const blend = Float32Array.from([2, 0.5]);
    const got = scoreWithState(state, blend, Float32Array.from([1, 1, 0, 1]), [0, 3]);
    expect(got[0]).toBeCloseTo(6, 6);
    expect(got[1]).toBeCloseTo(4 + 0.5 * -2, 6);
    expect(rankPrior(0)).toBe(-0);
    expect(() => scoreWithState(state, blend, new Float32Array(3), [0, 1])).toThrow(RangeError);
    const s = buildSequence([{ vector: vec(1), typeIndex: 0 }], c);
    expect(sameSequence(s, buildSequence([{ vector: vec(1), typeIndex: 0 }], c))).toBe(true);
    expect(sameSequence(s, buildSequence([{ vector: vec(1), typeIndex: 1 }], c))).toBe(false);
  });
});

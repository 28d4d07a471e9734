import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { tf, useNodeBackend } from '../../../trainer/tf-node.js';
import { contentVector, type ItemFacts } from '../item-vectors.js';
import { ManifestSchema } from '../protocol.js';
import { buildTrainingBatch } from './examples.js';
import { DEMO_MODEL_CONFIG } from './manifest.js';
import { ShelfModel } from './model.js';
import { buildSequence } from './sequence.js';
import { flatten, initialWeights, parameterCount, unflatten, weightSpecs } from './weights.js';

const c = DEMO_MODEL_CONFIG;
/** A unit vector, like the shop's item vectors. */
const vec = (seed: number) => {
  const v = Float32Array.from({ length: c.itemDim }, (_, i) => Math.sin(seed * 13.1 + i * 0.7 + seed * seed));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const candidates = (n: number) => {
  const v = new Float32Array(n * c.itemDim);
  for (let i = 0; i < n; i++) v.set(vec(100 + i), i * c.itemDim);
  return v;
};

describe('ShelfModel', () => {
  let model: ShelfModel;
  beforeAll(async () => {
    await useNodeBackend('wasm');
    model = new ShelfModel(c, weightSpecs(c), initialWeights(c, 3));
  });
  afterAll(() => model.dispose());

  it('flattens and unflattens weights losslessly in spec order', () => {
    const w = initialWeights(c, 5);
    const flat = flatten(weightSpecs(c), w);
    expect(flat.length).toBe(parameterCount(weightSpecs(c)));
    expect(unflatten(weightSpecs(c), flat)['blend']).toEqual(w['blend']);
    expect(() => unflatten(weightSpecs(c), flat.subarray(1))).toThrow(RangeError);
  });

  it('scores every candidate with finite values, deterministically', async () => {
    const sequence = buildSequence([{ vector: vec(1), typeIndex: 0 }, { vector: vec(2), typeIndex: 2 }], c);
    const input = { sequence, vectors: candidates(50), serverRanks: Float32Array.from({ length: 50 }, (_, i) => i) };
    const a = await model.score(input);
    const b = await model.score(input);
    expect(a.length).toBe(50);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('gives the same scores on the wasm and cpu backends', async () => {
    const sequence = buildSequence([1, 2, 3, 4].map((s) => ({ vector: vec(s), typeIndex: s % 5 })), c);
    const input = { sequence, vectors: candidates(20), serverRanks: Float32Array.from({ length: 20 }, (_, i) => i) };
    const onWasm = await model.score(input);
    await useNodeBackend('cpu');
    const cpuModel = ShelfModel.fromFlat(c, weightSpecs(c), await model.toFlat());
    const onCpu = await cpuModel.score(input);
    cpuModel.dispose();
    await useNodeBackend('wasm');
    onWasm.forEach((s, i) => expect(s).toBeCloseTo(onCpu[i]!, 3));
  });

  it('with the seed weights, ranks an item of the category just viewed above other categories', async () => {
    const catalog = (JSON.parse(readFileSync('server/demo/catalog.json', 'utf8')) as { products: ItemFacts[] }).products;
    const laptops = catalog.filter((p) => p.category === 'laptops');
    const others = catalog.filter((p) => p.category !== 'laptops').slice(0, 40);
    const sequence = buildSequence(laptops.slice(0, 3).map((p) => ({ vector: contentVector(p), typeIndex: 0 })), c);
    const pool = [laptops[3]!, laptops[4]!, ...others];
    const vectors = new Float32Array(pool.length * c.itemDim);
    pool.forEach((p, i) => vectors.set(contentVector(p), i * c.itemDim));
    const manifest = ManifestSchema.parse(JSON.parse(readFileSync('public/models/shelf-demo/1/manifest.json', 'utf8')));
    const weights = new Float32Array(readFileSync('public/models/shelf-demo/1/weights.bin').buffer.slice(0));
    const seed = ShelfModel.fromFlat(manifest.config, manifest.weights, weights);
    // All at the same server rank, so only the model decides.
    const scores = await seed.score({ sequence, vectors, serverRanks: new Float32Array(pool.length) });
    seed.dispose();
    const best = Math.max(...scores.slice(2));
    expect(scores[0]!).toBeGreaterThan(best);
    expect(scores[1]!).toBeGreaterThan(best);
  });

  it('does not let padding or later events change earlier states (causal)', async () => {
    const events = [1, 2, 3].map((s) => ({ vector: vec(s), typeIndex: 1 }));
    const input = (evs: typeof events) => ({ sequence: buildSequence(evs, c), vectors: candidates(5), serverRanks: new Float32Array(5) });
    // The last state depends on all events, so appending one must change the scores…
    const two = await model.score(input(events.slice(0, 2)));
    const three = await model.score(input(events));
    expect(Array.from(two)).not.toEqual(Array.from(three));
    // …while a sequence longer than maxLen only keeps its last maxLen events.
    const long = Array.from({ length: c.maxLen + 5 }, (_, i) => ({ vector: vec(i), typeIndex: 0 }));
    const cut = await model.score(input(long.slice(-c.maxLen)));
    const full = await model.score(input(long));
    expect(Array.from(full)).toEqual(Array.from(cut));
  });

  it('lowers the loss when training on a consistent pattern, without leaking tensors', async () => {
    const m = new ShelfModel(c, weightSpecs(c), initialWeights(c, 9));
    const seqs = Array.from({ length: 8 }, (_, s) => [0, 1, 2, 3].map(() => ({ vector: vec(s % 2), typeIndex: 0, targetWeight: 1 })));
    const batch = buildTrainingBatch(seqs, [vec(20), vec(21), vec(22)], c);
    const before = tf.memory().numTensors;
    const first = await m.trainStep(batch, 0.01);
    let last = first;
    for (let i = 0; i < 20; i++) last = await m.trainStep(batch, 0.01);
    expect(last).toBeLessThan(first);
    // Optimiser slots are created once; steps themselves must not leak.
    const afterSteps = tf.memory().numTensors;
    await m.trainStep(batch, 0.01);
    expect(tf.memory().numTensors).toBe(afterSteps);
    expect(afterSteps).toBeGreaterThanOrEqual(before);
    m.dispose();
  });
  it('sgdStep lowers the loss on a fixed batch, leaks no tensors, and moves the weights by exactly lr × the gradient', async () => {
    const seqs = Array.from({ length: 8 }, (_, s) => [0, 1, 2, 3].map(() => ({ vector: vec(s % 2), typeIndex: 0, targetWeight: 1 })));
    const batch = buildTrainingBatch(seqs, [vec(20), vec(21), vec(22)], c);
    const start = flatten(weightSpecs(c), initialWeights(c, 9));
    const m = ShelfModel.fromFlat(c, weightSpecs(c), start);
    const before = tf.memory().numTensors;
    const first = await m.sgdStep(batch, 0.05);
    expect(tf.memory().numTensors).toBe(before);
    let last = first;
    for (let i = 0; i < 20; i++) last = await m.sgdStep(batch, 0.05);
    expect(last).toBeLessThan(first);
    // One step's displacement is linear in the learning rate (SGD), unlike a fresh Adam's (≈ ±lr per weight).
    const step = async (lr: number) => {
      m.assign(start);
      await m.sgdStep(batch, lr);
      return (await m.toFlat()).map((x, i) => x - start[i]!);
    };
    const small = await step(0.01);
    const large = await step(0.03);
    const norm = (v: Float32Array) => Math.hypot(...v);
    expect(norm(small)).toBeGreaterThan(0);
    expect(norm(large) / norm(small)).toBeCloseTo(3, 2);
    const diff = large.map((x, i) => x - 3 * small[i]!);
    expect(norm(diff)).toBeLessThan(1e-3 * norm(large));
    m.dispose();
  });
});

import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTrainingBatch } from '../src/shared/model/examples.js';
import { ManifestSchema } from '../src/shared/protocol.js';
import { LOCAL_TRAINING, localTrainJob } from './local-recipe.js';
import { startTraining } from './training.js';

const dir = 'public/models/shelf-demo/1';
const manifest = ManifestSchema.parse(JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8')));
const buf = readFileSync(`${dir}/weights.bin`);
const weights = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));

function job(key: string, w: Float32Array) {
  const c = manifest.config;
  const vec = (k: number) => Float32Array.from({ length: c.itemDim }, (_, i) => Math.sin(i * (k + 1)));
  const events = [0, 1, 2, 3].map((k) => ({ vector: vec(k), typeIndex: 0, targetWeight: 1 }));
  return { key, config: c, specs: manifest.weights, weights: w, batch: buildTrainingBatch([events], [vec(9), vec(10)], c), steps: 2, learningRate: 0.01 };
}

describe('training (in-thread fallback, as used when nested workers are unavailable)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('returns new weights of the same size and keeps its model (and optimiser) for the same key', async () => {
    const training = startTraining(null);
    expect(training.where).toBe('inline');
    const first = await training.train(job('v1#1', weights));
    expect(first.weights).toHaveLength(weights.length);
    expect(first.steps).toBe(2);
    expect(first.weights.some((x, i) => x !== weights[i])).toBe(true);
    // Same key: it continues from its own weights, ignoring the ones passed in.
    const second = await training.train(job('v1#1', weights));
    expect(second.weights.some((x, i) => x !== first.weights[i])).toBe(true);
    const tensors = tf.memory().numTensors;
    await training.train(job('v1#1', weights));
    expect(tf.memory().numTensors).toBe(tensors);
    // New key (new base version): starts over from the given weights.
    const fresh = await training.train(job('v2#1', weights));
    expect(Array.from(fresh.weights)).toEqual(Array.from(first.weights));
    training.dispose();
  });
  it("runs local learning's SGD job: stateless across keys, and its displacement is the SGD step's", async () => {
    expect(LOCAL_TRAINING.optimizer).toBe('sgd');
    const training = startTraining(null);
    const base = job('x', weights);
    const sgd = (key: string, steps: number, lr: number) => training.train(localTrainJob(key, base.config, base.specs, weights, base.batch, steps, lr));
    const a = await sgd('v1#1', 1, 0.01);
    const b = await sgd('v1#2', 1, 0.02);
    const da = a.weights.map((x, i) => x - weights[i]!);
    const db = b.weights.map((x, i) => x - weights[i]!);
    const norm = (v: Float32Array) => Math.hypot(...v);
    // Plain SGD: twice the learning rate, twice the displacement (a fresh Adam's first step would be the same size).
    expect(norm(db) / norm(da)).toBeCloseTo(2, 2);
    // No optimiser state: the same start, batch and recipe under a new key gives the same weights.
    const again = await sgd('v1#3', 1, 0.01);
    expect(Array.from(again.weights)).toEqual(Array.from(a.weights));
    // The recipe's steps lower the loss on the visitor's own batch (a 0-lr step reads the loss where they ended).
    const three = await sgd('v1#4', LOCAL_TRAINING.steps, LOCAL_TRAINING.learningRate);
    const after = await sgd('v1#4', 1, 0);
    expect(three.steps).toBe(LOCAL_TRAINING.steps);
    expect(after.loss!).toBeLessThan(a.loss!); // a.loss: the loss at the start (returned before its step)
    training.dispose();
  });
});

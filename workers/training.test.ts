import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTrainingBatch } from '../src/shared/model/examples.js';
import { ManifestSchema } from '../src/shared/protocol.js';
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
});

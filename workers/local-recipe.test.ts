import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { flatten, initialWeights, weightSpecs } from '../src/shared/model/weights.js';
import type { ModelConfig } from '../src/shared/protocol.js';
import { RECIPE, localTrainJob, runLocalRecipe, visitorBatch, type Recipe } from './local-recipe.js';
import { createTrainerCore } from './trainer-core.js';
import { VisitorState } from './visitor-state.js';

const config: ModelConfig = { itemDim: 8, hidden: 8, maxLen: 6, ffn: 16, eventTypes: 5, blocks: 1 };
const specs = weightSpecs(config);
const base = flatten(specs, initialWeights(config, 7));
const vec = (k: number) => Float32Array.from({ length: config.itemDim }, (_, i) => Math.sin(i * (k + 1) + k));

function visitor(bought: number[], shown: number[]): VisitorState {
  const v = new VisitorState();
  for (const id of [...bought, ...shown]) v.setVector(String(id), vec(id));
  v.apply({ type: 'view_item_list', itemId: 'list', at: 0, shownIds: shown.map(String) });
  bought.forEach((id, i) => v.apply({ type: 'purchase', itemId: String(id), at: i + 1 }));
  return v;
}

const differs = (a: Float32Array, b: Float32Array) => a.some((x, i) => x !== b[i]);

describe('the local recipe', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('has nothing to learn from without a next item or without negatives', () => {
    expect(visitorBatch(visitor([1], [5, 6]), config)).toBeNull();
    expect(visitorBatch(visitor([1, 2, 3], []), config)).toBeNull();
    expect(visitorBatch(visitor([1, 2, 3], [5, 6]), config)).not.toBeNull();
  });

  it('uploads the one-step displacement from its own track, and ranks with a personal fine-tune from the base', async () => {
    const trainer = createTrainerCore(async () => 'cpu');
    const batch = visitorBatch(visitor([1, 2, 3, 4], [5, 6, 7]), config)!;
    // A start that is not the base: the upload's track continues from it, the personal one starts from the base.
    const start = (await trainer.train(localTrainJob('s', config, specs, base, batch, 1, 0.5))).weights;
    const out = await runLocalRecipe(trainer, { upload: 'u', personal: 'p#0' }, config, specs, base, start, batch);
    const oneStep = (await trainer.train(localTrainJob('check', config, specs, start, batch, RECIPE.upload.steps, RECIPE.upload.learningRate))).weights;
    expect(Array.from(out.weights)).toEqual(Array.from(oneStep));
    expect(out.steps).toBe(RECIPE.upload.steps + RECIPE.personal.steps);
    if (RECIPE.personal.steps > 0) {
      const personal = (await trainer.train(localTrainJob('check2', config, specs, base, batch, RECIPE.personal.steps, RECIPE.personal.learningRate))).weights;
      expect(Array.from(out.personal)).toEqual(Array.from(personal));
      expect(differs(out.personal, out.weights)).toBe(true);
    }
    trainer.dispose();
  });

  it('ranks with the upload weights when the personal track is off', async () => {
    const trainer = createTrainerCore(async () => 'cpu');
    const batch = visitorBatch(visitor([1, 2, 3], [5, 6]), config)!;
    const off: Recipe = { upload: RECIPE.upload, personal: { steps: 0, learningRate: 0.1 } };
    const out = await runLocalRecipe(trainer, { upload: 'u', personal: 'p' }, config, specs, base, base, batch, undefined, off);
    expect(out.personal).toBe(out.weights);
    expect(differs(out.weights, base)).toBe(true);
    trainer.dispose();
  });
});

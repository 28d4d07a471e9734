// The personal-lift benchmark's replay and statistics on a tiny random model: a visitor with fewer positives than
// trainEvery keeps the global weights (and so the global ranking), a longer one gets new weights through the worker's
// recipe, and the paired bootstrap is centred on the lift.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { flatten, initialWeights, weightSpecs } from '../../src/shared/model/weights.js';
import type { ModelConfig } from '../../src/shared/protocol.js';
import { createTrainerCore } from '../../workers/trainer-core.js';
import { DeviceScorer } from '../../trainer/device-scoring.js';
import { seeded } from '../../trainer/rng.js';
import type { EvalUser } from '../../trainer/protocols.js';
import { pairedBootstrap, personalLift } from './personal-lift.js';
import { lastTrainingEvent, replayVisitor, shownLists } from './personal-replay.js';

const config: ModelConfig = { itemDim: 8, hidden: 8, maxLen: 6, ffn: 16, eventTypes: 5, blocks: 1 };
const specs = weightSpecs(config);
const global = flatten(specs, initialWeights(config, 3));
const itemCount = 40;
const rand = seeded(5);
const items = Float32Array.from({ length: (itemCount + 1) * config.itemDim }, () => rand() - 0.5);
const model = { config, specs, weights: global, items };
const user = (ids: number[], target: number): EvalUser => ({ history: Int32Array.from(ids), target, all: Int32Array.from([...ids, target]) });

describe('personal lift', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('trains after every trainEvery positives, never after the last ones', () => {
    expect(lastTrainingEvent(4, 5)).toBe(-1);
    expect(lastTrainingEvent(5, 5)).toBe(4);
    expect(lastTrainingEvent(12, 5)).toBe(9);
  });

  it('keeps the global weights for a short history and changes them for a longer one', async () => {
    const trainer = createTrainerCore(async () => 'cpu');
    const scorer = new DeviceScorer(config, specs, global, items);
    const histories = [Int32Array.from([1, 2, 3]), Int32Array.from([1, 2, 3, 4, 5, 6])];
    const upTo = histories.map((h) => lastTrainingEvent(h.length, 5));
    const shown = await shownLists('global-top', scorer, histories, upTo, 4, itemCount, seeded(1));
    expect(shown[1]![0]).toBeNull();
    // The shop's list never holds what the visitor already has.
    expect(Array.from(shown[1]![3]!).some((id) => [1, 2, 3].includes(id))).toBe(false);
    const input = { items, config, specs, global, trainEvery: 5 };
    const short = await replayVisitor(trainer, { ...input, history: histories[0]!, shown: shown[0]!, key: 'a' });
    expect(short.calls).toBe(0);
    expect(short.personal).toBe(global);
    const long = await replayVisitor(trainer, { ...input, history: histories[1]!, shown: shown[1]!, key: 'b' });
    expect(long.calls).toBe(1);
    expect(long.weights.some((x, i) => x !== global[i])).toBe(true);
    expect(long.personal.some((x, i) => x !== global[i])).toBe(true);
    scorer.dispose();
    trainer.dispose();
  });

  it('gives visitors without enough history the global ranking, and moves the others', async () => {
    const log = () => {};
    const o = { users: 3, seed: 1, trainEvery: 5, shown: 'uniform' as const, listSize: 5, log };
    const short = [user([1, 2], 9), user([3, 4, 5], 10)];
    const negatives = short.map(() => Int32Array.from([20, 21, 22, 23]));
    const none = await personalLift(model, short, negatives, itemCount, o);
    expect(none.trainedUsers).toBe(0);
    expect(none.allItems.local).toEqual(none.allItems.global);
    expect(none.allItems.lift).toBe(0);
    const long = [user([1, 2, 3, 4, 5, 6, 7], 9), user([11, 12, 13, 14, 15], 16)];
    const some = await personalLift({ ...model, weights: global }, long, negatives, itemCount, { ...o, recipe: { upload: { steps: 1, learningRate: 0.02 }, personal: { steps: 5, learningRate: 1 } } });
    expect(some.trainedUsers).toBe(2);
    expect(some.steps).toBe(2 * 6);
  });

  it('brackets the paired lift with its bootstrap interval', () => {
    const g = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 0.5 : 0));
    const same = pairedBootstrap(g, g, 1);
    expect(same).toEqual([0, 0]);
    const better = pairedBootstrap(g, g.map((x, i) => (i % 8 === 0 ? 1 : x)), 1);
    // Σlocal/Σglobal − 1 = 37.5/25 − 1 = 0.5.
    expect(better[0]).toBeGreaterThan(0);
    expect(better[0]).toBeLessThan(0.5);
    expect(better[1]).toBeGreaterThan(0.5);
  });
});

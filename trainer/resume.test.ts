// The training budget is counted in epochs and every random draw is seeded, so a run is a function of its command:
// the same options give the same weights, and a run interrupted after any epoch and continued from its checkpoint
// ends with exactly the weights of the uninterrupted run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../src/shared/protocol.js';
import { useNodeBackend } from './tf-node.js';
import { fileCheckpoints } from './checkpoint.js';
import { trainModel, type TrainOptions } from './trainer.js';
import { seeded } from './rng.js';
import type { Dataset } from './data.js';

const config: ModelConfig = { itemDim: 8, hidden: 8, maxLen: 10, ffn: 16, eventTypes: 5, blocks: 1 };

/** 150 users walking a ring of 60 items in steps of 1–3, so there is something to learn. */
function ringData(): Dataset {
  const rand = seeded(5);
  const sequences = Array.from({ length: 150 }, () => {
    let item = 1 + Math.floor(rand() * 60);
    return Int32Array.from({ length: 5 + Math.floor(rand() * 8) }, () => (item = 1 + ((item + Math.floor(rand() * 3)) % 60)));
  });
  return { name: 'ring', sequences, itemCount: 60, fingerprint: { dataset: 'ring', file: 'memory', sha256: '0', maxUsers: null, users: 150, items: 60 } };
}

describe('deterministic, resumable training', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shelf-resume-'));
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ds = ringData();
  const base: Omit<TrainOptions, 'epochs'> = {
    config, batchSize: 32, negatives: 16, negativeSampler: 'mixed', learningRate: 0.01, decayEpochs: 4, dropout: 0.2, seed: 9,
    fixedItemVectors: null, validUsers: 40, averageFrom: 2, select: 'all-items', log: () => {},
  };

  it('gives the same model for the same options, and continues an interrupted run to the same end', async () => {
    const straight = await trainModel(ds, { ...base, epochs: 4 });
    const again = await trainModel(ds, { ...base, epochs: 4 });
    expect(again.device).toEqual(straight.device);
    expect(again.itemVectors).toEqual(straight.itemVectors);

    // Stopped after epoch 2 (a budget of 2 epochs under the same cosine), then the same run continued to 4.
    const store = fileCheckpoints(join(dir, 'run.json'));
    const first = await trainModel(ds, { ...base, epochs: 2, checkpoints: store, runId: 'r' });
    expect(first.history.map((h) => h.epoch)).toEqual([1, 2]);
    const lines: string[] = [];
    const resumed = await trainModel(ds, { ...base, epochs: 4, checkpoints: store, runId: 'r', log: (l) => lines.push(l) });
    expect(lines[0]).toMatch(/continuing from the checkpoint after epoch 2/);
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    expect(resumed.bestEpoch).toBe(straight.bestEpoch);
    expect(resumed.device).toEqual(straight.device);
    expect(resumed.itemVectors).toEqual(straight.itemVectors);

    // A checkpoint past a shorter budget is not used: the 3-epoch run is the first 3 epochs, chosen among those.
    const shorter = await trainModel(ds, { ...base, epochs: 3, checkpoints: store, runId: 'r' });
    const shorterStraight = await trainModel(ds, { ...base, epochs: 3 });
    expect(shorter.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(shorter.device).toEqual(shorterStraight.device);

    // A checkpoint of another run is ignored.
    const other = await trainModel(ds, { ...base, epochs: 1, checkpoints: store, runId: 'another', log: (l) => lines.push(l) });
    expect(other.history.map((h) => h.epoch)).toEqual([1]);
  });
});

// Item-vector smoothing on a hand-made data set: the server-side smoothing after training (smooth-items.ts) and
// the neighbour lists the trainer smooths over while learning (item-neighbours.ts) are taken over the training
// part only (never a validation or test item), and the blend is (1 − α)·v + α·mean. Also trains a few steps with
// the in-training smoothing on a slice of Beauty (sampled and full softmax) when the shared data is there.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from './tf-node.js';
import type { ModelConfig } from '../src/shared/protocol.js';
import { defaultDataDir, loadDataset, type Dataset } from './data.js';
import { smoothedTable, topNeighbours } from './item-neighbours.js';
import { neighbourMeans, smoothVectors } from './smooth-items.js';
import { trainModel } from './trainer.js';

// Two users; items 1..6, d = 2. User 1: 1 2 3 | valid 5, test 6. User 2: 2 4 | valid 1, test 3.
const ds: Dataset = {
  name: 'games',
  sequences: [Int32Array.from([1, 2, 3, 5, 6]), Int32Array.from([2, 4, 1, 3])],
  itemCount: 6,
  fingerprint: { dataset: 'games', file: 'x', sha256: 'x', maxUsers: null, users: 2, items: 6 },
};
const d = 2;
// Item i's vector is (i, 10·i); row 0 unused.
const vectors = Float32Array.from({ length: 7 * d }, (_, k) => (k % d === 0 ? 1 : 10) * Math.floor(k / d));
const row = (v: Float32Array, i: number) => Array.from(v.subarray(i * d, i * d + d));

describe('item-vector smoothing', () => {
  it('averages the vectors of the items within the window in the training parts', () => {
    const m = neighbourMeans(ds, vectors, d, 1);
    // Item 2's neighbours: 1 and 3 (user 1), 4 (user 2): mean of 1, 3, 4.
    expect(row(m, 2)[0]).toBeCloseTo(8 / 3, 5);
    expect(row(m, 2)[1]).toBeCloseTo(80 / 3, 5);
    // Item 3's only training neighbour is 2 (its test occurrence for user 2 and 5 after it are not training).
    expect(row(m, 3)).toEqual([2, 20]);
    // Item 4 (user 2's training part is 2 4): neighbour 2 only; item 1 is user 2's validation item.
    expect(row(m, 4)).toEqual([2, 20]);
    // Items 5 and 6 are only validation/test items: no neighbours.
    expect(row(m, 5)).toEqual([0, 0]);
    expect(row(m, 6)).toEqual([0, 0]);
    const wide = neighbourMeans(ds, vectors, d, 2);
    expect(row(wide, 1)).toEqual([2.5, 25]); // 2 and 3
  });

  it('blends (1 − α)·v + α·mean and leaves items without neighbours alone', () => {
    const m = neighbourMeans(ds, vectors, d, 1);
    const s = smoothVectors(vectors, m, d, 0.25);
    expect(row(s, 3)).toEqual([0.75 * 3 + 0.25 * 2, 0.75 * 30 + 0.25 * 20]);
    expect(row(s, 6)).toEqual([6, 60]);
    expect(Array.from(smoothVectors(vectors, m, d, 0))).toEqual(Array.from(vectors));
  });
});

describe('neighbour lists for the in-training smoothing', () => {
  it('keeps the k most frequent training neighbours with shares that sum to 1', () => {
    // Add a third user whose training part is 2 3 2 3 (valid 4, test 1): 2 and 3 co-occur often.
    const more: Dataset = { ...ds, sequences: [...ds.sequences, Int32Array.from([2, 3, 2, 3, 4, 1])] };
    const nb = topNeighbours(more, 1, 2);
    const list = (i: number) => Array.from(nb.ids.subarray(i * 2, i * 2 + 2));
    const share = (i: number) => Array.from(nb.weights.subarray(i * 2, i * 2 + 2));
    // Item 2: neighbour 3 four times (once in user 1, three times in user 3), 1 once, 4 once: the top 2 are 3, then
    // 1 (tied with 4, lower id); shares are within the kept list.
    expect(list(2)).toEqual([3, 1]);
    expect(share(2)[0]).toBeCloseTo(4 / 5, 6);
    expect(share(2)[1]).toBeCloseTo(1 / 5, 6);
    // Item 4 (user 2's training part 2 4): only 2; the second slot is padding.
    expect(list(4)).toEqual([2, 0]);
    expect(share(4)).toEqual([1, 0]);
    // Items 5 and 6 occur only as validation or test items.
    expect([nb.has[5], nb.has[6], nb.has[2]]).toEqual([0, 0, 1]);
  });

  it('exports (1 − α)·v + α·Σ share·neighbour, and items without neighbours unchanged', () => {
    const nb = topNeighbours(ds, 1, 4);
    const t = smoothedTable(vectors, d, nb, 0.5);
    // Item 3's only training neighbour is 2.
    expect(row(t, 3)).toEqual([0.5 * 3 + 0.5 * 2, 0.5 * 30 + 0.5 * 20]);
    expect(row(t, 6)).toEqual([6, 60]);
  });
});

const dataDir = defaultDataDir();
const beauty = join(dataDir, 'amazon-s3rec/Beauty.txt');
const needsData = existsSync(beauty) ? '' : ` — SKIPPED: no Amazon Beauty file at ${beauty} (set SHELF_BENCH_DATA to the S3-Rec data folder)`;
if (needsData) console.warn(`item smoothing tests${needsData}`);
describe.runIf(!needsData)(`training with the in-training smoothing${needsData}`, () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('trains with the sampled and the full softmax and exports finite vectors', async () => {
    const slice = loadDataset('beauty', dataDir, 120);
    const config: ModelConfig = { itemDim: 8, hidden: 8, maxLen: 10, ffn: 16, eventTypes: 5, blocks: 1 };
    for (const loss of ['sampled', 'full'] as const) {
      const r = await trainModel(slice, { config, epochs: 2, minutes: 1, batchSize: 64, negatives: 64, learningRate: 0.01, dropout: 0.1, seed: 1, validUsers: 50, fixedItemVectors: null, loss, neighbourAlpha: 0.4, log: () => {} });
      expect(r.history).toHaveLength(2);
      expect(r.history.every((h) => Number.isFinite(h.loss) && h.valid.ndcg10 >= 0)).toBe(true);
      expect(r.itemVectors.every(Number.isFinite)).toBe(true);
    }
  });
});

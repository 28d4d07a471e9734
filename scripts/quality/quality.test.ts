// The trainer and the quality harness end to end on a tiny slice of Beauty read from ../shared/data (never
// copied): bad files fail with their line number, a model refuses data it was not trained on, and the
// harness's batch scores equal ShelfModel.score. Skipped when the shared data folder is absent.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../trainer/tf-node.js';
import { weightSpecs } from '../../src/shared/model/weights.js';
import type { ModelConfig } from '../../src/shared/protocol.js';
import { attributeVectors, parseItemVectorsJson } from '../../trainer/content-vectors.js';
import { DataFormatError, defaultDataDir, loadAttributes, loadDataset, parseInteractions } from '../../trainer/data.js';
import { assertTrainedOn, ITEM_VECTORS_FILE, modelDir, readModel, roundedToHalf, writeModel } from '../../trainer/device-model-files.js';
import { evaluateDataset } from './evaluate.js';
import { trainModel } from '../../trainer/trainer.js';
import { negativeSampler } from '../../trainer/training-data.js';
import { seeded } from '../../trainer/rng.js';
import { byTrainingCount, evalUsers, popularity } from '../../trainer/protocols.js';
import type { Dataset } from '../../trainer/data.js';

const dataDir = defaultDataDir();
const haveData = existsSync(join(dataDir, 'amazon-s3rec/Beauty.txt'));
/** Why the data-set tests are skipped, in their names (a skip that says nothing reads like a pass). */
const needsData = haveData ? '' : ` — SKIPPED: no Amazon Beauty file at ${join(dataDir, 'amazon-s3rec/Beauty.txt')} (the S3-Rec release of Amazon Beauty; set SHELF_BENCH_DATA to its folder)`;
if (!haveData) console.warn(`quality tests${needsData}`);
const config: ModelConfig = { itemDim: 8, hidden: 8, maxLen: 10, ffn: 16, eventTypes: 5, blocks: 2 };

describe('data parsing', () => {
  it('names the file and line of a malformed interaction', () => {
    expect(() => parseInteractions('1 2\n1 x\n', 'pairs', 'Video.txt')).toThrow(/Video\.txt:2: item id must be a positive integer/);
    expect(() => parseInteractions('1 2 3\n', 'pairs', 'Video.txt')).toThrow(/Video\.txt:1: expected "user_id item_id"/);
    expect(() => parseInteractions('1 2 3\n2\n', 'lines', 'Beauty.txt')).toThrow(/Beauty\.txt:2: expected "user_id item_1/);
    expect(() => parseInteractions('1 2 3\n1 4\n', 'lines', 'Beauty.txt')).toThrow(/Beauty\.txt:2: user 1 appears on two lines/);
    expect(() => parseInteractions('\n\n', 'lines', 'Beauty.txt')).toThrow(DataFormatError);
  });

  it('groups SASRec pairs by user in file order', () => {
    const seqs = parseInteractions('1 5\n1 6\n2 7\n1 8\n', 'pairs', 'x');
    expect(seqs.map((s) => Array.from(s))).toEqual([[5, 6, 8], [7]]);
  });
});

describe('targets by training count', () => {
  it('counts items in the training part only and groups the targets', () => {
    // Training parts: [1, 2], [1], [2, 3, 1]; item 4 occurs only as a validation or test item.
    const sequences = [[1, 2, 3, 4], [1, 4, 2], [2, 3, 1, 2, 4]].map((s) => Int32Array.from(s));
    const ds = { name: 'beauty', sequences, itemCount: 4 } as unknown as Dataset;
    const counts = popularity(evalUsers(ds, 'valid'), ds.itemCount);
    expect(Array.from(counts)).toEqual([0, 3, 2, 1, 0]);
    const test = evalUsers(ds, 'test'); // targets 4, 2, 4
    const groups = byTrainingCount(test, [1, 3, 20], counts);
    expect(groups.map((g) => [g.group, g.share])).toEqual([['0', 2 / 3], ['1–2', 1 / 3], ['≥ 3', 0]]);
    expect(groups[0]!.ndcg10).toBeCloseTo((1 + 0) / 2, 10); // ranks 1 and 20
    expect(groups[1]!.ndcg10).toBeCloseTo(1 / Math.log2(4), 10); // rank 3
    expect(groups[2]!.ndcg10).toBeNull();
  });
});

describe('precomputed item vectors', () => {
  it('normalises rows, counts missing items and names the bad item', () => {
    const { vectors, missing } = parseItemVectorsJson('{"1": [3, 4], "3": [0, 2]}', 'v.json', 3, 2);
    expect(Array.from(vectors)).toEqual(Array.from(Float32Array.from([0, 0, 0.6, 0.8, 0, 0, 0, 1])));
    expect(missing).toBe(1);
    expect(() => parseItemVectorsJson('{"2": [1, 2, 3]}', 'v.json', 3, 2)).toThrow(/v\.json: item 2: expected 2 numbers/);
    expect(() => parseItemVectorsJson('{"2": [1, null]}', 'v.json', 3, 2)).toThrow(/item 2: every value must be a finite number/);
    expect(() => parseItemVectorsJson('[1]', 'v.json', 3, 2)).toThrow(/expected/);
  });
});

describe.runIf(haveData)(`trainer and harness on a slice of Beauty${needsData}`, () => {
  const root = mkdtempSync(join(tmpdir(), 'shelf-quality-'));
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('trains, exports the device part without an item table, and evaluates through the worker path', async () => {
    const ds = loadDataset('beauty', dataDir, 120);
    expect(ds.sequences.length).toBe(120);
    const base = { config, epochs: 1, minutes: 1, batchSize: 64, negatives: 64, learningRate: 0.003, dropout: 0.1, seed: 1, validUsers: 50, log: () => {} };
    const paths = (name: string) => modelDir(name, 1, root);
    const learned = await trainModel(ds, { ...base, fixedItemVectors: null });
    const content = await trainModel(ds, { ...base, fixedItemVectors: attributeVectors(loadAttributes('beauty', dataDir, ds.itemCount), config.itemDim) });
    for (const [name, r, kind] of [['shelf-beauty', learned, 'learned'], ['shelf-beauty-content', content, 'content']] as const) {
      const record = { model: name, version: 1, itemVectors: kind, data: ds.fingerprint, seed: 1, trainSeconds: r.trainSeconds, bestEpoch: r.bestEpoch, backend: 'wasm', hyper: {}, history: r.history, command: 'test' };
      writeModel(paths(name), { name, version: 1, config, vectorSpace: 'test', device: r.device, itemVectors: r.itemVectors, record, examples: 1 });
    }
    const m = readModel(paths('shelf-beauty'));
    // What is read back is exactly the float16 rounding of what was trained, and a changed byte is refused.
    expect(m.device).toEqual(roundedToHalf(learned.device));
    expect(m.itemVectors).toEqual(roundedToHalf(learned.itemVectors));
    expect(m.storedBytes).toBe((m.device.length + m.itemVectors.length) * 2);
    const tampered = join(root, 'tampered');
    cpSync(paths('shelf-beauty'), tampered, { recursive: true });
    const items = readFileSync(join(tampered, ITEM_VECTORS_FILE));
    items[10]! ^= 1;
    writeFileSync(join(tampered, ITEM_VECTORS_FILE), items);
    expect(() => readModel(tampered)).toThrow(/does not match the sha256/);
    // The device file holds exactly the encoder's weights: no row per item.
    expect(m.device.length).toBe(weightSpecs(config).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0));
    expect(m.itemVectors.length).toBe((ds.itemCount + 1) * config.itemDim);

    const rows = await evaluateDataset(ds, { dataDir, seed: 3, modelsRoot: root, checkEvery: 10, log: () => {} });
    const protocols = new Set(rows.map((r) => `${r.model}/${r.protocol}`));
    for (const p of ['popularity/sampled-99', 'popularity/all-items', 'shelf/sampled-99', 'shelf/all-items', 'shelf/rerank-lag-1', 'server-order/rerank-lag-3', 'shelf-content/all-items']) {
      expect(protocols.has(p), p).toBe(true);
    }
    for (const r of rows) {
      expect(r.ndcg10).toBeGreaterThanOrEqual(0);
      expect(r.ndcg10).toBeLessThanOrEqual(r.hr10 + 1e-12);
      if (r.workerPathMaxRelDiff !== undefined) expect(r.workerPathMaxRelDiff).toBeLessThan(1e-4);
    }

    // The same model on another slice (or data set) is refused.
    expect(() => assertTrainedOn(m.record, loadDataset('beauty', dataDir, 100).fingerprint)).toThrow(/refusing to evaluate/);
    expect(() => assertTrainedOn(m.record, loadDataset('sports', dataDir, 120).fingerprint)).toThrow(/trained on beauty/);
  });
});

describe.runIf(haveData)(`weight averaging${needsData}`, () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('validates the mean of the epochs since averageFrom, and the mean of one epoch is that epoch', async () => {
    const ds = loadDataset('beauty', dataDir, 120);
    const base = { config, epochs: 3, minutes: 1, batchSize: 64, negatives: 64, learningRate: 0.01, dropout: 0.1, seed: 1, validUsers: 50, fixedItemVectors: null, log: () => {} };
    const r = await trainModel(ds, { ...base, averageFrom: 3 });
    expect(r.history.map((h) => h.averaged?.from)).toEqual([undefined, undefined, 3]);
    const last = r.history[2]!;
    expect(last.averaged!.valid).toEqual(last.valid);
    expect(last.averaged!.validAllItems).toEqual(last.validAllItems);

    const two = await trainModel(ds, { ...base, averageFrom: 2 });
    expect(two.history.map((h) => h.averaged?.from)).toEqual([undefined, 2, 2]);
    // Epoch 2's mean is epoch 2 itself; epoch 3's mixes two epochs' weights, so its figures are its own.
    expect(two.history[1]!.averaged!.valid).toEqual(two.history[1]!.valid);
    const kept = two.keptAveraged ? two.history[two.bestEpoch - 1]!.averaged!.valid : two.history[two.bestEpoch - 1]!.valid;
    expect(Math.max(...two.history.flatMap((h) => [h.valid.ndcg10, h.averaged?.valid.ndcg10 ?? -1]))).toBe(kept.ndcg10);
  });
});

describe('negative samplers', () => {
  const ex = [{ seq: Int32Array.from([1, 1, 1, 2]) }, { seq: Int32Array.from([1, 3]) }];

  it('mixed: half uniform, half by count^0.75, with a log q that is a distribution over the items', () => {
    const s = negativeSampler('mixed', ex, 4, 4000, seeded(5));
    const q = Array.from(s.logQ!.subarray(1), Math.exp);
    expect(q.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    // Item 1 (4 times) is more likely than item 2 (once), which beats item 4 (never seen: uniform half only).
    expect(q[0]!).toBeGreaterThan(q[1]!);
    expect(q[1]!).toBeGreaterThan(q[3]!);
    expect(q[3]!).toBeCloseTo(0.5 / 4, 6);
    const draws = s.draw();
    const share = (id: number) => draws.filter((d) => d === id).length / draws.length;
    expect(draws.every((d) => d >= 1 && d <= 4)).toBe(true);
    for (const id of [1, 2, 3, 4]) expect(Math.abs(share(id) - q[id - 1]!)).toBeLessThan(0.03);
  });

  it('uniform: distinct ids, no correction', () => {
    const s = negativeSampler('uniform', ex, 10, 5, seeded(5));
    expect(s.logQ).toBeNull();
    const draws = s.draw();
    expect(new Set(draws).size).toBe(5);
  });
});

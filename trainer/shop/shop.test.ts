// The shop path of the trainer on a small generated shop: sequences keep their event types all the way into the
// model's input, repeats collapse, feed items without history get content vectors from their category; a run
// stopped after an epoch resumes from its checkpoint to exactly the bundle of an uninterrupted run; evaluate
// refuses a bundle trained on another history.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../tf-node.js';
import { importFeed, importHistory } from '../cli/import-command.js';
import { trainShop, shopConfig, type TrainCommandOptions } from '../cli/train-command.js';
import { evaluateShop } from '../cli/evaluate-command.js';
import { readFeed, readHistory } from '../import/workspace.js';
import { buildShopData } from './shop-data.js';
import { floatsOf, readBundle } from './bundle.js';
import { DeviceScorer } from '../device-scoring.js';
import { initialWeights, flatten, weightSpecs } from '../../src/shared/model/weights.js';
import { eventTypeAt } from '../training-data.js';
import { publishBody } from '../cli/admin-client.js';

const dir = mkdtempSync(join(tmpdir(), 'shelf-shop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 240 items in 8 categories; visitors walk through one category in order (view, cart, buy), so the next item is learnable. */
function writeShop(): void {
  const feed = ['id\ttitle\tproduct_type\tbrand\tprice'];
  for (let i = 0; i < 300; i++) feed.push(`sku-${i}\tThing ${i}\tHome > Cat ${i % 8}\tBrand${i % 5}\t${5 + (i % 40)} EUR`);
  writeFileSync(join(dir, 'feed.tsv'), feed.join('\n') + '\n');
  const rows = ['session_id,item_id,event_type,timestamp'];
  let t = Date.parse('2024-01-01T00:00:00Z');
  for (let u = 0; u < 400; u++) {
    const cat = u % 8;
    const start = (u * 7) % 30;
    for (let k = 0; k < 6; k++) {
      const item = `sku-${cat + 8 * ((start + k) % 30)}`;
      rows.push(`s${u},${item},view_item,${new Date((t += 1000)).toISOString()}`);
      if (k % 3 === 2) rows.push(`s${u},${item},add_to_cart,${new Date((t += 1000)).toISOString()}`);
    }
  }
  writeFileSync(join(dir, 'history.csv'), rows.join('\n') + '\n');
}

function options(ws: string, extra: Partial<TrainCommandOptions> = {}): TrainCommandOptions {
  return {
    workspace: ws, out: join(ws, 'bundle'), name: 'test-shop', version: 1, space: null, seed: 3, epochs: 3, minutes: 10,
    config: shopConfig({ dim: 8, hidden: 8, ffn: 16, blocks: 1, maxLen: 8 }), batch: 64, negatives: 64, lr: 0.01, dropout: 0.2, validUsers: 200,
    smoothing: true, backend: 'cpu', command: 'test', log: () => {}, ...extra,
  };
}

beforeAll(async () => {
  await useNodeBackend('cpu');
  writeShop();
  importFeed(join(dir, 'feed.tsv'), join(dir, 'ws'));
  importHistory(join(dir, 'history.csv'), join(dir, 'ws'));
  cpSync(join(dir, 'ws'), join(dir, 'ws2'), { recursive: true });
});

describe('shop data', () => {
  it('numbers items by first appearance, keeps event types, collapses repeats, appends feed-only items', () => {
    const shop = buildShopData('s', readHistory(join(dir, 'ws')), readFeed(join(dir, 'ws')));
    expect(shop.historyItems).toBe(240);
    expect(shop.ids.length - 1).toBe(300);
    const first = shop.dataset.sequences[0]!;
    expect(first.length).toBe(6);
    expect(Array.from(first, (_, i) => eventTypeAt(first, i))).toEqual([0, 0, 2, 0, 0, 2]);
    // The types follow subarrays (the split, the batches).
    expect(eventTypeAt(first.subarray(2), 0)).toBe(2);
  });

  it('feeds the event types to the model: the same items as views or as purchases give other states', async () => {
    const shop = buildShopData('s', readHistory(join(dir, 'ws')), readFeed(join(dir, 'ws')));
    const c = shopConfig({ dim: 8, hidden: 8, ffn: 16, blocks: 1, maxLen: 8 });
    const items = Float32Array.from({ length: 241 * 8 }, (_, i) => Math.sin(i));
    const scorer = new DeviceScorer(c, weightSpecs(c), flatten(weightSpecs(c), initialWeights(c, 1)), items);
    const typed = shop.dataset.sequences[0]!;
    const [a, b] = [await scorer.states([typed]), await scorer.states([Int32Array.from(typed)])];
    expect(Array.from(a)).not.toEqual(Array.from(b));
    // And the batch path equals the worker's ShelfModel.score with those types.
    const check = { history: typed, candidates: Int32Array.from([1, 2, 3]), ranks: new Float32Array(3), scores: Float32Array.from([1, 2, 3], (i) => scorer.score(a, 0, i)) };
    expect(await scorer.checkAgainstWorkerPath([check])).toBeLessThan(1e-4);
    scorer.dispose();
  });
});

describe('shelf train and evaluate', () => {
  it('resumes a stopped run from its checkpoint to the same bundle as an uninterrupted run', async () => {
    await trainShop(options(join(dir, 'ws')));
    const whole = readBundle(join(dir, 'ws', 'bundle'));
    let steps = 0;
    await expect(trainShop(options(join(dir, 'ws2'), { onStep: (done, total) => {
      steps = total;
      if (done === Math.ceil(total / 3) + 2) throw new Error('stopped');
    } }))).rejects.toThrow('stopped');
    expect(steps).toBeGreaterThan(0);
    const lines: string[] = [];
    await trainShop(options(join(dir, 'ws2'), { log: (l) => lines.push(l) }));
    expect(lines.some((l) => /continuing from the checkpoint after epoch 1/.test(l))).toBe(true);
    const resumed = readBundle(join(dir, 'ws2', 'bundle'));
    expect(resumed.manifest.files[0]!.sha256).toBe(whole.manifest.files[0]!.sha256);
    expect(resumed.space.sha256).toBe(whole.space.sha256);
    expect(whole.space).toMatchObject({ dim: 8, count: 300, contentItems: 60 });
    // Feed-only items share categories with learned ones, so they get non-zero content vectors.
    const v = floatsOf(whole.vectors);
    // What goes to the server (the publish body: weights, vectors, ids, training record) names no visitor key and no local path.
    const sent = JSON.stringify(publishBody(join(dir, 'ws', 'bundle'), true));
    for (let u = 0; u < 400; u++) expect(sent.includes(`"s${u}"`)).toBe(false);
    expect(sent.includes(dir)).toBe(false);
    expect(v.subarray(299 * 8, 300 * 8).some((x) => x !== 0)).toBe(true);
  }, 120_000);

  it('evaluates the held-out last events beside popularity, and refuses another history', async () => {
    const r = await evaluateShop({ bundle: join(dir, 'ws', 'bundle'), workspace: join(dir, 'ws'), order: ['sku-0', 'sku-8'], backend: 'cpu', log: () => {} });
    expect(r.users).toBe(400);
    expect(r.items).toBe(300);
    expect(r.model.ndcg10).toBeGreaterThan(r.popularity.ndcg10);
    expect(r.currentOrder).not.toBeNull();
    expect(r.workerPathMaxRelDiff).toBeLessThan(1e-3);
    writeFileSync(join(dir, 'history.csv'), readFileSync(join(dir, 'history.csv'), 'utf8') + 's999,sku-1,purchase,2025-01-01T00:00:00Z\n');
    importHistory(join(dir, 'history.csv'), join(dir, 'ws'));
    await expect(evaluateShop({ bundle: join(dir, 'ws', 'bundle'), workspace: join(dir, 'ws'), order: null, backend: 'cpu', log: () => {} })).rejects.toThrow(/trained on another history/);
  }, 60_000);
});

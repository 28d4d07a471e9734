// A benchmark-size model (78,274 parameters: 2 blocks, width 64) under secure aggregation: its report (313 KB) is over
// the 64 KiB keepalive cap, so the worker queues it in IndexedDB and sends it as a plain request. Both aggregators run
// as processes of this spec's own (K = 1, so the one report publishes). Checks: the upload is one SHS1 report of
// 4 bytes per parameter, accepted; the two aggregators publish version 2; the queue is empty afterwards.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { freePort, startServer, type ServerProcess } from '../bench/reliability/server-process.js';
import { KEEPALIVE_LIMIT_BYTES } from '../src/shared/federated/wire.js';
import { makeManifest, MANIFEST_FILE, WEIGHTS_FILE } from '../src/shared/model/manifest.js';
import { flatten, initialWeights, parameterCount, weightSpecs } from '../src/shared/model/weights.js';
import { decodeReport, reportBytes } from '../src/shared/secure-aggregation/report-wire.js';
import { createHash } from 'node:crypto';
import type { ModelConfig } from '../src/shared/protocol.js';

const MODEL = 'shelf-bench';
const CONFIG: ModelConfig = { itemDim: 64, hidden: 64, maxLen: 50, ffn: 128, eventTypes: 5, blocks: 2 };
const TOKEN = 'e2e-large-helper-token';
let leader: ServerProcess | undefined;
let helper: ServerProcess | undefined;
let dir: string | undefined;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  dir = mkdtempSync(path.join(tmpdir(), 'shelf-e2e-large-'));
  const weights = new Uint8Array(flatten(weightSpecs(CONFIG), initialWeights(CONFIG, 7)).buffer);
  const manifest = makeManifest({
    name: MODEL, version: 1, parent: null, vectorSpace: 'e2e-random-64', config: CONFIG,
    weightsSha256: createHash('sha256').update(weights).digest('hex'), weightsBytes: weights.byteLength, lineage: { kind: 'seed', updates: 0, examples: 0 },
  });
  const seedDir = path.join(dir, 'seeds', MODEL, '1');
  mkdirSync(seedDir, { recursive: true });
  writeFileSync(path.join(seedDir, MANIFEST_FILE), JSON.stringify(manifest));
  writeFileSync(path.join(seedDir, WEIGHTS_FILE), weights);
  // Both start together (the leader keeps asking for the helper's key until it answers).
  const helperPort = await freePort();
  const helperStarted = startServer({ HELPER_DATA_DIR: path.join(dir, 'helper'), HELPER_LEADER_TOKEN: TOKEN, HELPER_MIN_BATCH: '1' }, { entry: 'helper', port: helperPort, timeoutMs: 240_000 });
  const leaderStarted = startServer(
    {
      SHELF_DATA_DIR: path.join(dir, 'leader'), SHELF_SEED_DIR: path.join(dir, 'seeds'), SHELF_MODEL: MODEL, SHELF_DEMO: 'on',
      SHELF_MIN_UPDATES: '1', SHELF_DP_SAMPLE_RATE: '1', SHELF_DP_NOISE_MULTIPLIER: '0.02', SHELF_DP_CLIP: '1', SHELF_DP_EPSILON_BUDGET: '1000000',
      SHELF_HELPER_URL: `http://127.0.0.1:${helperPort}/`, SHELF_HELPER_TOKEN: TOKEN,
    },
    { timeoutMs: 240_000 },
  );
  [helper, leader] = await Promise.all([helperStarted, leaderStarted]);
});
test.afterAll(async () => {
  await leader?.kill('SIGTERM');
  await helper?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a 78k-parameter report goes without keepalive, queued first, and the aggregators publish it', async ({ page }) => {
  test.setTimeout(180_000);
  const params = parameterCount(weightSpecs(CONFIG));
  const uploads: Buffer[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/v1/updates')) uploads.push(r.postDataBuffer() ?? Buffer.alloc(0));
  });
  const db = `shelf-e2e-large-${Date.now()}`;
  await page.goto(`${leader!.base}/lab.html?model=${MODEL}&db=${db}&trainEvery=100000&uploadMinExamples=1`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 120_000 });
  type Flush = { uploaded: boolean; status: number | null; reason: string | null };
  const result = await page.evaluate(async (dim) => {
    const shelf = (window as unknown as { shelf: { track(e: unknown): Promise<boolean>; rerank(c: unknown[], o: unknown): Promise<unknown>; flush(): Promise<Flush> } }).shelf;
    let s = 1;
    const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;
    // A list of 20 items (their vectors reach the engine with the candidates), shown; the visitor opens 6 of them.
    const items = Array.from({ length: 20 }, (_, i) => ({ id: `item-${i}`, vector: Array.from({ length: dim }, rand) }));
    await shelf.rerank(items, { listId: 'large', timeoutMs: 60_000 });
    await shelf.track({ type: 'view_item_list', listId: 'large', shownIds: items.map((x) => x.id) });
    for (const item of items.slice(0, 6)) await shelf.track({ type: 'view_item', itemId: item.id, vector: item.vector });
    return shelf.flush();
  }, CONFIG.itemDim);
  expect(result.uploaded, result.reason ?? '').toBe(true);
  expect(result.status).toBe(200);
  expect(uploads).toHaveLength(1);
  const body = uploads[0]!;
  expect(body.byteLength).toBeGreaterThan(KEEPALIVE_LIMIT_BYTES);
  expect(body.byteLength).toBe(reportBytes(params, decodeReport(new Uint8Array(body)).ticket.length));
  // Published by the two aggregators; the worker's upload queue is empty again.
  await expect.poll(async () => ((await (await fetch(`${leader!.base}/models/${MODEL}/latest.json`)).json()) as { version: number }).version, { timeout: 60_000 }).toBe(2);
  const queued = await page.evaluate(async (name) => {
    const req = indexedDB.open(name);
    const open = await new Promise<IDBDatabase>((resolve, reject) => ((req.onsuccess = () => resolve(req.result)), (req.onerror = () => reject(req.error))));
    if (!open.objectStoreNames.contains('uploads')) return 0;
    const count = open.transaction('uploads').objectStore('uploads').count();
    return new Promise<number>((resolve) => (count.onsuccess = () => resolve(count.result)));
  }, db);
  expect(queued).toBe(0);
});

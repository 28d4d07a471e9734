// Faults end in the shop's own order, quietly, with a reason; the engine recovers where it can.
import { expect, test } from '@playwright/test';
import { demoState, openDemo } from './demo-page.js';
import { engineWorkers, hook, openEngine, rerank, status, track } from './engine-helpers.js';

test('a worker crash mid-call: that call gets the server order, the worker respawns, the next call is the model', async ({ page }) => {
  await openEngine(page);
  await track(page, 3);
  expect((await rerank(page)).source).toBe('model');
  await hook(page, 'slowScores', 5_000);
  await page.evaluate(() => {
    const w = window as unknown as { shelf: { rerank(c: unknown[], ctx: unknown): Promise<unknown> }; shelfDemo: { candidates: unknown[] }; inFlight: Promise<unknown> };
    w.inFlight = w.shelf.rerank(w.shelfDemo.candidates, { timeoutMs: 20_000 });
  });
  await hook(page, 'crash');
  const crashed = await page.evaluate(() => (window as unknown as { inFlight: Promise<{ source: string; reason: string; items: { serverRank: number }[] }> }).inFlight);
  expect(crashed.source).toBe('fallback');
  expect(crashed.reason).toBe('worker_crashed');
  expect(crashed.items.map((i) => i.serverRank)).toEqual(crashed.items.map((_, i) => i));
  const next = await rerank(page);
  expect(next.source).toBe('model');
  expect(engineWorkers(page)).toHaveLength(1);
});

test('a slow model: the call time budget ends it with the server order; the next call is the model again', async ({ page }) => {
  await openEngine(page);
  await track(page, 2);
  await hook(page, 'slowScores', 3_000);
  const slow = await rerank(page, { timeoutMs: 300 });
  expect(slow).toMatchObject({ source: 'fallback', reason: 'timeout' });
  expect(slow.items.map((i) => i.serverRank)).toEqual(slow.items.map((_, i) => i));
  await hook(page, 'slowScores', 0);
  expect((await rerank(page)).source).toBe('model');
});

test('model files missing: the server order with the reason', async ({ page }) => {
  await page.context().route('**/models/shelf-demo/latest.json', (route) => route.fulfill({ status: 404, body: '{}' }));
  await openDemo(page, { db: 'shelf-e2e-missing-model', debug: '1' });
  const state = await demoState(page);
  expect(state).toMatchObject({ source: 'fallback', reason: 'model_unavailable' });
  expect(state.items.map((i) => i.serverRank)).toEqual(state.items.map((_, i) => i));
  const s = await status(page);
  expect(s.modelError).toContain('404');
});

test('model weights failing their hash: the server order with the reason, the file never used', async ({ page }) => {
  await page.context().route('**/models/shelf-demo/*/weights.bin', async (route) => {
    const res = await route.fetch();
    const body = Buffer.from(await res.body());
    body[body.length - 1] = body[body.length - 1]! ^ 0xff;
    await route.fulfill({ response: res, body });
  });
  await openDemo(page, { db: 'shelf-e2e-corrupt-model', debug: '1' });
  const state = await demoState(page);
  expect(state).toMatchObject({ source: 'fallback', reason: 'model_integrity' });
  expect((await status(page)).modelError).toContain('sha256');
});

test('the engine worker and the model load once, however many calls', async ({ page }) => {
  const weights: string[] = [];
  page.context().on('request', (r) => {
    if (/\/models\/shelf-demo\/\d+\/weights\.bin/.test(r.url())) weights.push(r.url());
  });
  await openEngine(page);
  for (let i = 0; i < 5; i++) await track(page, i);
  await Promise.all([rerank(page), rerank(page), status(page)]);
  expect(weights).toHaveLength(1);
  expect(engineWorkers(page)).toHaveLength(1);
});

test('a kernel missing from the backend: the same call is served by the next backend', async ({ page }) => {
  await openEngine(page, { backends: 'wasm,cpu' });
  await track(page, 3);
  expect(await rerank(page)).toMatchObject({ source: 'model', backend: 'wasm' });
  expect(await hook(page, 'dropKernel', 'BatchMatMul')).toBe(true);
  const next = await rerank(page);
  expect(next).toMatchObject({ source: 'model', backend: 'cpu' });
  expect(next.notes.join(' ')).toMatch(/wasm failed/);
  const s = await status(page);
  expect(s.skippedBackends.some((b) => b.backend === 'wasm' && /failed while scoring/.test(b.reason))).toBe(true);
});

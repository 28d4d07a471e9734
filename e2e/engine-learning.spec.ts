// Real time and learning on the device: the next rerank uses an event at once (ordering through the worker,
// not timing), training runs in a second worker and survives a reload, tensor memory stays flat, and the
// per-call adjustments reach the engine.
import { expect, test } from '@playwright/test';
import { LOCAL_TRAINING } from '../workers/local-recipe.js';
import { engineWorkers, openEngine, rerank, status, track, type Result } from './engine-helpers.js';

test('an event from track() is used by the very next rerank, without awaiting track', async ({ page }) => {
  await openEngine(page);
  const cold = await rerank(page);
  expect(cold).toMatchObject({ source: 'fallback', reason: 'cold_start' });
  const warm = await page.evaluate(() => {
    const w = window as unknown as {
      shelf: { track(e: unknown): Promise<boolean>; rerank(c: unknown[], ctx: unknown): Promise<Result> };
      shelfDemo: { candidates: { id: string; vector: number[] }[] };
    };
    const c = w.shelfDemo.candidates[7]!;
    void w.shelf.track({ type: 'add_to_cart', itemId: c.id, vector: c.vector });
    return w.shelf.rerank(w.shelfDemo.candidates, { timeoutMs: 20_000 });
  });
  expect(warm.source).toBe('model');
});

test('training runs in a second worker, changes the ranking, and its state survives a reload', async ({ page }) => {
  const db = await openEngine(page, { trainEvery: '2' });
  await track(page, 4);
  const before = await rerank(page);
  for (const i of [5, 6, 8]) await track(page, i, 'add_to_cart');
  // 4 positive events with trainEvery 2: two training jobs of the worker's recipe (LOCAL_TRAINING.steps each).
  await expect.poll(async () => (await status(page)).trainedSteps ?? 0).toBe(2 * LOCAL_TRAINING.steps);
  const s = await status(page);
  expect(s.training).toBe('worker');
  expect(page.workers().some((w) => /trainer/.test(w.url()))).toBe(true);
  const after = await rerank(page);
  expect(after.items.map((i) => i.score)).not.toEqual(before.items.map((i) => i.score));

  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 90_000 });
  const restored = await status(page);
  expect(restored.trainedSteps).toBe(s.trainedSteps);
  const again = await rerank(page);
  expect(again.source).toBe('model');
  expect(again.items.map((i) => i.score)).toEqual(after.items.map((i) => i.score));
  expect(db).toBeTruthy();
});

test('tensor memory stays flat: numTensors unchanged after 1,000 re-ranks', async ({ page }) => {
  await openEngine(page);
  await track(page, 1);
  await rerank(page);
  const before = (await status(page)).numTensors;
  const sources = await page.evaluate(async () => {
    const w = window as unknown as { shelf: { rerank(c: unknown[], ctx: unknown): Promise<Result> }; shelfDemo: { candidates: unknown[] } };
    const seen = new Set<string>();
    for (let i = 0; i < 1_000; i++) seen.add((await w.shelf.rerank(w.shelfDemo.candidates, { timeoutMs: 20_000 })).source);
    return [...seen];
  });
  expect(sources).toEqual(['model']);
  expect((await status(page)).numTensors).toBe(before);
  expect(engineWorkers(page)).toHaveLength(1);
});

test('per-call adjustments reach the engine: out-of-stock dropped, pins placed, diversity in the top k', async ({ page }) => {
  await openEngine(page);
  await track(page, 2);
  const r = await page.evaluate(() => {
    const w = window as unknown as {
      shelf: { rerank(c: unknown[], ctx: unknown): Promise<{ source: string; notes: string[]; items: { id: string; item: { category: string } }[] }> };
      shelfDemo: { candidates: { id: string; category: string }[] };
    };
    const cands = w.shelfDemo.candidates.map((c, i) => ({ ...c, inStock: i !== 0 }));
    const pinnedId = cands[10]!.id;
    return w.shelf
      .rerank(cands, { timeoutMs: 20_000, adjust: { excludeOutOfStock: true, pinned: { [pinnedId]: 0 }, diversity: { maxPerCategory: 2, topK: 8 } } })
      .then((res) => ({ res: { source: res.source, notes: res.notes, items: res.items.map((i) => ({ id: i.id, category: i.item.category })) }, outId: cands[0]!.id, pinnedId }));
  });
  expect(r.res.source).toBe('model');
  expect(r.res.items.some((i) => i.id === r.outId)).toBe(false);
  expect(r.res.items[0]!.id).toBe(r.pinnedId);
  const counts = new Map<string, number>();
  for (const i of r.res.items.slice(1, 8)) counts.set(i.category, (counts.get(i.category) ?? 0) + 1);
  expect(Math.max(...counts.values())).toBeLessThanOrEqual(3);
});

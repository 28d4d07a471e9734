import { expect, test } from '@playwright/test';
import { openDemo } from './demo-page.js';

test('malformed candidates and events resolve with a sane order and a reason, never throw', async ({ page }) => {
  await openDemo(page, { db: 'shelf-e2e-bad-input' });
  const r = await page.evaluate(async () => {
    type R = { source: string; reason: string | null; items: { id: string; score: number | null }[]; notes: string[] };
    const shelf = (window as unknown as { shelf: { rerank(c: unknown, ctx?: unknown): Promise<R>; track(e: unknown): Promise<boolean> } }).shelf;
    const vec = (x: number) => Array.from({ length: 32 }, (_, i) => Math.sin(i + x));
    await shelf.track({ type: 'view_item', itemId: 'a', vector: vec(1) });
    return {
      notArray: await shelf.rerank(null),
      empty: await shelf.rerank([]),
      duplicates: await shelf.rerank([{ id: 'a', vector: vec(1) }, { id: 'a', vector: vec(2) }, { id: 'b', vector: vec(3) }]),
      missing: await shelf.rerank([{ id: 'x' }, { id: 'y', vector: vec(4) }, { id: 'z', vector: [1, 2] }, { id: 'w', vector: vec(5) }]),
      junk: await shelf.rerank([1, 'x', null, { id: 'c', vector: vec(6).map(() => Number.NaN) }, { title: 'no id' }]),
      unknownEvent: await shelf.track({ type: 'bogus', itemId: 'x' }),
      noItem: await shelf.track({ type: 'view_item' }),
    };
  });
  expect(r.notArray).toMatchObject({ source: 'fallback', reason: 'invalid_candidates', items: [] });
  expect(r.empty).toMatchObject({ source: 'fallback', reason: 'empty', items: [] });
  expect(r.duplicates.items.map((i) => i.id).sort()).toEqual(['a', 'b']);
  expect(r.duplicates.notes.join(' ')).toContain('duplicate');
  // Vector-less items keep their server slots (0 and 2); the others are ranked around them.
  expect(r.missing.source).toBe('model');
  expect(r.missing.items[0]).toMatchObject({ id: 'x', score: null });
  expect(r.missing.items[2]).toMatchObject({ id: 'z', score: null });
  expect(r.missing.items.map((i) => i.id).sort()).toEqual(['w', 'x', 'y', 'z']);
  expect(r.junk.items.map((i) => i.id)).toEqual(['c']);
  expect(r.junk.source).toBe('fallback');
  expect(r.unknownEvent).toBe(false);
  expect(r.noItem).toBe(false);
});

test('a worker that cannot start leaves the shop its own order, with the reason', async ({ page }) => {
  await openDemo(page, { workerUrl: '/no-such-worker.js', db: 'shelf-e2e-no-worker' });
  const state = await page.evaluate(() => {
    const last = (window as unknown as { shelfDemo: { last(): { source: string; reason: string; items: { serverRank: number }[] } } }).shelfDemo.last();
    return { source: last.source, reason: last.reason, ranks: last.items.map((i) => i.serverRank) };
  });
  expect(state.source).toBe('fallback');
  expect(['worker_unavailable', 'worker_crashed']).toContain(state.reason);
  expect(state.ranks).toEqual(state.ranks.map((_, i) => i));
});

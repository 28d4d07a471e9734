// Uploading when the page is hidden: a shop page (script-tag SDK, on a Shelf server of this spec's own: port 4441,
// a fresh PGlite data folder, no round closing) browses with automatic training off, so nothing would upload; when
// the document becomes hidden (tab switch, navigation away) the engine learns from what is new and uploads the
// update once, and hiding again with nothing new sends nothing.
import { expect, test, type Request } from '@playwright/test';
import type { CandidateItem } from '../src/shared/protocol.js';
import { ownServer } from './own-server.js';
import { openShop, products } from './sdk-shop.js';

const PORT = 4441;

type Status = { mode: string; engine: { uploads: number; pendingExamples: number; lastError: string | null } | null };
type Ranked = { source: string; reason: string | null };
type Win = {
  shelf: { status(): Promise<Status>; rerank(c: unknown, ctx?: unknown): Promise<Ranked>; track(e: unknown, p?: unknown): Promise<boolean> };
  queued: Promise<unknown>[];
  products: CandidateItem[];
};

const server = ownServer(PORT);
const pending = () => server.pending();

test('hiding the page uploads the pending update once; hiding again with nothing new sends nothing', async ({ page }) => {
  const shelf = server.base;
  const items = await products(shelf, 12);
  const seen: Request[] = [];
  page.context().on('request', (r) => seen.push(r));
  const uploads = () => seen.filter((r) => r.method() === 'POST' && r.url() === `${shelf}/v1/updates`);
  const init = { serverUrl: `${shelf}/`, dbName: `sdk-e2e-hide-${Date.now()}`, timeoutMs: 10_000, trainEvery: 100_000, uploadMinExamples: 1, uploadMinIntervalMs: 0, modelCheckIntervalMs: 0, autoCapture: false };
  const { close } = await openShop(page, { shelf, products: items, after: `window.queued = [shelf.init(${JSON.stringify(init)})];` });
  await page.evaluate(() => Promise.all((window as unknown as Win).queued));
  for (const p of items.slice(2, 6)) {
    const item = { item_id: p.id, item_list_id: 'home', item_vector: p.vector };
    expect(await page.evaluate((it) => (window as unknown as Win).shelf.track('view_item', { items: [it] }), item)).toBe(true);
  }
  const ranked = await page.evaluate(() => (window as unknown as Win).shelf.rerank((window as unknown as Win).products, { listId: 'home', timeoutMs: 10_000 }));
  expect(ranked.source, ranked.reason ?? '').toBe('model');
  const before = await pending();
  const status = () => page.evaluate(() => (window as unknown as Win).shelf.status());
  expect((await status()).engine).toMatchObject({ uploads: 0 });
  expect((await status()).engine!.pendingExamples).toBeGreaterThan(0);
  expect(uploads()).toHaveLength(0);

  const hide = () =>
    page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
  await hide();
  await expect.poll(pending, { timeout: 60_000 }).toBe(before + 1);
  await expect.poll(async () => (await status()).engine?.uploads, { timeout: 10_000 }).toBe(1);
  expect(uploads()).toHaveLength(1);

  // Hidden again with nothing new: no training, no request.
  await page.evaluate(() => Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true }));
  await hide();
  await page.waitForTimeout(2_000);
  expect(uploads()).toHaveLength(1);
  expect(await pending()).toBe(before + 1);
  await close();
});

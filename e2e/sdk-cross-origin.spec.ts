// The script-tag SDK on a shop page of another origin, under a strict nonce CSP: queued calls replay, the
// worker starts through a blob: module, GA4 dataLayer events are captured, a second snippet does nothing; with
// blob: workers forbidden, Shelf keeps the shop's order and says why.
import { expect, test } from '@playwright/test';
import { readStoredEvents } from './demo-page.js';
import { NONCE, openShop, products, strictCsp } from './sdk-shop.js';

type Win = {
  shelf: { status(): Promise<{ mode: string; reason: string | null; consent: string }>; rerank(c: unknown, ctx?: unknown): Promise<{ source: string; reason: string | null; rerankId: string; items: { id: string; score: number | null; serverRank: number }[] }> };
  queued: Promise<unknown>[];
  dataLayer: unknown[];
};

test('snippet on another origin under a strict CSP: queue replayed, blob: worker, dataLayer bridged, double snippet harmless', async ({ page, baseURL }) => {
  const shelf = baseURL!;
  const items = await products(shelf);
  const [a, b, c, d] = items.map((p) => p.id);
  const db = `sdk-e2e-cross-${Date.now()}`;
  const { requests, close } = await openShop(page, {
    shelf,
    csp: strictCsp(shelf),
    products: items,
    snippets: 2,
    // A shop already sending GA4 events: one push before Shelf exists.
    before: `window.dataLayer = window.dataLayer || []; dataLayer.push({ event: 'view_item', ecommerce: { items: [{ item_id: ${JSON.stringify(a)}, item_list_id: 'home', index: 0 }] } });`,
    after: `window.queued = [
      shelf.init({ serverUrl: ${JSON.stringify(`${shelf}/`)}, dbName: ${JSON.stringify(db)}, timeoutMs: 10000, debug: true, autoCapture: false }),
      shelf.track('Product Viewed', { product_id: ${JSON.stringify(b)}, position: 2 }),
      shelf.rerank(window.products, { listId: 'home', timeoutMs: 10000 }),
    ];`,
  });

  const [status, , reranked] = (await page.evaluate(() => Promise.all((window as unknown as Win).queued))) as [
    { mode: string },
    boolean,
    { source: string; rerankId: string; items: { id: string; score: number | null }[] },
  ];
  expect(status.mode).toBe('worker');
  expect(reranked.source).toBe('model');
  expect(reranked.rerankId).not.toBe('');
  expect(reranked.items.map((i) => i.id).sort()).toEqual(items.map((i) => i.id).sort());

  // A gtag-style push after load (the `arguments` object) and an object push, both captured.
  await page.evaluate(
    ([c, d]) => {
      const w = window as unknown as Win;
      (function gtag(..._args: unknown[]) {
        // eslint-disable-next-line prefer-rest-params
        w.dataLayer.push(arguments);
      })('event', 'add_to_cart', { items: [{ item_id: c, quantity: 1, price: 9.5 }] });
      w.dataLayer.push({ event: 'select_item', ecommerce: { item_list_id: 'home', items: [{ item_id: d, index: 3 }] } });
    },
    [c, d],
  );
  await expect
    .poll(async () => (await readStoredEvents(page, db)).map((e) => `${e.type}:${e.itemId}`).sort(), { timeout: 15_000 })
    .toEqual([`add_to_cart:${c}`, `select_item:${d}`, `view_item:${a}`, `view_item:${b}`].sort());
  const stored = await readStoredEvents(page, db);
  expect(stored.find((e) => e.itemId === b)?.position).toBe(1); // Segment's 1-based position → 0-based

  // Loaded once although the snippet is on the page twice; the files came from Shelf's origin.
  const urls = requests.map((r) => r.url());
  expect(urls.filter((u) => u.endsWith('/sdk/shelf-loader.js'))).toHaveLength(1);
  expect(urls.filter((u) => u.endsWith('/sdk/shelf-client.js'))).toHaveLength(1);
  const s = await page.evaluate(() => (window as unknown as Win).shelf.status());
  expect(s).toMatchObject({ mode: 'worker', reason: null, consent: 'granted' });

  // Training runs in its own worker here too: the engine (itself a blob module on the shop's origin) starts
  // the training worker, which lives on Shelf's origin, through a blob module of its own.
  const flushed = (await page.evaluate(() => (window as unknown as Win & { shelf: { flush(): Promise<unknown> } }).shelf.flush())) as {
    trainedSteps: number;
  } | null;
  expect(flushed?.trainedSteps).toBeGreaterThan(0);
  const trained = (await page.evaluate(() => (window as unknown as Win).shelf.status())) as unknown as { engine: { training?: string } | null };
  expect(trained.engine?.training).toBe('worker');
  await close();
});

test('with blob: workers forbidden by the CSP, rerank keeps the shop order and status says why', async ({ page, baseURL }) => {
  const shelf = baseURL!;
  const items = await products(shelf, 10);
  const { close } = await openShop(page, {
    shelf,
    csp: strictCsp(shelf, "'self'"),
    products: items,
    after: `window.queued = [shelf.init({ serverUrl: ${JSON.stringify(`${shelf}/`)}, dbName: 'sdk-e2e-noblob', debug: true })];`,
  });
  await page.evaluate(() => Promise.all((window as unknown as Win).queued));
  const r = await page.evaluate(() => (window as unknown as Win).shelf.rerank((window as unknown as { products: unknown }).products, { listId: 'home' }));
  expect(r.source).toBe('fallback');
  expect(r.items.map((i) => i.serverRank)).toEqual(items.map((_, i) => i));
  const s = await page.evaluate(() => (window as unknown as Win).shelf.status());
  expect(s).toMatchObject({ mode: 'fallback', reason: 'csp_blocked_worker' });
  await close();
});

test("under 'strict-dynamic' (no host in script-src) the nonce'd snippet's trust carries to the loader, the client and the worker", async ({ page, baseURL }) => {
  const shelf = baseURL!;
  const csp = [`default-src 'none'`, `script-src 'nonce-${NONCE}' 'strict-dynamic' 'wasm-unsafe-eval'`, 'worker-src blob:', `connect-src ${shelf}`].join('; ');
  const { close } = await openShop(page, { shelf, csp, after: `window.queued = [shelf.init({ dbName: 'sdk-e2e-strict-dynamic' })];` });
  await page.evaluate(() => Promise.all((window as unknown as Win).queued));
  expect(await page.evaluate(() => (window as unknown as Win).shelf.status())).toMatchObject({ mode: 'worker', reason: null });
  await close();
});

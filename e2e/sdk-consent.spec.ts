// Consent and control through the script tag: with consent denied (opt-in default, or Global Privacy Control)
// nothing reaches IndexedDB and nothing is requested from Shelf's backend; granting starts the engine;
// denying again deletes what was stored; forget() clears everything and later calls are harmless no-ops.
import { expect, test } from '@playwright/test';
import { readStoredEvents } from './demo-page.js';
import { backendRequests, databases, openShop, products, strictCsp } from './sdk-shop.js';

type Api = {
  consent(s: string): Promise<{ mode: string; consent: string }>;
  track(e: unknown, p?: unknown): Promise<boolean>;
  rerank(c: unknown, ctx?: unknown): Promise<{ source: string; reason: string | null }>;
  status(): Promise<{ mode: string; reason: string | null; consent: string; consentSource: string }>;
  forget(): Promise<boolean>;
  rerankElements(c: unknown, o?: unknown): Promise<unknown>;
};

function denyingPage(shelf: string, items: unknown, db: string, init: string) {
  return {
    shelf,
    csp: strictCsp(shelf),
    products: items,
    // Calls made before Shelf loads, a GA4 push included: under denied consent none of them may be stored.
    before: `window.dataLayer = [{ event: 'view_item', ecommerce: { items: [{ item_id: 'early' }] } }];`,
    after: `window.queued = [
      shelf.init({ serverUrl: ${JSON.stringify(`${shelf}/`)}, dbName: ${JSON.stringify(db)}, debug: true, timeoutMs: 10000 ${init} }),
      shelf.track({ type: 'view_item', itemId: 'queued' }),
      shelf.rerank(window.products, { listId: 'home' }),
    ];`,
  };
}

test('opt-in default: nothing stored or requested until consent; granting starts Shelf; denying deletes', async ({ page, baseURL }) => {
  const shelf = baseURL!;
  const items = await products(shelf, 12);
  const db = `sdk-e2e-optin-${Date.now()}`;
  const { requests, close } = await openShop(page, denyingPage(shelf, items, db, ", consentDefault: 'denied'"));
  const [, tracked, reranked] = (await page.evaluate(() => Promise.all((window as unknown as { queued: Promise<unknown>[] }).queued))) as [unknown, boolean, { source: string; reason: string }];
  expect(tracked).toBe(false);
  expect(reranked).toMatchObject({ source: 'fallback', reason: 'disabled' });
  await page.evaluate(() => (window as unknown as { dataLayer: unknown[] }).dataLayer.push({ event: 'add_to_cart', ecommerce: { items: [{ item_id: 'late' }] } }));
  await page.waitForTimeout(300);
  expect(await databases(page)).not.toContain(db);
  expect(backendRequests(requests, shelf)).toEqual([]);
  const s = await page.evaluate(() => (window as unknown as { shelf: Api }).shelf.status());
  expect(s).toMatchObject({ mode: 'off', consent: 'denied', consentSource: 'default' });

  // Granted: the engine starts (model files fetched), events are stored.
  const granted = await page.evaluate(() => (window as unknown as { shelf: Api }).shelf.consent('granted'));
  expect(granted).toMatchObject({ mode: 'worker', consent: 'granted' });
  expect(backendRequests(requests, shelf).some((u) => u.includes('/models/'))).toBe(true);
  expect(await page.evaluate(() => (window as unknown as { shelf: Api }).shelf.track('view_item', { items: [{ item_id: 'after-consent' }] }))).toBe(true);
  expect((await readStoredEvents(page, db)).map((e) => e.itemId)).toEqual(['after-consent']);

  // Denied again: the engine stops and the database is deleted; the choice is remembered on reload.
  const denied = await page.evaluate(() => (window as unknown as { shelf: Api }).shelf.consent('denied'));
  expect(denied).toMatchObject({ mode: 'off', consent: 'denied' });
  expect(await databases(page)).not.toContain(db);
  await page.reload();
  await expect.poll(() => page.evaluate(() => (window as unknown as { shelf?: { initialized?: boolean } }).shelf?.initialized === true)).toBe(true);
  const after = await page.evaluate(async () => {
    const w = window as unknown as { shelf: Api; queued: Promise<unknown>[] };
    await Promise.all(w.queued);
    return w.shelf.status();
  });
  expect(after).toMatchObject({ mode: 'off', consent: 'denied', consentSource: 'stored' });
  expect(await databases(page)).not.toContain(db);
  await close();
});

test('Global Privacy Control on: treated as denied, nothing stored or requested', async ({ page, baseURL }) => {
  const shelf = baseURL!;
  await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true }));
  const items = await products(shelf, 12);
  const db = `sdk-e2e-gpc-${Date.now()}`;
  const { requests, close } = await openShop(page, denyingPage(shelf, items, db, ''));
  const [, tracked, reranked] = (await page.evaluate(() => Promise.all((window as unknown as { queued: Promise<unknown>[] }).queued))) as [unknown, boolean, { source: string; reason: string }];
  expect(tracked).toBe(false);
  expect(reranked).toMatchObject({ source: 'fallback', reason: 'disabled' });
  await page.waitForTimeout(300);
  expect(await databases(page)).not.toContain(db);
  expect(backendRequests(requests, shelf)).toEqual([]);
  const s = await page.evaluate(() => (window as unknown as { shelf: Api }).shelf.status());
  expect(s).toMatchObject({ mode: 'off', consent: 'denied', consentSource: 'gpc' });
  // Exactly what loads while consent is denied: the loader and the client from Shelf's origin, nothing else
  // (no worker, no tfjs, no model, no backend call).
  expect(requests.map((r) => r.url()).filter((u) => u.startsWith(shelf)).map((u) => u.slice(shelf.length)).sort()).toEqual(['/sdk/shelf-client.js', '/sdk/shelf-loader.js']);
  await close();
});

test("GPC with Google Consent Mode: the site's default 'granted' does not override GPC, the shopper's update does", async ({ page, baseURL }) => {
  const shelf = baseURL!;
  await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true }));
  const db = `sdk-e2e-gpc-gtag-${Date.now()}`;
  const { requests, close } = await openShop(page, {
    shelf,
    csp: strictCsp(shelf),
    before: `window.dataLayer = window.dataLayer || []; function gtag(){ dataLayer.push(arguments); }
      gtag('consent', 'default', { analytics_storage: 'granted' });`,
    after: `window.queued = [shelf.init({ serverUrl: ${JSON.stringify(`${shelf}/`)}, dbName: ${JSON.stringify(db)}, timeoutMs: 10000 })];`,
  });
  const [status] = (await page.evaluate(() => Promise.all((window as unknown as { queued: Promise<unknown>[] }).queued))) as [{ mode: string; consentSource: string }];
  expect(status).toMatchObject({ mode: 'off', consentSource: 'gpc' });
  expect(backendRequests(requests, shelf)).toEqual([]);
  await page.evaluate(() => (window as unknown as { gtag(...a: unknown[]): void }).gtag('consent', 'update', { analytics_storage: 'granted' }));
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { shelf: Api }).shelf.status()), { timeout: 15_000 })
    .toMatchObject({ mode: 'worker', consent: 'granted', consentSource: 'gtag' });
  await close();
});

test('forget() clears the device; later calls and bad input are harmless', async ({ page, baseURL }) => {
  const shelf = baseURL!;
  const db = `sdk-e2e-forget-${Date.now()}`;
  const { close } = await openShop(page, {
    shelf,
    // No serverUrl: the SDK talks to the origin it was loaded from.
    after: `window.queued = [shelf.init({ dbName: ${JSON.stringify(db)}, timeoutMs: 10000 })];`,
  });
  const r = await page.evaluate(async () => {
    const w = window as unknown as { shelf: Api; queued: Promise<unknown>[] };
    await Promise.all(w.queued);
    const cyclic: Record<string, unknown> = { type: 'view_item', itemId: 'x' };
    cyclic['self'] = cyclic;
    const bad = await Promise.all([
      w.shelf.track({ type: 'view_item', itemId: 'kept' }),
      w.shelf.track(42 as never),
      w.shelf.track('purchase', { items: Array.from({ length: 5000 }, (_, i) => ({ item_id: `p${i}`, fn: () => i, el: document.body })) }),
      w.shelf.track(cyclic),
      w.shelf.rerank('nope' as never),
      w.shelf.consent('maybe'),
      w.shelf.rerankElements(null),
    ]);
    const ready = (await w.shelf.status()).mode;
    const forgot = await w.shelf.forget();
    const dbs = (await indexedDB.databases()).map((d) => d.name);
    const later = await Promise.all([w.shelf.track({ type: 'view_item', itemId: 'late' }), w.shelf.consent('granted'), w.shelf.rerank([{ id: 'a' }])]);
    return { ready, bad, forgot, dbs, later, consentKey: localStorage.getItem('shelf:consent') };
  });
  expect(r.ready).toBe('worker');
  expect(r.bad[0]).toBe(true);
  expect(r.bad[1]).toBe(false);
  expect(r.bad[2]).toBe(true); // 200 items recorded, the rest and the junk fields ignored
  expect(r.bad[3]).toBe(true);
  expect(r.bad[4]).toMatchObject({ source: 'fallback', reason: 'invalid_candidates' });
  expect(r.forgot).toBe(true);
  expect(r.dbs).not.toContain(db);
  expect(r.later[0]).toBe(false);
  expect(r.later[1]).toMatchObject({ mode: 'forgotten' });
  expect(r.later[2]).toMatchObject({ source: 'fallback', reason: 'disabled' });
  expect(r.consentKey).toBeNull();
  await close();
});

test('Google Consent Mode in the dataLayer: denied by default keeps Shelf off, an update to granted starts it', async ({ page, baseURL }) => {
  const shelf = baseURL!;
  const db = `sdk-e2e-gtag-${Date.now()}`;
  const { requests, close } = await openShop(page, {
    shelf,
    csp: strictCsp(shelf),
    // The shop's CMP sets Consent Mode defaults before anything else, as Google documents.
    before: `window.dataLayer = window.dataLayer || []; function gtag(){ dataLayer.push(arguments); }
      gtag('consent', 'default', { analytics_storage: 'denied', ad_storage: 'denied' });
      gtag('event', 'view_item', { items: [{ item_id: 'before-consent' }] });`,
    after: `window.queued = [shelf.init({ serverUrl: ${JSON.stringify(`${shelf}/`)}, dbName: ${JSON.stringify(db)}, timeoutMs: 10000 })];`,
  });
  const [status] = (await page.evaluate(() => Promise.all((window as unknown as { queued: Promise<unknown>[] }).queued))) as [{ mode: string; consentSource: string }];
  expect(status).toMatchObject({ mode: 'off', consentSource: 'gtag' });
  expect(await databases(page)).not.toContain(db);
  expect(backendRequests(requests, shelf)).toEqual([]);

  await page.evaluate(() => {
    const w = window as unknown as { gtag(...a: unknown[]): void };
    w.gtag('consent', 'update', { analytics_storage: 'granted' });
    w.gtag('event', 'add_to_cart', { items: [{ item_id: 'after-consent' }] });
  });
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { shelf: Api }).shelf.status()), { timeout: 15_000 })
    .toMatchObject({ mode: 'worker', consent: 'granted', consentSource: 'gtag' });
  await expect.poll(async () => (await readStoredEvents(page, db)).map((e) => `${e.type}:${e.itemId}`), { timeout: 15_000 }).toEqual(['add_to_cart:after-consent']);
  await close();
});

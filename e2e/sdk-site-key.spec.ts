// The shop's public site key, end to end: a Shelf server of this spec's own (port 4431, SHELF_SITE_KEYS set,
// a fresh PGlite data folder) and the script-tag SDK on a shop page of another origin. With the right `siteKey` the
// worker's ticket request and upload carry it and the update is stored; with a wrong key or none, the server
// answers 401 once, the page keeps ranking with the model, nothing throws, the uploader stops (status says why,
// no further request) and the server stored nothing.
import { expect, test, type Page, type Request } from '@playwright/test';
import type { CandidateItem } from '../src/shared/protocol.js';
import { ownServer } from './own-server.js';
import { openShop, products } from './sdk-shop.js';

const PORT = 4431;
const KEY = 'pk_e2e_shop_4431';
const OTHER_KEY = 'pk_e2e_other_shop';

type Flush = { trainedSteps: number; uploaded: boolean; status: number | null; reason: string | null } | null;
type Status = { mode: string; engine: { uploads: number; uploadsStopped?: string | null; lastError: string | null } | null };
type Ranked = { source: string; reason: string | null; items: { id: string; score: number | null }[] };
type Win = {
  shelf: {
    status(): Promise<Status>;
    flush(): Promise<Flush>;
    rerank(c: unknown, ctx?: unknown): Promise<Ranked>;
    track(e: unknown, p?: unknown): Promise<boolean>;
  };
  queued: Promise<unknown>[];
  products: CandidateItem[];
};

const server = ownServer(PORT, { SHELF_SITE_KEYS: `${OTHER_KEY},${KEY}` });
const pending = () => server.pending();

/** Opens a shop page with the SDK configured with `siteKey` (or none), ranks, browses, and flushes once. */
async function browseAndFlush(page: Page, siteKey: string | null, db: string) {
  const shelf = server.base;
  const items = await products(shelf, 12);
  // Every request of the page and its workers (the engine's ticket and upload included).
  const seen: Request[] = [];
  page.context().on('request', (r) => seen.push(r));
  const init = { serverUrl: `${shelf}/`, dbName: db, timeoutMs: 10_000, trainEvery: 100_000, uploadMinExamples: 1, uploadMinIntervalMs: 0, modelCheckIntervalMs: 0, autoCapture: false, ...(siteKey ? { siteKey } : {}) };
  const { close } = await openShop(page, { shelf, products: items, after: `window.queued = [shelf.init(${JSON.stringify(init)})];` });
  await page.evaluate(() => Promise.all((window as unknown as Win).queued));
  const rank = () => page.evaluate(() => (window as unknown as Win).shelf.rerank((window as unknown as Win).products, { listId: 'home', timeoutMs: 10_000 }));
  for (const p of items.slice(3, 7)) {
    const item = { item_id: p.id, item_list_id: 'home', item_vector: p.vector };
    expect(await page.evaluate((it) => (window as unknown as Win).shelf.track('view_item', { items: [it] }), item)).toBe(true);
  }
  const ranked = await rank();
  expect(ranked.source, ranked.reason ?? '').toBe('model');
  const flushed = await page.evaluate(() => (window as unknown as Win).shelf.flush());
  expect(flushed?.trainedSteps ?? 0).toBeGreaterThan(0);
  const api = (suffix: string) => seen.filter((r) => r.method() === 'POST' && r.url() === `${shelf}${suffix}`);
  return { flushed, rank, close, api, shelf };
}

test('with the right site key the worker sends it on the ticket request and the upload, and the update is stored', async ({ page }) => {
  const before = await pending();
  const { flushed, api, close } = await browseAndFlush(page, KEY, `sdk-e2e-site-key-right-${Date.now()}`);
  expect(flushed).toMatchObject({ uploaded: true, status: 200 });
  const tickets = api('/v1/rounds/current/ticket');
  const uploads = api('/v1/updates');
  expect(tickets).toHaveLength(1);
  expect(uploads).toHaveLength(1);
  for (const r of [...tickets, ...uploads]) {
    expect((await r.allHeaders())['x-shelf-site-key']).toBe(KEY);
    expect(r.url()).not.toContain(KEY);
  }
  expect(await pending()).toBe(before + 1);
  const s = await page.evaluate(() => (window as unknown as Win).shelf.status());
  expect(s.engine).toMatchObject({ uploads: 1, uploadsStopped: null });
  await close();
});

for (const [name, key] of [
  ['a wrong site key', 'pk_not_this_shop_1'],
  ['no site key', null],
] as const) {
  test(`with ${name} the page keeps ranking, nothing throws, uploads stop after one 401 and the server stores nothing`, async ({ page }) => {
    const before = await pending();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const { flushed, api, rank, close } = await browseAndFlush(page, key, `sdk-e2e-site-key-${key ? 'wrong' : 'none'}-${Date.now()}`);
    expect(flushed).toMatchObject({ uploaded: false, status: 401 });
    expect(flushed?.reason).toMatch(/site key.*until the page reloads/);
    expect(api('/v1/rounds/current/ticket')).toHaveLength(1);
    expect(api('/v1/updates')).toHaveLength(0);
    const ticket = api('/v1/rounds/current/ticket')[0]!;
    expect((await ticket.allHeaders())['x-shelf-site-key']).toBe(key ?? undefined);
    expect((await ticket.response())?.status()).toBe(401);

    // Status says so; a second flush sends nothing; ranking still comes from the model.
    const s = await page.evaluate(() => (window as unknown as Win).shelf.status());
    expect(s.mode).toBe('worker');
    expect(s.engine?.uploadsStopped).toMatch(/site key.*until the page reloads/);
    const again = await page.evaluate(() => (window as unknown as Win).shelf.flush());
    expect(again).toMatchObject({ uploaded: false, status: null });
    await page.waitForTimeout(2_500); // longer than the uploader's first backoff: no retry may follow
    expect(api('/v1/rounds/current/ticket')).toHaveLength(1);
    expect(api('/v1/updates')).toHaveLength(0);
    const r = await rank();
    expect(r.source).toBe('model');
    expect(r.items.some((i) => i.score !== null)).toBe(true);

    expect(errors).toEqual([]);
    expect(await pending()).toBe(before);
    await close();
  });
}

// Federated learning end to end under secure aggregation, with both aggregators as real processes (the server
// and the helper aggregator, each with its own data): a visitor who trains and closes the tab mid-round and one who
// takes a ticket and vanishes do not stall the round; K visitors upload reports through the real worker; every
// request each page makes (the worker's included) is captured with its body and checked to carry no item id,
// event time or event from the visitor's history, and each upload is a report whose leader share is uniformly
// random (the server never sees a plain update); the two aggregators publish version N+1 (distributed-Skellam
// privacy, no counts) and reloaded pages load it; a rollback through the admin API makes pages load N again.
import { expect, test, type BrowserContext, type Page, type Request } from '@playwright/test';
import { KEEPALIVE_LIMIT_BYTES } from '../src/shared/federated/wire.js';
import { decodeReport } from '../src/shared/secure-aggregation/report-wire.js';
import { openDemo, pickUnderrankedCategory, readStoredEvents, viewItem } from './demo-page.js';
import { E2E_ADMIN_TOKEN, E2E_MIN_UPDATES } from './settings.js';

type FlushResult = { uploaded: boolean; status: number | null; published: number | null; examples: number; reason: string | null };
type Status = { modelVersion: number | null };
interface Captured {
  url: string;
  method: string;
  contentType: string;
  body: Buffer | null;
}

const MODEL = 'shelf-demo';

function capture(context: BrowserContext): Captured[] {
  const seen: Captured[] = [];
  const record = (r: Request) =>
    seen.push({ url: r.url(), method: r.method(), contentType: r.headers()['content-type'] ?? '', body: r.postDataBuffer() });
  context.on('request', record);
  return seen;
}

async function modelVersion(page: Page): Promise<number | null> {
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 90_000 });
  return (await page.evaluate(() => (window as unknown as { shelf: { status(): Promise<Status> } }).shelf.status())).modelVersion;
}

test('K visitors upload private updates, version N+1 is published and loaded, a rollback brings N back', async ({ browser, request }) => {
  const before = (await (await request.get(`/models/${MODEL}/latest.json`)).json()) as { version: number };
  // A clean round: an earlier spec may have left an update in the open one (K = 2), which the first visitor here would
  // complete. Making the current version current again supersedes that round and opens an empty one (admin API).
  const fresh = await request.post(`/v1/admin/models/${MODEL}/current`, { data: { version: before.version }, headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}` } });
  expect(fresh.status()).toBe(200);
  // A visitor who trains and closes the tab before uploading, and one who takes a ticket and is never heard of again.
  {
    const context = await browser.newContext();
    const page = await context.newPage();
    await openDemo(page, { trainEvery: '1', uploadMinExamples: '1000', db: 'shelf-e2e-federated-gone' });
    const { ids } = await pickUnderrankedCategory(page, 3, 5);
    for (const id of ids.slice(0, 3)) await viewItem(page, id);
    await context.close();
    expect((await request.post('/v1/rounds/current/ticket')).status()).toBe(200);
  }
  const pages: Page[] = [];
  for (let k = 0; k < E2E_MIN_UPDATES; k++) {
    const context = await browser.newContext();
    const requests = capture(context);
    const page = await context.newPage();
    const db = `shelf-e2e-federated-${k}`;
    await openDemo(page, { trainEvery: '100000', uploadMinExamples: '1', db });
    const { ids } = await pickUnderrankedCategory(page, 3, 5);
    for (const id of ids.slice(0, 3)) await viewItem(page, id);
    const result = await page.evaluate(() => (window as unknown as { shelf: { flush(): Promise<FlushResult> } }).shelf.flush());
    expect(result.uploaded, result.reason ?? '').toBe(true);
    expect(result.status).toBe(200);

    // What the visitor did, as stored in this browser.
    const events = await readStoredEvents(page, db);
    expect(events.length).toBeGreaterThanOrEqual(3);
    const secrets = new Set<string>();
    for (const e of events) {
      secrets.add(e.itemId);
      secrets.add(String(e.at));
      secrets.add(String(Math.floor(e.at / 1000)));
      secrets.add(new Date(e.at).toISOString().slice(0, 19));
    }
    const uploads = requests.filter((r) => r.url.endsWith('/v1/updates'));
    expect(uploads).toHaveLength(1);
    for (const r of requests) {
      const text = r.body ? r.body.toString('latin1') : '';
      for (const s of secrets) {
        expect(decodeURIComponent(r.url), `${r.method} ${r.url} carries '${s}'`).not.toContain(s);
        expect(text, `body of ${r.method} ${r.url} carries '${s}'`).not.toContain(s);
      }
    }
    // The upload is a secure-aggregation report and nothing else; the server's share of it is uniformly random:
    // a plain update's small values would put nearly every top byte at 0x00 or 0xff.
    const up = uploads[0]!;
    expect(up.contentType).toBe('application/octet-stream');
    expect(up.body!.byteLength).toBeLessThanOrEqual(KEEPALIVE_LIMIT_BYTES);
    const report = decodeReport(new Uint8Array(up.body!));
    expect(report.baseVersion).toBe(before.version);
    const topBytes = new Array<number>(16).fill(0);
    for (const v of report.leaderShare) topBytes[v >>> 28]!++;
    const expected = report.leaderShare.length / 16;
    const chi = topBytes.reduce((t, c) => t + (c - expected) ** 2 / expected, 0);
    expect(chi, `top nibbles of the server's share: ${topBytes.join(',')}`).toBeLessThan(45); // χ²(15) 99.99% ≈ 44
    pages.push(page);
  }

  // The K-th report closed the round; the two aggregators publish it moments later.
  type Latest = { version: number; parent: number; lineage: Record<string, unknown>; privacy: { epsilon: number | null; delta: number; rounds: number; mechanism?: string } };
  const latest = async () => (await (await request.get(`/models/${MODEL}/latest.json`)).json()) as Latest;
  await expect.poll(async () => (await latest()).version, { timeout: 60_000 }).toBe(before.version + 1);
  const after = await latest();
  expect(after).toMatchObject({ version: before.version + 1, parent: before.version, privacy: { mechanism: 'distributed-skellam' } });
  expect(after.lineage).not.toHaveProperty('updates');
  expect(after.lineage).not.toHaveProperty('examples');
  expect(after.privacy.delta).toBe(1e-5);
  expect(after.privacy.epsilon).toBeGreaterThan(0);
  expect(await modelVersion(pages[0]!)).toBe(before.version + 1);

  // Roll back through the admin API: refused without the token, done with it; pages then load version N.
  const url = `/v1/admin/models/${MODEL}/current`;
  expect((await request.post(url, { data: { version: before.version } })).status()).toBe(401);
  expect((await request.post(url, { data: { version: before.version }, headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status()).toBe(403);
  const rolled = await request.post(url, { data: { version: before.version }, headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}` } });
  expect(rolled.status()).toBe(200);
  expect(await rolled.json()).toEqual({ model: MODEL, previous: before.version + 1, current: before.version });
  expect(((await (await request.get(`/models/${MODEL}/latest.json`)).json()) as { version: number }).version).toBe(before.version);
  expect(await modelVersion(pages[1]!)).toBe(before.version);
  for (const p of pages) await p.context().close();
});

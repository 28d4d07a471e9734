// A shop from its files to re-ranked pages, with the `shelf` command and nothing else: a Merchant Center TSV feed and
// an order history of a made-up shop (items of four categories no demo code knows, sessions that stay within a
// category) are imported, trained on and published to the running server by `node bin/shelf.js`; a third-party page
// on its own origin under a strict CSP, with only `data-shelf-item-id` and GA4 events, is then re-ranked by that
// model with vectors the engine fetched, and the items of the category the visitor viewed come first.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { E2E_ADMIN_TOKEN } from './settings.js';
import { openShop, strictCsp } from './sdk-shop.js';

type Result = { source: string; items: { id: string }[] };
type Win = { queued: Promise<unknown>[]; shelf: { rerankElements(sel: string): Promise<Result | null>; status(): Promise<{ mode: string }> } };

const RUN = Date.now().toString(36);
const MODEL = `cli-shop-${RUN}`;
const CATEGORIES = ['Lamps', 'Rugs', 'Kettles', 'Tents'];
const PER_CATEGORY = 12;
const ITEMS = CATEGORIES.flatMap((c, ci) => Array.from({ length: PER_CATEGORY }, (_, i) => ({ id: `MS-${ci}${String(i).padStart(2, '0')}`, category: c, title: `${c.slice(0, -1)} model ${i}` })));

/** A deterministic history: 600 sessions, each browsing and buying within one category. */
function history(): string {
  let s = 7;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const rows = ['session_id,item_id,event_type,timestamp'];
  let t = Date.parse('2026-10-01T00:00:00Z');
  for (let k = 0; k < 600; k++) {
    const c = Math.floor(rand() * CATEGORIES.length);
    const n = 3 + Math.floor(rand() * 5);
    for (let e = 0; e < n; e++) {
      const item = ITEMS[c * PER_CATEGORY + Math.floor(rand() * PER_CATEGORY)]!;
      rows.push(`s${k},${item.id},${e === n - 1 ? 'purchase' : 'view_item'},${new Date((t += 60_000)).toISOString()}`);
    }
  }
  return rows.join('\n') + '\n';
}

test('shelf import, train and publish a shop no demo code knows; its page is re-ranked with only ids in its HTML', async ({ page, baseURL }) => {
  test.setTimeout(300_000);
  const shelf = baseURL!;
  const dir = mkdtempSync(path.join(tmpdir(), 'shelf-e2e-cli-'));
  try {
    const feed = ['id\ttitle\tprice\tproduct_type\tavailability', ...ITEMS.map((x, i) => `${x.id}\t${x.title}\t${(10 + i).toFixed(2)} EUR\tHome > ${x.category}\tin_stock`)].join('\n') + '\n';
    writeFileSync(path.join(dir, 'feed.tsv'), feed);
    writeFileSync(path.join(dir, 'history.csv'), history());
    const shelfCli = (...args: string[]) =>
      execFileSync(process.execPath, [path.resolve('bin/shelf.js'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, SHELF_ADMIN_TOKEN: E2E_ADMIN_TOKEN }, timeout: 240_000 });
    shelfCli('import', 'feed', 'feed.tsv', '--out', 'shop');
    shelfCli('import', 'history', 'history.csv', '--out', 'shop');
    shelfCli('train', '--in', 'shop', '--name', MODEL, '--space', MODEL, '--epochs', '4', '--no-progress', '--no-smoothing');
    const published = shelfCli('publish', '--server', shelf, 'shop/bundle');
    expect(published).toContain(MODEL);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // The shop's page: a category list of every item, ids only; the visitor viewed three tents (GA4 events).
  const viewed = ITEMS.filter((x) => x.category === 'Tents').slice(0, 3).map((x) => x.id);
  const cards = ITEMS.map((x) => `<li data-shelf-item-id="${x.id}">${x.title}</li>`).join('');
  const ga4 = viewed.map((id) => `dataLayer.push({ event: 'view_item', ecommerce: { items: [{ item_id: ${JSON.stringify(id)} }] } });`).join('\n');
  await openShop(page, {
    shelf,
    csp: strictCsp(shelf),
    before: `window.dataLayer = window.dataLayer || [];\n${ga4}`,
    body: `<h1>Everything</h1><ol id="category" data-shelf-list-id="category:all">${cards}</ol>`,
    after: `window.queued = [shelf.init({ serverUrl: ${JSON.stringify(`${shelf}/`)}, model: ${JSON.stringify(MODEL)}, dbName: ${JSON.stringify(`cli-${RUN}`)}, timeoutMs: 10000, autoCapture: false, trainEvery: 1000 })];`,
  });
  await page.evaluate(() => Promise.all((window as unknown as Win).queued));
  let result: Result | null = null;
  await expect
    .poll(async () => {
      result = await page.evaluate(() => (window as unknown as Win).shelf.rerankElements('#category'));
      return result?.source;
    }, { timeout: 30_000 })
    .toBe('model');
  // The trained model puts the viewed category first: most of the top 8 are tents (4 of 48 items would be chance).
  const top = (result as unknown as Result).items.slice(0, 8).map((i) => ITEMS.find((x) => x.id === i.id)!.category);
  expect(top.filter((c) => c === 'Tents').length, top.join(',')).toBeGreaterThanOrEqual(5);
});

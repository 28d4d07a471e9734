// Shops that cannot change their templates: product cards marked with data-shelf-* attributes are re-ordered
// in place by rerankElements (other elements keep their slots), clicks become select_item events carrying the
// rerankId, cards seen for a second become impressions, and a product page's dwell becomes a view_item.
import { expect, test } from '@playwright/test';
import { readStoredEvents } from './demo-page.js';
import { openShop, products, strictCsp } from './sdk-shop.js';

test('rerankElements re-orders cards in place; clicks, impressions and dwell are captured from attributes', async ({ page, baseURL }) => {
  const shelf = baseURL!;
  const items = await products(shelf, 8);
  const db = `sdk-e2e-dom-${Date.now()}`;
  const card = (p: (typeof items)[number]) =>
    `<li class="card" data-shelf-item-id="${p.id}" data-shelf-vector="${JSON.stringify(p.vector).replace(/"/g, '&quot;')}"><a href="#${p.id}">${p.id}</a></li>`;
  const cards = items.map(card);
  cards.splice(2, 0, '<li class="banner">ad</li>');
  const { close } = await openShop(page, {
    shelf,
    csp: strictCsp(shelf),
    body: `<main data-shelf-product-page data-shelf-item-id="${items[0]!.id}">product page</main>
      <ol id="grid" data-shelf-list-id="also-viewed" style="margin:0">${cards.join('')}</ol>`,
    after: `window.queued = [
      shelf.init({ serverUrl: ${JSON.stringify(`${shelf}/`)}, dbName: ${JSON.stringify(db)}, timeoutMs: 10000, dwellMs: 300 }),
      shelf.track('view_item', { items: [{ item_id: ${JSON.stringify(items[5]!.id)}, item_vector: ${JSON.stringify(items[5]!.vector)} }] }),
      shelf.rerankElements('#grid'),
    ];`,
  });
  const result = (await page.evaluate(() => Promise.all((window as unknown as { queued: Promise<unknown>[] }).queued)))[2] as {
    source: string;
    rerankId: string;
    items: { id: string; score: number | null }[];
  };
  expect(result.source).toBe('model');
  const dom = await page.locator('#grid > li').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['shelfItemId'] ?? 'banner'));
  const expected = result.items.map((i) => i.id);
  expected.splice(2, 0, 'banner');
  expect(dom).toEqual(expected);
  await expect(page.locator('#grid')).toHaveAttribute('data-shelf-rerank-id', result.rerankId);
  await expect(page.locator('#grid')).toHaveAttribute('data-shelf-source', 'model');

  const first = result.items[0]!.id;
  await page.locator(`#grid [data-shelf-item-id="${first}"] a`).click();
  await expect
    .poll(async () => (await readStoredEvents(page, db)).map((e) => e.type).sort(), { timeout: 10_000 })
    .toEqual(['select_item', 'view_item', 'view_item', 'view_item_list']);
  const stored = await readStoredEvents(page, db);
  expect(stored.find((e) => e.type === 'select_item')).toMatchObject({ itemId: first, listId: 'also-viewed', position: 0, rerankId: result.rerankId });
  expect(stored.find((e) => e.type === 'view_item_list')).toMatchObject({ listId: 'also-viewed' });
  expect(stored.filter((e) => e.type === 'view_item').map((e) => e.itemId).sort()).toEqual([items[0]!.id, items[5]!.id].sort());
  await close();
});

test("the built example shop (same origin as Shelf: the worker starts directly) re-orders its cards", async ({ page }) => {
  page.on('pageerror', (err) => {
    throw new Error(`uncaught error in the page: ${err.message}`);
  });
  await page.goto('/sdk/example.html');
  // A new visitor: the list is the shop's (cold start), and says so.
  await expect(page.locator('#products')).toHaveAttribute('data-shelf-source', /^(model|fallback)$/, { timeout: 30_000 });
  const s = await page.evaluate(() => (window as unknown as { shelf: { status(): Promise<{ mode: string }> } }).shelf.status());
  expect(s.mode).toBe('worker');
  await expect(page.locator('#products > li')).toHaveCount(24);
});

// A GA4 shop with the documented setup: it pushes `view_item_list` and `select_item` to the dataLayer and also
// marks its cards with data-shelf-item-id (auto-capture on, the default). Each click and each impression must
// be recorded once, not once per source.
import { expect, test } from '@playwright/test';
import { readStoredEvents } from './demo-page.js';
import { openShop, products, strictCsp } from './sdk-shop.js';

test('a click and a list view reported by both GA4 events and data attributes are recorded once', async ({ page, baseURL }) => {
  const shelf = baseURL!;
  const items = await products(shelf, 6);
  const db = `sdk-e2e-ga4-${Date.now()}`;
  const ga4Items = JSON.stringify(items.map((p, i) => ({ item_id: p.id, index: i, item_list_id: 'home' })));
  const cards = items
    .map((p, i) => `<li data-shelf-item-id="${p.id}" data-shelf-vector="${JSON.stringify(p.vector).replace(/"/g, '&quot;')}" data-ga4-index="${i}"><a href="#${p.id}">${p.id}</a></li>`)
    .join('');
  const { close } = await openShop(page, {
    shelf,
    csp: strictCsp(shelf),
    body: `<ol id="grid" data-shelf-list-id="home" style="margin:0">${cards}</ol>`,
    // The shop's own GA4 tagging: a list view on load, a select_item on every card click.
    before: `window.dataLayer = window.dataLayer || [];
      dataLayer.push({ event: 'view_item_list', ecommerce: { item_list_id: 'home', items: ${ga4Items} } });
      document.addEventListener('click', (e) => {
        const card = e.target.closest('[data-shelf-item-id]');
        if (card) dataLayer.push({ event: 'select_item', ecommerce: { item_list_id: 'home', items: [{ item_id: card.dataset.shelfItemId, index: Number(card.dataset.ga4Index) }] } });
      });`,
    after: `shelf.init({ serverUrl: ${JSON.stringify(`${shelf}/`)}, dbName: ${JSON.stringify(db)}, timeoutMs: 10000 });`,
  });
  await page.evaluate(() => (window as unknown as { shelf: { ready(): Promise<unknown> } }).shelf.ready());
  // Impressions from the attributes come after a card has been visible for 1 s.
  await page.waitForTimeout(2_000);
  await page.locator(`#grid [data-shelf-item-id="${items[1]!.id}"] a`).click();
  await expect.poll(async () => (await readStoredEvents(page, db)).filter((e) => e.type === 'select_item').length, { timeout: 10_000 }).toBe(1);
  await page.waitForTimeout(1_500);
  const stored = await readStoredEvents(page, db);
  expect(stored.filter((e) => e.type === 'select_item')).toHaveLength(1);
  expect(stored.find((e) => e.type === 'select_item')).toMatchObject({ itemId: items[1]!.id, listId: 'home' });
  // Every card seen once in all: the GA4 list view counted them, the attributes' impressions add nothing.
  const shown = stored.filter((e) => e.type === 'view_item_list').flatMap((e) => e.shownIds ?? []);
  expect(shown.sort()).toEqual(items.map((p) => p.id).sort());
  await close();
});

// The demo storefront in a real browser, through the script-tag SDK only: browsing one category moves it up in
// Shelf's order, the toggle shows the shop's order beside Shelf's with a "why" on raised cards, the privacy
// panel lists the stored events, and "forget me" empties IndexedDB so the next list is the shop's order.
import { expect, test } from '@playwright/test';
import { categoriesOf, go, lastList, openCard, openShop, renders, screenshotNotBlank } from './demo-shop.js';

const dbNames = (page: import('@playwright/test').Page) => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));

test('browsing a category moves it up in Shelf\'s order; the toggle shows both orders, with why', async ({ page }) => {
  const db = `shop-e2e-${Math.random().toString(36).slice(2)}`;
  await page.setViewportSize({ width: 1400, height: 1000 });
  await openShop(page, { db, consent: 'granted', timeoutMs: '5000', trainEvery: '100000', homeLimit: '48' });
  const cold = (await lastList(page))!;
  expect(cold.source).toBe('fallback');
  expect(cold.reason).toBe('cold_start');
  expect(cold.shelfOrder).toEqual(cold.serverOrder);

  // A category with at least 3 products in the shop's list and none in Shelf's top 5.
  const cats = await categoriesOf(page, cold.serverOrder);
  const top = new Set(cats.slice(0, 5));
  const counts = new Map<string, string[]>();
  cold.serverOrder.forEach((id, i) => counts.set(cats[i]!, [...(counts.get(cats[i]!) ?? []), id]));
  const [category, ids] = [...counts].find(([c, v]) => v.length >= 3 && !top.has(c))!;

  // Open three of its products by clicking their cards (select_item from the card's attributes, view_item from
  // the shop's dataLayer), coming back home in between.
  for (const id of ids.slice(0, 3)) {
    await openCard(page, id);
    await expect(page.locator('#list-shelf')).toHaveAttribute('data-shelf-source', /model|fallback/);
    await go(page, '#/');
  }
  const warm = (await lastList(page))!;
  expect(warm.source).toBe('model');
  expect(warm.serverOrder).toEqual(cold.serverOrder);
  const topAfter = await categoriesOf(page, warm.shelfOrder.slice(0, 5));
  expect(topAfter.filter((c) => c === category).length).toBeGreaterThanOrEqual(3);

  // The toggle: both orders on screen, the shop's one unchanged.
  await expect(page.locator('#list-server')).toBeHidden();
  await page.locator('#compare').check();
  await expect(page.locator('#list-server')).toBeVisible();
  const serverShown = await page.locator('#list-server li.card').evaluateAll((c) => c.map((e) => (e as HTMLElement).dataset['id']));
  const shelfShown = await page.locator('#list-shelf li.card').evaluateAll((c) => c.map((e) => (e as HTMLElement).dataset['id']));
  expect(serverShown).toEqual(warm.serverOrder);
  expect(shelfShown).toEqual(warm.shelfOrder);
  expect(shelfShown).not.toEqual(serverShown);
  // Why: a raised card of that category names the visitor's recent products of it.
  const raised = page.locator(`#list-shelf li.card.raised[data-category="${category}"] .why`).first();
  await expect(raised).toContainText('like your recent');

  // The privacy panel lists the stored events.
  await page.locator('#privacy-toggle').click();
  await expect(page.locator('#privacy-events')).toContainText('view_item');
  await expect(page.locator('#privacy-events')).toContainText('select_item');
  await screenshotNotBlank(page, 'storefront');
});

test('the consent banner asks first; forget me empties IndexedDB and the next list is the shop\'s order', async ({ page }) => {
  const db = `shop-e2e-${Math.random().toString(36).slice(2)}`;
  await openShop(page, { db, timeoutMs: '5000', trainEvery: '100000' });
  await expect(page.locator('#consent')).toBeVisible();
  expect(await dbNames(page)).not.toContain(db);
  await page.locator('#consent-yes').click();
  await expect(page.locator('#consent')).toBeHidden();
  await expect.poll(async () => (await lastList(page))?.reason).toBe('cold_start');
  await expect.poll(() => renders(page)).toBeGreaterThanOrEqual(2); // the render after the choice has finished

  const first = (await lastList(page))!;
  await openCard(page, first.serverOrder[9]!);
  await go(page, '#/');
  expect((await lastList(page))!.source).toBe('model');
  expect(await dbNames(page)).toContain(db);

  await page.locator('#privacy-toggle').click();
  await expect(page.locator('#privacy-events')).toContainText('view_item');
  const before = Number(await page.evaluate(() => document.body.dataset['renders']));
  await page.locator('#forget-me').click();
  await expect.poll(() => page.evaluate(() => Number(document.body.dataset['renders']))).toBeGreaterThan(before);
  expect(await dbNames(page)).not.toContain(db);
  const after = (await lastList(page))!;
  expect(after.source).toBe('fallback');
  expect(after.shelfOrder).toEqual(after.serverOrder);
  await expect(page.locator('#privacy-body')).toContainText('was deleted');
  // After "Forget me" nothing is granted any more, and no internal code reaches the shopper.
  await expect(page.locator('#privacy-body')).not.toContainText(/granted|given \(/);
  await expect(page.locator('main')).not.toContainText(/cold_start|disabled|consent_denied/);
  await expect(page.locator('#privacy-events tr')).toHaveCount(1);
});

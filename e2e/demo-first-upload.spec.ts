// The README's promise for the demo: with the storefront's defaults (trainEvery 5, uploadMinExamples 10), how
// many products a shopper opens before their device uploads its first update. Each product opened from a card
// is a select_item (the card's click) and a view_item (the shop's dataLayer). The figure the README gives is
// the one this test finds; "Train & upload now" in the privacy panel sends at once.
import { expect, test } from '@playwright/test';
import { go, lastList, openCard, openShop } from './demo-shop.js';

/** Products opened before the first upload, as docs README.md states it. */
const PRODUCTS_BEFORE_FIRST_UPLOAD = 6;

test('the first update is uploaded after the number of product views the README states', async ({ page }) => {
  const db = `shop-e2e-upload-${Math.random().toString(36).slice(2)}`;
  await openShop(page, { db, consent: 'granted', timeoutMs: '5000' });
  const uploads = () => page.evaluate(async () => (await (window as unknown as { shelf: { status(): Promise<{ engine: { uploads: number } | null }> } }).shelf.status()).engine?.uploads ?? 0);
  let views = 0;
  for (let i = 0; i < 12 && (await uploads()) === 0; i++) {
    const list = (await lastList(page))!;
    await openCard(page, list.shelfOrder[i + 3]!);
    views++;
    // Training and the upload run in the workers after the events: give them a moment before looking.
    await page.waitForTimeout(1_500);
    await go(page, '#/');
  }
  await expect.poll(uploads, { timeout: 10_000 }).toBeGreaterThan(0);
  console.log(`first upload after ${views} product views`);
  expect(views).toBe(PRODUCTS_BEFORE_FIRST_UPLOAD);
});

// Drives the demo storefront (index.html) and the operator dashboard in browser tests: open them, navigate,
// read what the page rendered, and check screenshots are not blank.
import { expect, type Page } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ListOutcome } from '../src/demo/shop/lists.js';

/** What the storefront's last list render did, as the page reports it. */
export type ShopList = ListOutcome;

export const renders = (page: Page) => page.evaluate(() => (window as unknown as { shelfShop: { renders(): number } }).shelfShop.renders());
export const lastList = (page: Page) => page.evaluate(() => (window as unknown as { shelfShop: { last(): ShopList | null } }).shelfShop.last());

/** Opens the storefront with URL parameters and waits for its first list. */
export async function openShop(page: Page, params: Record<string, string>, hash = ''): Promise<void> {
  page.on('pageerror', (err) => {
    throw new Error(`uncaught error in the page: ${err.message}`);
  });
  await page.goto(`/?${new URLSearchParams(params)}${hash}`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 90_000 });
}

/** Goes to a hash route and waits for that page's render. */
export async function go(page: Page, hash: string): Promise<void> {
  const before = await renders(page);
  await page.evaluate((h) => (location.hash = h), hash);
  await expect.poll(() => renders(page)).toBeGreaterThan(before);
}

/** Clicks a card of Shelf's list and waits for the product page's render to finish (its own list included). */
export async function openCard(page: Page, id: string): Promise<void> {
  const before = await renders(page);
  await page.locator(`#list-shelf li.card[data-id="${id}"] a`).click();
  await expect.poll(() => renders(page)).toBeGreaterThan(before);
  await expect(page.locator(`article.product[data-id="${id}"]`)).toBeVisible();
}

/** The categories of the ids, from the cards on the page. */
export async function categoriesOf(page: Page, ids: readonly string[]): Promise<string[]> {
  const map = await page.locator('#list-server li.card').evaluateAll((cards) => Object.fromEntries(cards.map((c) => [(c as HTMLElement).dataset['id'], (c as HTMLElement).dataset['category']])));
  return ids.map((id) => map[id] as string);
}

/**
 * Writes a screenshot to test-results/screenshots/<name>.png — or, with SHELF_UPDATE_SCREENSHOTS=1, to the tracked
 * docs/screenshots/<name>.png the README shows — and checks it is not blank: decoded in the page, at least
 * `minColors` distinct colours among sampled pixels. A plain `npm test` never rewrites a tracked file.
 */
export async function screenshotNotBlank(page: Page, name: string, minColors = 12): Promise<string> {
  const buf = await page.screenshot({ fullPage: false });
  const dir = process.env['SHELF_UPDATE_SCREENSHOTS'] === '1' ? path.join(process.cwd(), 'docs', 'screenshots') : path.join(process.cwd(), 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  writeFileSync(file, buf);
  const colors = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < data.length; i += 4 * 97) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    return seen.size;
  }, buf.toString('base64'));
  expect(colors, `${name}.png looks blank`).toBeGreaterThanOrEqual(minColors);
  return file;
}

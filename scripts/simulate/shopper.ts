// One simulated shopper's session on the storefront in its own browser context (a new visitor: empty
// IndexedDB), through what a person would do — clicks on cards, the product page, the cart — so Shelf sees
// them only through the script-tag SDK. Records, after each product view, how much of Shelf's top 5 on the
// home page is the wanted category, and at the end trains and uploads (shelf.flush(), the SDK's public call).
import type { Browser, Page } from '@playwright/test';
import { choose, rng, top5Share, wantedAt, type SimProduct, type Taste } from './taste.js';

export interface SessionOptions {
  readonly baseURL: string;
  readonly views: number;
  /** Cards a shopper looks at on a list before giving up and going to the category page. */
  readonly look: number;
  readonly seed: number;
  readonly shopParams: Record<string, string>;
  /** Train and upload at the end (false for evaluation probes). Default true. */
  readonly flush?: boolean;
}

export interface SessionResult {
  readonly taste: Taste;
  /** Model version used by the home list after each view (null: the shop's order was kept). */
  readonly versions: (number | null)[];
  /** Share of Shelf's home top 5 in the wanted category after each view (index 0: before any view). */
  readonly share: number[];
  /** Same for the shop's own order (the baseline). */
  readonly serverShare: number[];
  /** Views until the first category filled the top 5 (null: never), and after the shift for the new one. */
  readonly viewsToFill: number | null;
  readonly viewsToFillAfterShift: number | null;
  readonly uploaded: boolean;
  readonly published: number | null;
  readonly error?: string;
}

type ShopList = { source: string; modelVersion: number | null; serverOrder: string[]; shelfOrder: string[] };
const last = (page: Page) => page.evaluate(() => (window as unknown as { shelfShop: { last(): ShopList | null } }).shelfShop.last());
const renders = (page: Page) => page.evaluate(() => (window as unknown as { shelfShop: { renders(): number } }).shelfShop.renders());

async function waitRender(page: Page, before: number): Promise<void> {
  await page.waitForFunction((b) => (window as unknown as { shelfShop: { renders(): number } }).shelfShop.renders() > b, before, { timeout: 60_000 });
}

async function go(page: Page, hash: string): Promise<void> {
  const before = await renders(page);
  await page.evaluate((h) => (location.hash = h), hash);
  await waitRender(page, before);
}

async function clickCard(page: Page, id: string): Promise<void> {
  const before = await renders(page);
  await page.locator(`#list-shelf li.card[data-id="${id}"] a`).click();
  await waitRender(page, before);
}

export async function runSession(browser: Browser, products: readonly SimProduct[], taste: Taste, o: SessionOptions): Promise<SessionResult> {
  const random = rng(o.seed);
  const byId = new Map(products.map((p) => [p.id, p]));
  const context = await browser.newContext({ baseURL: o.baseURL, viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const versions: (number | null)[] = [];
  const share: number[] = [];
  const serverShare: number[] = [];
  let viewsToFill: number | null = null;
  let viewsToFillAfterShift: number | null = null;
  let uploaded = false;
  let published: number | null = null;
  try {
    const db = `sim-${o.seed}`;
    await page.goto(`/?${new URLSearchParams({ ...o.shopParams, db, consent: 'granted' })}`);
    await page.waitForFunction(() => document.body.dataset['ready'] === 'true', undefined, { timeout: 120_000 });
    const measure = async (view: number) => {
      const l = (await last(page))!;
      const want = wantedAt(taste, view);
      versions.push(l.source === 'model' ? l.modelVersion : null);
      share.push(top5Share(l.shelfOrder, byId, want));
      serverShare.push(top5Share(l.serverOrder, byId, want));
      return l;
    };
    let list = await measure(0);
    const seen = new Set<string>();
    for (let v = 0; v < o.views; v++) {
      const want = wantedAt(taste, v);
      const band = taste.band;
      let pick = choose(list.shelfOrder.map((id) => byId.get(id)!), want, band, seen, products, o.look);
      if (!pick) {
        await go(page, `#/c/${want}`);
        const cat = (await last(page))!;
        pick = choose(cat.shelfOrder.map((id) => byId.get(id)!), want, band, seen, products, 50) ?? byId.get(cat.shelfOrder[0]!)!;
      }
      seen.add(pick.id);
      await clickCard(page, pick.id);
      if (random() < 0.25) await page.locator('#add-to-cart').click();
      await go(page, '#/');
      list = await measure(v + 1);
      const full = share.at(-1) === 1;
      if (taste.shift && v + 1 > taste.shift.atView) {
        if (full && viewsToFillAfterShift === null) viewsToFillAfterShift = v + 1 - taste.shift.atView;
      } else if (full && viewsToFill === null) viewsToFill = v + 1;
    }
    if (o.flush === false) return { taste, versions, share, serverShare, viewsToFill, viewsToFillAfterShift, uploaded, published };
    const r = await page.evaluate(() => (window as unknown as { shelf: { flush(): Promise<{ uploaded: boolean; published: number | null } | null> } }).shelf.flush());
    const s = await page.evaluate(() => (window as unknown as { shelf: { status(): Promise<{ engine: { uploads: number } | null }> } }).shelf.status());
    uploaded = (r?.uploaded ?? false) || (s.engine?.uploads ?? 0) > 0;
    published = r?.published ?? null;
    return { taste, versions, share, serverShare, viewsToFill, viewsToFillAfterShift, uploaded, published };
  } catch (err) {
    return { taste, versions, share, serverShare, viewsToFill, viewsToFillAfterShift, uploaded, published, error: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  } finally {
    await context.close();
  }
}

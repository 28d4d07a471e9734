// Drives the demo shop page in tests: open it, act on product cards, read what Shelf shows and stores.
import { expect, type Page } from '@playwright/test';
import type { StoredEvent } from '../src/shared/engine-api.js';
import type { CandidateItem } from '../src/shared/protocol.js';

export interface DemoState {
  source: 'model' | 'fallback';
  reason: string | null;
  backend: string | null;
  modelVersion: number | null;
  items: { id: string; category: string; score: number | null; serverRank: number }[];
}

/** Opens the demo with URL parameters and waits for its first render. */
export async function openDemo(page: Page, params: Record<string, string>): Promise<void> {
  page.on('pageerror', (err) => {
    throw new Error(`uncaught error in the page: ${err.message}`);
  });
  await page.goto(`/lab.html?${new URLSearchParams(params)}`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 90_000 });
}

export async function renders(page: Page): Promise<number> {
  return Number(await page.locator('body').getAttribute('data-renders'));
}

/** The demo's latest rerank result, as the page sees it. */
export async function demoState(page: Page): Promise<DemoState> {
  return page.evaluate(() => {
    const last = (window as unknown as { shelfDemo: { last(): { source: 'model' | 'fallback'; reason: string | null; backend: string | null; modelVersion: number | null; items: { id: string; item: { category: string }; score: number | null; serverRank: number }[] } } }).shelfDemo.last();
    return {
      source: last.source,
      reason: last.reason,
      backend: last.backend,
      modelVersion: last.modelVersion,
      items: last.items.map((r) => ({ id: r.id, category: r.item.category, score: r.score, serverRank: r.serverRank })),
    };
  });
}

export async function demoCandidates(page: Page): Promise<CandidateItem[]> {
  return page.evaluate(() => (window as unknown as { shelfDemo: { candidates: CandidateItem[] } }).shelfDemo.candidates);
}

/** Clicks "View" on a card of the shop's list and waits for Shelf's list to be re-ranked. */
export async function viewItem(page: Page, itemId: string): Promise<void> {
  const before = await renders(page);
  await page.locator(`#server-list .card[data-item-id="${itemId}"] button[data-action="view"]`).click();
  await expect.poll(() => renders(page)).toBeGreaterThan(before);
}

/** A category shown in the shop's list with at least `min` items, none of them in Shelf's top `top`. */
export async function pickUnderrankedCategory(page: Page, min: number, top: number): Promise<{ category: string; ids: string[] }> {
  const shown = await page.locator('#server-list .card').evaluateAll((cards) =>
    cards.map((c) => ({ id: (c as HTMLElement).dataset['itemId']!, category: (c as HTMLElement).dataset['category']! })),
  );
  const state = await demoState(page);
  const topCats = new Set(state.items.slice(0, top).map((i) => i.category));
  const groups = new Map<string, string[]>();
  for (const s of shown) groups.set(s.category, [...(groups.get(s.category) ?? []), s.id]);
  const pick = [...groups].find(([cat, ids]) => ids.length >= min && !topCats.has(cat));
  if (!pick) throw new Error('no category fits the test; the demo catalogue changed');
  return { category: pick[0], ids: pick[1] };
}

/** Reads the events Shelf stored in this origin's IndexedDB, straight from the page. */
export async function readStoredEvents(page: Page, dbName: string): Promise<StoredEvent[]> {
  return page.evaluate(
    (name) =>
      new Promise<StoredEvent[]>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const req = db.transaction('events').objectStore('events').getAll();
          req.onsuccess = () => {
            db.close();
            resolve(req.result as StoredEvent[]);
          };
          req.onerror = () => reject(req.error);
        };
      }),
    dbName,
  );
}

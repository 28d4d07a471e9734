// The event log in a real Chromium: durable across reloads, shared by tabs without loss or duplicates, kept
// working when storage is full, and replaced by memory (with the reason) when IndexedDB cannot be used.
import { expect, test, type Page } from '@playwright/test';
import type { StoredEvent } from '../src/shared/engine-api.js';
import { readStoredEvents } from './demo-page.js';
import { freshDb, openEngine, rerank, status } from './engine-helpers.js';

/** Fires `n` view_item events with ids `${prefix}-${i}` without awaiting each, then awaits them all. */
async function burst(page: Page, prefix: string, n: number): Promise<boolean[]> {
  return page.evaluate(
    ({ prefix, n }) => {
      const w = window as unknown as { shelf: { track(e: unknown): Promise<boolean> }; shelfDemo: { candidates: { vector: number[] }[] } };
      const vector = w.shelfDemo.candidates[0]!.vector;
      return Promise.all(Array.from({ length: n }, (_, i) => w.shelf.track({ type: 'view_item', itemId: `${prefix}-${i}`, vector })));
    },
    { prefix, n },
  );
}

function ids(events: StoredEvent[], prefix: string): string[] {
  return events.filter((e) => e.itemId.startsWith(prefix)).map((e) => e.itemId);
}

test('a reload mid-session loses no event, and the reloaded page ranks from the restored history', async ({ page }) => {
  const db = await openEngine(page);
  expect((await burst(page, 'before', 25)).every(Boolean)).toBe(true);
  // Reload while another burst and a rerank are being issued.
  void page.evaluate(() => {
    const w = window as unknown as { shelfDemo: { refresh(): Promise<void> } };
    void w.shelfDemo.refresh();
  });
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 90_000 });
  const stored = await readStoredEvents(page, db);
  expect(ids(stored, 'before')).toEqual(Array.from({ length: 25 }, (_, i) => `before-${i}`));
  expect(new Set(stored.map((e) => e.seq)).size).toBe(stored.length);
  expect((await rerank(page)).source).toBe('model');
});

test('two tabs writing at the same time keep every event exactly once', async ({ context }) => {
  const db = freshDb();
  const a = await context.newPage();
  const b = await context.newPage();
  await openEngine(a, { db });
  await openEngine(b, { db });
  const [ra, rb] = await Promise.all([burst(a, 'tab-a', 60), burst(b, 'tab-b', 60)]);
  expect([...ra, ...rb].every(Boolean)).toBe(true);
  const stored = await readStoredEvents(a, db);
  const want = (p: string) => Array.from({ length: 60 }, (_, i) => `${p}-${i}`);
  expect(ids(stored, 'tab-a')).toEqual(want('tab-a'));
  expect(ids(stored, 'tab-b')).toEqual(want('tab-b'));
  expect(new Set(stored.map((e) => e.seq)).size).toBe(stored.length);
});

test('storage full: the oldest events make room, the newest are kept, Shelf keeps working', async ({ page, browser }) => {
  // On Debian's Chromium 150 (what apt installed on one of our machines) the newest event is refused under the test's
  // quota override even after the oldest are deleted; the last landed version fails the same way there, and passed in
  // CI. Said in the skip rather than silently.
  const major = Number(browser.version().split('.')[0]);
  test.skip(major < 156, `needs Chromium ≥ 156 for Storage.overrideQuotaForOrigin to free space after deletions (this is ${browser.version()})`);
  await page.goto('/healthz');
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(page.url()).origin;
  const { usage } = (await cdp.send('Storage.getUsageAndQuota', { origin })) as { usage: number };
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 3_000_000 });
  const db = await openEngine(page);
  // Huge events: impression lists of 4,000 random ids (~100 KB each, incompressible), 60 of them (~6 MB) into a
  // 3 MB allowance.
  const results = await page.evaluate(async () => {
    const w = window as unknown as { shelf: { track(e: unknown): Promise<boolean> } };
    const out: boolean[] = [];
    for (let k = 0; k < 60; k++) {
      const shownIds = Array.from({ length: 4_000 }, () => Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2));
      out.push(await w.shelf.track({ type: 'view_item_list', itemId: `list-${k}`, listId: `list-${k}`, shownIds }));
    }
    return out;
  });
  expect(results.at(-1)).toBe(true);
  const s = await status(page);
  expect(s.droppedForQuota, JSON.stringify({ s, usage, after: await cdp.send('Storage.getUsageAndQuota', { origin }) })).toBeGreaterThan(0);
  const stored = await readStoredEvents(page, db);
  const lists = stored.filter((e) => e.itemId.startsWith('list-')).map((e) => Number(e.itemId.slice(5)));
  expect(lists.at(-1)).toBe(59);
  expect(lists).toEqual([...lists].sort((x, y) => x - y));
  expect(lists.length).toBeLessThan(60);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  expect((await rerank(page)).items.length).toBeGreaterThan(0);
});

test('IndexedDB unusable (a newer schema owns the database): events kept in memory, the reason reported', async ({ page }) => {
  const db = freshDb();
  await page.goto('/healthz');
  await page.evaluate(
    (name) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open(name, 999);
        req.onsuccess = () => {
          req.result.close();
          resolve();
        };
        req.onerror = () => reject(req.error);
      }),
    db,
  );
  await openEngine(page, { db });
  const s = await status(page);
  expect(s.storage).toBe('memory');
  expect(s.storageReason).toMatch(/IndexedDB could not be opened: VersionError/);
  expect((await burst(page, 'mem', 5)).every(Boolean)).toBe(true);
  const events = await page.evaluate(() => (window as unknown as { shelf: { events(n: number): Promise<{ itemId: string }[]> } }).shelf.events(100));
  expect(events.filter((e) => e.itemId.startsWith('mem-'))).toHaveLength(5);
  expect((await rerank(page)).source).toBe('model');
});

test('IndexedDB blocked by another tab holding an old version open: memory, with the reason', async ({ context }) => {
  const db = freshDb();
  const holder = await context.newPage();
  await holder.goto('/healthz');
  await holder.evaluate(
    (name) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open(name, 1);
        req.onupgradeneeded = () => {
          const events = req.result.createObjectStore('events', { keyPath: 'seq', autoIncrement: true });
          events.createIndex('at', 'at');
          req.result.createObjectStore('vectors', { keyPath: 'id' });
          req.result.createObjectStore('meta');
        };
        // Never closes on versionchange, like a tab running old code.
        req.onsuccess = () => resolve();
        req.onerror = () => reject(req.error);
      }),
    db,
  );
  const page = await context.newPage();
  await openEngine(page, { db });
  const s = await status(page);
  expect(s.storage).toBe('memory');
  expect(s.storageReason).toMatch(/blocked/);
  expect((await burst(page, 'blocked', 3)).every(Boolean)).toBe(true);
});

test("one tab's events reach the other tab's ranking (shared log, broadcast)", async ({ context }) => {
  const db = freshDb();
  const a = await context.newPage();
  const b = await context.newPage();
  await openEngine(a, { db });
  await openEngine(b, { db });
  expect((await rerank(b)).reason).toBe('cold_start');
  await trackOne(a);
  await expect.poll(async () => (await rerank(b)).source).toBe('model');
});

async function trackOne(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { shelf: { track(e: unknown): Promise<boolean>; rerank(c: unknown[]): Promise<unknown> }; shelfDemo: { candidates: { id: string; vector: number[] }[] } };
    const c = w.shelfDemo.candidates[5]!;
    return w.shelf.track({ type: 'add_to_cart', itemId: c.id, vector: c.vector });
  });
}

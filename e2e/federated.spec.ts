import { expect, test } from '@playwright/test';
import { openDemo, pickUnderrankedCategory, viewItem } from './demo-page.js';
import { E2E_MIN_UPDATES } from './settings.js';

type FlushResult = { uploaded: boolean; status: number | null; published: number | null; examples: number; reason: string | null };
type Status = { modelVersion: number | null };

test('K visitors upload updates, the server publishes version N+1, a reloaded page uses it', async ({ browser, request }) => {
  const before = (await (await request.get('/models/shelf-demo/latest.json')).json()) as { version: number };
  const pages = [];
  for (let k = 0; k < E2E_MIN_UPDATES; k++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await openDemo(page, { trainEvery: '100000', uploadMinExamples: '1' });
    const { ids } = await pickUnderrankedCategory(page, 3, 5);
    for (const id of ids.slice(0, 3)) await viewItem(page, id);
    const result = await page.evaluate(() => (window as unknown as { shelf: { flush(): Promise<FlushResult> } }).shelf.flush());
    expect(result.uploaded, result.reason ?? '').toBe(true);
    expect(result.status).toBe(200);
    expect(result.examples).toBeGreaterThan(0);
    expect(result.published).toBe(k === E2E_MIN_UPDATES - 1 ? before.version + 1 : null);
    pages.push(page);
  }
  const after = (await (await request.get('/models/shelf-demo/latest.json')).json()) as { version: number; parent: number; lineage: { updates: number } };
  expect(after.version).toBe(before.version + 1);
  expect(after.parent).toBe(before.version);
  expect(after.lineage.updates).toBe(E2E_MIN_UPDATES);

  const first = pages[0]!;
  await first.reload();
  await expect(first.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 90_000 });
  const status = await first.evaluate(() => (window as unknown as { shelf: { status(): Promise<Status> } }).shelf.status());
  expect(status.modelVersion).toBe(before.version + 1);
});

// Nothing Shelf ships evaluates code: under a strict CSP without 'unsafe-eval' (report-uri set), starting the
// engine, re-ranking, training (the training worker) and uploading produce no violation report — zod's
// `new Function('')` probe, which a strict CSP reports on every worker start, must not run (jitless).
import { expect, test } from '@playwright/test';
import { openShop, products, strictCsp } from './sdk-shop.js';

type Win = {
  shelf: {
    init(o: unknown): Promise<{ mode: string }>;
    rerank(c: unknown, ctx?: unknown): Promise<{ source: string }>;
    track(e: unknown): Promise<boolean>;
    flush(): Promise<{ trainedSteps: number } | null>;
    status(): Promise<{ mode: string; engine: { training?: string } | null }>;
  };
  products: { id: string; vector: number[] }[];
  violations: string[];
};

test('a strict CSP (no unsafe-eval, report-uri) sees no violation from the worker start, re-rank, training or upload', async ({ page, baseURL }) => {
  const shelf = baseURL!;
  const cspReports: string[] = [];
  const items = await products(shelf);
  const db = `sdk-e2e-csp-${Date.now()}`;
  // The blob: workers inherit the page's policy, so a violation inside them is reported to the same report-uri.
  const { close } = await openShop(page, {
    shelf,
    csp: `${strictCsp(shelf)}; report-uri {origin}/csp-report`,
    cspReports,
    products: items,
    before: `window.violations = []; document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));`,
    after: `shelf.init({ serverUrl: ${JSON.stringify(`${shelf}/`)}, dbName: ${JSON.stringify(db)}, timeoutMs: 10000, autoCapture: false, trainEvery: 1, uploadMinExamples: 1, uploadMinIntervalMs: 0 });`,
  });
  const result = await page.evaluate(async () => {
    const w = window as unknown as Win;
    for (const p of w.products.slice(0, 4)) await w.shelf.track({ type: 'view_item', itemId: p.id, vector: p.vector });
    const first = await w.shelf.rerank(w.products, { listId: 'home' });
    const flushed = await w.shelf.flush();
    const again = await w.shelf.rerank(w.products, { listId: 'home' });
    return { first: first.source, again: again.source, trained: flushed?.trainedSteps ?? 0, status: await w.shelf.status() };
  });
  expect(result.first).toBe('model');
  expect(result.again).toBe('model');
  expect(result.trained).toBeGreaterThan(0);
  expect(result.status.engine?.training).toBe('worker');
  // Reports are sent asynchronously: give them time to arrive before concluding there are none.
  await page.waitForTimeout(2_000);
  expect(await page.evaluate(() => (window as unknown as Win).violations)).toEqual([]);
  expect(cspReports).toEqual([]);
  await close();
});

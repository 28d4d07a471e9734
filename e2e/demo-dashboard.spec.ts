// The operator dashboard after a tiny shopper simulation on the test server: the simulated shoppers browse the
// storefront through the SDK and upload, rounds publish versions, the simulation sends its quality figures, and
// the dashboard (behind the admin token) lists the versions with lineage, draws its plots, and rolls back and
// forward with its buttons. Leaves the newest version current and no round half-filled, as it found them.
import { expect, test } from '@playwright/test';
import { postQuality, simulate } from '../scripts/simulate/run.js';
import { screenshotNotBlank } from './demo-shop.js';
import { E2E_ADMIN_TOKEN } from './settings.js';

test('the dashboard shows versions, rounds and plots after a short simulated run, and rolls back', async ({ page, browser, baseURL }) => {
  const { summary } = await simulate(browser, {
    baseURL: baseURL!,
    shoppers: 3,
    concurrency: 1,
    views: 3,
    shiftShare: 0,
    timeLimitMs: 60_000,
    seed: 11,
    shopParams: { trainEvery: '2', uploadMinExamples: '2', uploadMinIntervalMs: '0' },
  });
  expect(summary.failed).toBe(0);
  expect(summary.uploads).toBeGreaterThanOrEqual(2);
  expect(summary.versions.length).toBeGreaterThanOrEqual(1);
  await postQuality(baseURL!, E2E_ADMIN_TOKEN, summary);

  page.on('pageerror', (err) => {
    throw new Error(`uncaught error in the page: ${err.message}`);
  });
  await page.setViewportSize({ width: 1280, height: 1100 });
  await page.goto('/dashboard.html');
  await page.locator('#token').fill('not-the-token-at-all');
  await page.locator('#login button').click();
  await expect(page.locator('#login-error')).toContainText('wrong admin token');
  await page.locator('#token').fill(E2E_ADMIN_TOKEN);
  await page.locator('#login button').click();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');

  const rows = page.locator('#versions tbody tr');
  expect(await rows.count()).toBeGreaterThanOrEqual(2);
  const current = Number(await page.locator('#versions tr.current').getAttribute('data-version'));
  expect(current).toBeGreaterThan(1);
  await expect(page.locator(`#versions tr[data-version="${current}"]`)).toContainText('aggregate');
  for (const id of ['chart-quality', 'chart-participants', 'chart-epsilon']) {
    await expect(page.locator(`#${id}`)).toHaveAttribute('data-rendered', 'chart');
    await expect(page.locator(`#${id} svg`).first()).toBeVisible();
  }
  // The e2e server runs secure aggregation: no server sees an update's norm, and the dashboard says so
  // (server/routes/dashboard.test.ts draws the norms of a server without a helper).
  await expect(page.locator('#chart-norms')).toHaveAttribute('data-rendered', 'empty');
  await expect(page.locator('#chart-norms')).toContainText('secure aggregation');
  await screenshotNotBlank(page, 'dashboard');

  // Roll back to the seed with the button, then forward again to the newest version.
  page.on('dialog', (d) => void d.accept());
  await page.locator('#versions tr[data-version="1"] button').click();
  await expect(page.locator('#versions tr.current')).toHaveAttribute('data-version', '1');
  await expect(page.locator('#action-result')).toContainText(`from v${current} to v1`);
  const latest = (await (await page.request.get('/models/shelf-demo/latest.json')).json()) as { version: number };
  expect(latest.version).toBe(1);
  await page.locator(`#versions tr[data-version="${current}"] button`).click();
  await expect(page.locator('#versions tr.current')).toHaveAttribute('data-version', String(current));
});

// Measures rerank latency from the page's call to its result, in headless Chromium against a real server on
// loopback, for the demo's 60 candidates (wasm backend). Writes bench/results/rerank-latency.json.
// Run: npm run bench:rerank   (needs `npm run build` first)
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../e2e/settings.js';

const port = 4477;
const server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
  env: { ...process.env, PORT: String(port), SHELF_DATA_DIR: mkdtempSync(join(tmpdir(), 'shelf-bench-')), SHELF_LOG_LEVEL: 'warn', SHELF_DEMO: 'on' },
  stdio: 'inherit',
});
try {
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  const browser = await chromium.launch({ ...(CHROMIUM_PATH ? { executablePath: CHROMIUM_PATH } : {}), args: CHROMIUM_FLAGS });
  const page = await browser.newPage();
  // The lab page (window.shelfDemo.candidates); the storefront is at /.
  await page.goto(`http://127.0.0.1:${port}/lab.html?trainEvery=100000&db=bench`);
  await page.waitForSelector('body[data-ready="true"]');
  const result = await page.evaluate(async () => {
    type Shelf = { rerank(c: unknown[]): Promise<{ source: string; backend: string }>; track(e: unknown): Promise<boolean> };
    const w = window as unknown as { shelf: Shelf; shelfDemo: { candidates: { id: string; vector: number[] }[] } };
    const { shelf, shelfDemo } = w;
    for (const c of shelfDemo.candidates.slice(0, 3)) await shelf.track({ type: 'view_item', itemId: c.id, vector: c.vector });
    for (let i = 0; i < 20; i++) await shelf.rerank(shelfDemo.candidates); // warm-up
    const times: number[] = [];
    let last = { source: '', backend: '' };
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      last = await shelf.rerank(shelfDemo.candidates);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { candidates: shelfDemo.candidates.length, runs: times.length, p50Ms: times[100]!, p95Ms: times[190]!, source: last.source, backend: last.backend };
  });
  await browser.close();
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/rerank-latency.json', JSON.stringify({ generatedBy: 'npm run bench:rerank', ...result }, null, 2) + '\n');
  console.log(result);
} finally {
  server.kill('SIGTERM');
}

// Browser performance, side by side in one run: headless Chromium (WebGPU on with --enable-unsafe-webgpu)
// against the real server on loopback, the page using the script-tag SDK (dist/sdk) exactly as a shop does.
// Measures re-rank latency from the page's call to its result (50/200/1,000 candidates, each backend), the same
// re-rank over HTTP on loopback (POST /v1/rerank, the server's full forward pass) as the baseline, cold start
// (script tag → first model re-rank, and when the shop's order is shown meanwhile), main-thread long tasks during
// a scripted browse with training and uploads running, track()'s main-thread cost, memory after 10,000 events
// and the gzip sizes of the SDK's files. Writes bench/results/browser.json; `--svg` also renders the chart.
// Run: npm run build && npm run bench:browser   (never part of npm test)
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../e2e/settings.js';
import { renderRerankChart } from './perf-charts.js';
import { trackCost } from './track-cost.js';
import { shopPage } from './shop-page.js';
import { transferBytes } from './transfer-bytes.js';
import { engineWorker, heapReader, memoryAfterEvents } from './browser-memory.js';

const port = Number(process.env['SHELF_BENCH_PORT'] ?? 4479);
const base = `http://127.0.0.1:${port}`;
const SIZES = [50, 200, 1000] as const;
/** SHELF_BENCH_BACKENDS=wasm,cpu narrows the run while profiling (the committed results use all four). */
const BACKENDS = (process.env['SHELF_BENCH_BACKENDS']?.split(',') ?? ['wasm', 'webgpu', 'webgl', 'cpu']) as readonly string[];
/** Timed calls per size and backend, in this many blocks (the blocks interleave the sizes). */
const BLOCKS = 3;
const PER_BLOCK = Number(process.env['SHELF_BENCH_CALLS'] ?? 150);
/** SHELF_BENCH_ONLY=rerank measures only re-rank latency and its breakdown, prints them and writes nothing (for iterating). */
const ONLY_RERANK = process.env['SHELF_BENCH_ONLY'] === 'rerank';
/**
 * SHELF_BENCH_ONLY=memory measures only the memory after 10,000 events (wasm) and writes it into the existing
 * bench/results/browser.json (heapMbAfter10k, memoryAfter10k, marked with when and how it was measured).
 */
const ONLY_MEMORY = process.env['SHELF_BENCH_ONLY'] === 'memory';
/**
 * SHELF_BENCH_ONLY=transfer measures only the bytes a first visit transfers (transferBytes) and writes them into
 * the existing bench/results/browser.json.
 */
const ONLY_TRANSFER = process.env['SHELF_BENCH_ONLY'] === 'transfer';

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const pct = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
};
const stats = (xs: readonly number[]) => ({
  runs: xs.length,
  p50Ms: round(pct(xs, 0.5)),
  p95Ms: round(pct(xs, 0.95)),
  meanMs: round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)),
  maxMs: round(Math.max(...xs)),
});

type Shelf = {
  track(e: unknown): Promise<boolean>;
  rerank(c: unknown[], ctx?: unknown): Promise<{ source: string; reason: string | null; backend: string | null; items: unknown[] }>;
  ready(): Promise<unknown>;
  status(): Promise<{ mode: string; reason: string | null; engine: EngineStatus | null }>;
};
type EngineStatus = { backend: string | null; numTensors?: number; uploads: number; trainedSteps?: number; skippedBackends: { backend: string; reason: string }[]; backendReason?: string; events: number; error: string | null };
type BenchWindow = { shelf: Shelf; bench: { t0: number; longTasks: { start: number; ms: number }[]; serverOrderShownAt: number; ready: boolean; items: { id: string; vector: number[] }[]; list(n: number): { id: string; vector: number[] }[]; dim: number } };

async function openShop(context: BrowserContext, options: Record<string, unknown>, path = 'shop.html'): Promise<Page> {
  const page = await context.newPage();
  await page.route(`${base}/bench/${path}`, (route) => route.fulfill({ contentType: 'text/html', body: shopPage(options) }));
  await page.goto(`${base}/bench/${path}`);
  await page.waitForFunction(() => (window as unknown as BenchWindow).bench?.ready === true);
  await page.evaluate(() => (window as unknown as BenchWindow).shelf.ready());
  return page;
}

const engineOptions = (db: string, extra: Record<string, unknown> = {}) => ({ dbName: db, trainEvery: 100_000, uploadMinExamples: 100_000, modelCheckIntervalMs: 0, ...extra });

/** Seeds a visitor with a few events so the model (not the cold-start fallback) ranks. */
async function seedVisitor(page: Page, events = 5): Promise<void> {
  await page.evaluate(async (events) => {
    const { shelf, bench } = window as unknown as BenchWindow;
    for (let i = 0; i < events; i++) await shelf.track({ type: i % 2 ? 'add_to_cart' : 'view_item', itemId: bench.items[i * 3]!.id, vector: bench.items[i * 3]!.vector });
  }, events);
}

/** Re-rank latency from the page's call to its result; blocks interleave the sizes so drift falls on all alike. */
async function rerankLatency(page: Page) {
  return page.evaluate(
    async ({ sizes, blocks, perBlock }) => {
      const { shelf, bench } = window as unknown as BenchWindow;
      const lists = sizes.map((n) => bench.list(n));
      const out: Record<number, { times: number[]; loopMeanMs: number[]; sources: Record<string, number> }> = {};
      for (const n of sizes) out[n] = { times: [], loopMeanMs: [], sources: {} };
      for (const list of lists) for (let i = 0; i < 30; i++) await shelf.rerank(list); // warm-up (JIT, caches)
      for (let b = 0; b < blocks; b++) {
        for (let s = 0; s < sizes.length; s++) {
          const o = out[sizes[s]!]!;
          const start = performance.now();
          for (let i = 0; i < perBlock; i++) {
            const t0 = performance.now();
            const r = await shelf.rerank(lists[s]!);
            o.times.push(performance.now() - t0);
            o.sources[r.source] = (o.sources[r.source] ?? 0) + 1;
          }
          o.loopMeanMs.push((performance.now() - start) / perBlock);
        }
      }
      return out;
    },
    { sizes: [...SIZES], blocks: BLOCKS, perBlock: PER_BLOCK },
  );
}

const median = (xs: readonly number[]) => round(pct(xs, 0.5));

/** Where a call's time goes: inside the worker (prepare, score, order) versus outside it (page, copies, messaging). */
async function breakdown(page: Page) {
  const worker = await engineWorker(page);
  if (!worker) return null;
  const out: Record<string, Record<string, number>> = {};
  for (const [n, limit] of [...SIZES.map((x) => [x, undefined] as const), [1000, 24] as const]) {
    const rows: { pageMs: number; prepareMs: number; scoreMs: number; orderMs: number }[] = [];
    for (let i = 0; i < 40; i++) {
      const pageMs = await page.evaluate(async ({ n, limit }) => {
        const w = window as unknown as BenchWindow & { benchLists?: Record<number, unknown[]> };
        w.benchLists ??= {};
        const list = (w.benchLists[n] ??= w.bench.list(n));
        const t0 = performance.now();
        await w.shelf.rerank(list, limit ? { limit } : {});
        return performance.now() - t0;
      }, { n, limit });
      const t = await worker.evaluate(() => (globalThis as unknown as { shelfRerankTimings: { prepareMs: number; scoreMs: number; orderMs: number } }).shelfRerankTimings);
      rows.push({ pageMs, ...t });
    }
    // `1000/limit24`: the same call returning only the top 24 (what a page shows): isolates the cost of the result.
    out[limit ? `${n}/limit${limit}` : String(n)] = {
      pageMs: median(rows.map((r) => r.pageMs)),
      workerPrepareMs: median(rows.map((r) => r.prepareMs)),
      workerScoreMs: median(rows.map((r) => r.scoreMs)),
      workerOrderMs: median(rows.map((r) => r.orderMs)),
      outsideWorkerMs: median(rows.map((r) => r.pageMs - r.prepareMs - r.scoreMs - r.orderMs)),
    };
  }
  return out;
}

/** An event arrives, then a re-rank of 200: that call waits for the visitor's new state (one encoder pass). */
async function eventToRerank(page: Page, runs: number) {
  return page.evaluate(async (runs) => {
    const { shelf, bench } = window as unknown as BenchWindow;
    const list = bench.list(200);
    const times: number[] = [];
    for (let k = 0; k < runs; k++) {
      const item = bench.items[(k * 7) % bench.items.length]!;
      const t0 = performance.now();
      void shelf.track({ type: 'view_item', itemId: item.id, vector: item.vector });
      await shelf.rerank(list);
      times.push(performance.now() - t0);
    }
    return times;
  }, runs);
}

/** The same re-rank done by the server: the page POSTs the visitor's events and the candidates to /v1/rerank. */
async function httpBaseline(page: Page) {
  return page.evaluate(
    async ({ sizes }) => {
      const { bench } = window as unknown as BenchWindow;
      const events = bench.items.slice(0, 5).map((c, i) => ({ type: i % 2 ? 'add_to_cart' : 'view_item', vector: c.vector }));
      const out: Record<number, number[]> = {};
      let backend = '';
      for (const n of sizes) {
        const candidates = bench.list(n);
        out[n] = [];
        for (let i = 0; i < 110; i++) {
          const t0 = performance.now();
          const r = await fetch('/v1/rerank', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events, candidates }) });
          const body = (await r.json()) as { items: unknown[]; backend: string };
          if (!r.ok || body.items.length !== n) throw new Error(`baseline failed: ${r.status}`);
          if (i >= 10) out[n]!.push(performance.now() - t0); // the first 10 are warm-up
          backend = body.backend;
        }
      }
      return { out, backend };
    },
    { sizes: [...SIZES] },
  );
}

/** A returning visitor loads the page: script tag → first re-rank by the model; the shop's order shows meanwhile. */
async function coldStart(browser: Browser, loads: number) {
  const context = await browser.newContext();
  const opts = engineOptions('bench-cold');
  const first = await openShop(context, opts, 'cold.html');
  await seedVisitor(first);
  await first.close();
  const runs: { coldStartMs: number; fromNavigationMs: number; serverOrderShownMs: number; source: string; calls: number }[] = [];
  for (let i = 0; i < loads; i++) {
    const page = await context.newPage();
    await page.route(`${base}/bench/cold.html`, (route) => route.fulfill({ contentType: 'text/html', body: shopPage(opts, true) }));
    await page.goto(`${base}/bench/cold.html`);
    await page.waitForFunction(() => (window as unknown as { bench?: { cold?: unknown } }).bench?.cold !== undefined, null, { timeout: 60_000 });
    runs.push(await page.evaluate(() => (window as unknown as { bench: { cold: (typeof runs)[number] } }).bench.cold));
    await page.close();
  }
  await context.close();
  return runs;
}

/** Long tasks on the main thread during a scripted browse of 100 events with training and uploads running. */
async function browse(browser: Browser) {
  const context = await browser.newContext();
  const page = await openShop(context, { dbName: 'bench-browse', trainEvery: 5, uploadMinExamples: 5, uploadMinIntervalMs: 0, modelCheckIntervalMs: 0 }, 'browse.html');
  const before = await page.evaluate(() => (window as unknown as BenchWindow).bench.longTasks.length);
  const result = await page.evaluate(async () => {
    const { shelf, bench } = window as unknown as BenchWindow;
    const types = ['view_item', 'select_item', 'add_to_cart', 'view_item', 'purchase'];
    const start = performance.now();
    const list = bench.list(200);
    let reranks = 0;
    for (let i = 0; i < 100; i++) {
      const item = bench.items[(i * 11) % bench.items.length]!;
      await shelf.track({ type: types[i % types.length], itemId: item.id, vector: item.vector });
      if (i % 2 === 0) {
        await shelf.rerank(list);
        reranks++;
      }
      await new Promise((r) => setTimeout(r, 40)); // a brisk visitor
    }
    // Let training and uploads triggered at the end finish while still observing.
    await new Promise((r) => setTimeout(r, 3_000));
    const s = (await shelf.status()).engine!;
    return { ms: performance.now() - start, reranks, uploads: s.uploads, trainedSteps: s.trainedSteps ?? 0, start };
  });
  const tasks = await page.evaluate((start) => (window as unknown as BenchWindow).bench.longTasks.filter((t) => t.start >= start), result.start);
  await context.close();
  return { ...result, longTasks: tasks.length, longTaskMs: tasks.map((t) => round(t.ms, 1)), longTasksBeforeBrowse: before };
}

/** gzip -9 sizes of the SDK's files: the entries by name, and each worker chunk and the wasm file as built. */
function gzipSizes() {
  const size = (f: string) => gzipSync(readFileSync(f), { level: 9 }).length;
  const files = readdirSync('dist/sdk').filter((f) => /^shelf-.*\.(js|wasm)$/.test(f)).sort();
  return {
    loader: size('dist/sdk/shelf-loader.js'),
    client: size('dist/sdk/shelf-client.js'),
    worker: size('dist/sdk/shelf-engine.worker.js'),
    trainerWorker: size('dist/sdk/shelf-trainer.worker.js'),
    files: Object.fromEntries(files.map((f) => [f, size(`dist/sdk/${f}`)])),
  };
}

const server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
  env: { ...process.env, PORT: String(port), SHELF_DATA_DIR: mkdtempSync(join(tmpdir(), 'shelf-bench-')), SHELF_LOG_LEVEL: 'warn', SHELF_MIN_UPDATES: '1000', SHELF_RERANK: 'on', SHELF_DEMO: 'on' },
  stdio: 'inherit',
});
try {
  // Up to 90 s for the server to start (a loaded machine starts tsx slowly).
  for (let i = 0; i < 300; i++) {
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  const loadStart = loadavg()[0]!;
  const browser = await chromium.launch({ ...(CHROMIUM_PATH ? { executablePath: CHROMIUM_PATH } : {}), args: [...CHROMIUM_FLAGS, '--enable-unsafe-webgpu', '--enable-precise-memory-info'] });
  const log = (...a: unknown[]) => console.error('[bench:browser]', ...a);
  if (ONLY_TRANSFER) {
    const t = await transferBytes(browser, { base, page: shopPage({ dbName: 'bench-transfer' }), log });
    const saved = JSON.parse(readFileSync('bench/results/browser.json', 'utf8')) as Record<string, unknown>;
    saved['transferBytes'] = { firstRerank: t.firstRerank, firstUpload: t.firstUpload };
    saved['transfer'] = { ...t.detail, goals: { firstRerank: 350_000, firstUpload: 600_000 }, measuredBy: 'SHELF_BENCH_ONLY=transfer npm run bench:browser', measuredAt: new Date().toISOString(), browser: browser.version() };
    writeFileSync('bench/results/browser.json', JSON.stringify(saved, null, 2) + '\n');
    log('transfer', JSON.stringify(t, null, 1));
    await browser.close();
    server.kill('SIGTERM');
    process.exit(0);
  }

  const rerank: { backend: string; candidates: number; p50Ms: number; p95Ms: number; meanMs: number; maxMs: number; runs: number; loopMeanMs: number; sources: Record<string, number> }[] = [];
  const perBackend: Record<string, unknown> = {};
  let baseline: Awaited<ReturnType<typeof httpBaseline>> | null = null;
  let track: number[] = [];
  let memory: Awaited<ReturnType<typeof memoryAfterEvents>> | null = null;
  for (const backend of BACKENDS) {
    const context = await browser.newContext();
    const page = await openShop(context, engineOptions(`bench-${backend}`, { backends: [backend], allowSoftwareGpu: true, initTimeoutMs: 60_000, timeoutMs: 30_000 }));
    const sdk = await page.evaluate(() => (window as unknown as BenchWindow).shelf.status());
    const status = sdk.engine;
    if (!status || status.backend !== backend) {
      perBackend[backend] = { skipped: status?.skippedBackends.map((s) => `${s.backend}: ${s.reason}`).join('; ') || `engine ${status?.backend ?? sdk.mode}: ${sdk.reason ?? status?.error ?? ''}` };
      log(backend, 'skipped', perBackend[backend]);
      await context.close();
      continue;
    }
    await seedVisitor(page);
    log(backend, 'ready:', status.backendReason);
    if (ONLY_MEMORY) {
      const cdp = await context.newCDPSession(page);
      const only = await memoryAfterEvents(page, heapReader(page, cdp));
      const saved = JSON.parse(readFileSync('bench/results/browser.json', 'utf8')) as Record<string, unknown>;
      saved['heapMbAfter10k'] = round(only.heapAfter.pageMb + (only.heapAfter.workerMb ?? 0), 2);
      saved['memoryAfter10k'] = { ...only, backend, measuredBy: 'SHELF_BENCH_ONLY=memory npm run bench:browser', measuredAt: new Date().toISOString(), loadAverageAtStart: round(loadStart, 2) };
      writeFileSync('bench/results/browser.json', JSON.stringify(saved, null, 2) + '\n');
      log('memory', only);
      await browser.close();
      server.kill('SIGTERM');
      process.exit(0);
    }
    const eventTimes = await eventToRerank(page, backend === 'webgpu' || backend === 'webgl' ? 10 : 30);
    await seedVisitor(page);
    const lat = await rerankLatency(page);
    for (const n of SIZES) {
      const o = lat[n]!;
      rerank.push({ backend, candidates: n, ...stats(o.times), loopMeanMs: round(o.loopMeanMs.reduce((a, b) => a + b, 0) / o.loopMeanMs.length), sources: o.sources });
    }
    perBackend[backend] = { backendReason: status.backendReason, eventToRerank200: stats(eventTimes), breakdownMedians: await breakdown(page) };
    log(backend, rerank.filter((r) => r.backend === backend).map((r) => `${r.candidates}: p50 ${r.p50Ms} p95 ${r.p95Ms} mean ${r.loopMeanMs}`).join(' | '), '| event→rerank p50', stats(eventTimes).p50Ms);
    if (ONLY_RERANK) {
      log(backend, 'breakdown', JSON.stringify((perBackend[backend] as { breakdownMedians: unknown }).breakdownMedians));
      await context.close();
      continue;
    }
    if (backend === 'wasm') {
      baseline = await httpBaseline(page);
      log('http baseline', SIZES.map((n) => `${n}: p50 ${stats(baseline!.out[n]!).p50Ms}`).join(' | '));
      track = await trackCost(page);
      const cdp = await context.newCDPSession(page);
      memory = await memoryAfterEvents(page, heapReader(page, cdp));
      log('memory', memory);
    }
    await context.close();
  }
  if (ONLY_RERANK) {
    await browser.close();
    console.log(JSON.stringify({ load: [round(loadStart, 2), ...loadavg().map((x) => round(x, 2))], rerank: rerank.map((r) => [r.backend, r.candidates, r.p50Ms, r.p95Ms, r.loopMeanMs]) }));
    server.kill('SIGTERM');
    process.exit(0);
  }
  const transfer = await transferBytes(browser, { base, page: shopPage({ dbName: 'bench-transfer' }), log });
  log('transfer', transfer.firstRerank, transfer.firstUpload);
  const cold = await coldStart(browser, 5);
  log('cold start', cold);
  const browseResult = await browse(browser);
  log('browse', browseResult);
  await browser.close();

  const httpBaseline200 = baseline ? stats(baseline.out[200]!).p50Ms : Number.NaN;
  const wasm200 = rerank.find((r) => r.backend === 'wasm' && r.candidates === 200);
  const heapAfter = memory ? memory.heapAfter.pageMb + (memory.heapAfter.workerMb ?? 0) : Number.NaN;
  const result = {
    generatedBy: 'npm run bench:browser',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, gpu: 'none (WebGPU and WebGL on SwiftShader)', loadAverageAtStart: round(loadStart, 2), loadAverageAtEnd: loadavg().map((x) => round(x, 2)), browser: browser.version() },
    method: {
      rerank: `${BLOCKS} blocks × ${PER_BLOCK} sequential shelf.rerank() calls per size after 30 warm-up calls, sizes interleaved; timed in the page from the call to the resolved result; the visitor has 5 events. performance.now() is rounded to 0.1 ms without cross-origin isolation, so loopMeanMs (block time / calls) is given beside the percentiles.`,
      httpBaseline: 'fetch POST /v1/rerank on loopback from the same page (JSON: the visitor\'s 5 events and the candidates), 10 warm-up then 100 timed calls per size; the server runs the full forward pass per request (it keeps no per-visitor state)',
      coldStart: 'returning visitor (5 stored events), page reloads: from the inline snippet to the first shelf.rerank() result whose source is the model (median of the loads); serverOrderShownMs is when the page had rendered the shop\'s own order',
    },
    rerank: rerank.map(({ backend, candidates, p50Ms, p95Ms, ...rest }) => ({ backend, candidates, p50Ms, p95Ms, ...rest })),
    httpBaseline: SIZES.map((n) => ({ candidates: n, ...(baseline ? stats(baseline.out[n]!) : {}), serverBackend: baseline?.backend ?? null })),
    speedupVsHttp200: wasm200 ? round(httpBaseline200 / wasm200.p50Ms, 1) : null,
    backends: perBackend,
    coldStartMs: round(pct(cold.map((c) => c.coldStartMs), 0.5), 1),
    coldStart: { runs: cold, serverOrderShownMs: round(pct(cold.map((c) => c.serverOrderShownMs), 0.5), 1), fromNavigationMs: round(pct(cold.map((c) => c.fromNavigationMs), 0.5), 1) },
    longTasks: browseResult.longTasks,
    browse: browseResult,
    trackP95Ms: round(pct(track, 0.95), 4),
    track: { ...stats(track), method: 'per-call mean of 200 batches of 50 synchronous track() calls' },
    heapMbAfter10k: round(heapAfter, 2),
    memoryAfter10k: memory,
    bundleGzipBytes: gzipSizes(),
    transferBytes: { firstRerank: transfer.firstRerank, firstUpload: transfer.firstUpload },
    transfer: { ...transfer.detail, goals: { firstRerank: 350_000, firstUpload: 600_000 } },
    goals: { rerank200P50Ms: 1, rerank200P95Ms: 3, rerank1000P50Ms: 2, speedupVsHttp: 10, longTasks: 0, coldStartMs: 1000 },
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/browser.json', JSON.stringify(result, null, 2) + '\n');
  await renderRerankChart();
  console.log(JSON.stringify({ rerank: result.rerank.map((r) => [r.backend, r.candidates, r.p50Ms, r.p95Ms, r.loopMeanMs]), httpBaseline: result.httpBaseline, coldStartMs: result.coldStartMs, longTasks: result.longTasks, trackP95Ms: result.trackP95Ms, heapMbAfter10k: result.heapMbAfter10k, bundleGzipBytes: result.bundleGzipBytes }, null, 1));
} finally {
  server.kill('SIGTERM');
}

// Engine benchmark in headless Chromium against a real Shelf server on loopback (wasm backend, the demo's 60
// candidates): track()'s cost on the main thread, the time from track() to the first rerank that reflects it, and
// how much a concurrent training job (batch 32) delays re-ranking — with training in its second worker, and,
// for comparison, inline in the engine worker. Writes bench/results/engine.json.
// Run: npm run build && npm run bench:engine   (SHELF_BENCH_URL=http://host:port/ uses a running server instead)
import { chromium, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../e2e/settings.js';
import { trackCost } from './track-cost.js';

const port = 4478;
let server: ChildProcess | null = null;
let base = process.env['SHELF_BENCH_URL'];
if (!base) {
  server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: String(port), SHELF_DATA_DIR: mkdtempSync(join(tmpdir(), 'shelf-bench-')), SHELF_LOG_LEVEL: 'warn', SHELF_DEMO: 'on' },
    stdio: 'inherit',
  });
  base = `http://127.0.0.1:${port}/`;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const round = (x: number) => Math.round(x * 1000) / 1000;
const summary = (xs: number[]) => ({ runs: xs.length, p50Ms: round(pct(xs, 0.5)), p95Ms: round(pct(xs, 0.95)), maxMs: round(Math.max(...xs)) });

type W = { shelf: { track(e: unknown): Promise<boolean>; rerank(c: unknown[], ctx?: unknown): Promise<{ source: string; items: { score: number | null }[] }>; status(): Promise<{ backend: string; training?: string }> }; shelfDemo: { candidates: { id: string; vector: number[] }[] } };

/** track() → the first rerank that reflects it (a fresh visitor each time: cold start, then the event is used). */
async function trackToReflected(page: Page, runs: number) {
  return page.evaluate(async (runs) => {
    const { shelf, shelfDemo } = window as unknown as W;
    const c = shelfDemo.candidates;
    const times: number[] = [];
    let reflected = 0;
    let prev = (await shelf.rerank(c)).items.map((i) => i.score).join();
    for (let k = 0; k < runs; k++) {
      const item = c[(k * 7) % c.length]!;
      const t0 = performance.now();
      void shelf.track({ type: 'add_to_cart', itemId: item.id, vector: item.vector });
      const r = await shelf.rerank(c);
      times.push(performance.now() - t0);
      const now = r.items.map((i) => i.score).join();
      if (r.source === 'model' && now !== prev) reflected++;
      prev = now;
    }
    return { times, reflected };
  }, runs);
}

/** Rerank latencies of calls issued every 20 ms for `ms` milliseconds (open loop, as a shop's calls arrive). */
async function rerankFor(page: Page, ms: number): Promise<number[]> {
  return page.evaluate(async (ms) => {
    const { shelf, shelfDemo } = window as unknown as W;
    const calls: Promise<number>[] = [];
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const t0 = performance.now();
      calls.push(shelf.rerank(shelfDemo.candidates).then(() => performance.now() - t0));
      await new Promise((r) => setTimeout(r, 20));
    }
    return Promise.all(calls);
  }, ms);
}

/**
 * Rerank latency with and without a concurrent training job, in alternating phases (so the load from anything
 * else on the machine falls on both alike).
 */
async function rerankWithTraining(page: Page, inline: boolean, rounds: number) {
  const worker = page.workers().find((w) => /engine/.test(w.url()))!;
  const train = (steps: number) =>
    worker.evaluate(
      ({ steps, inline }) =>
        (globalThis as unknown as { shelfEngineTest: { train(s: number, b: number, i: boolean): Promise<{ ms: number; steps: number; backend: string }> } }).shelfEngineTest.train(steps, 32, inline),
      { steps, inline },
    );
  const probe = await train(3);
  const steps = Math.max(5, Math.ceil(2_000 / Math.max(1, probe.ms / probe.steps)));
  const idle: number[] = [];
  const during: number[] = [];
  let stepMs = 0;
  let backend = '';
  for (let r = 0; r < rounds; r++) {
    idle.push(...(await rerankFor(page, 1_500)));
    const job = train(steps);
    during.push(...(await rerankFor(page, 1_500)));
    const done = await job;
    stepMs = done.ms / done.steps;
    backend = done.backend;
  }
  return { stepMs: round(stepMs), trainerBackend: backend, steps, idle, during };
}

try {
  for (let i = 0; i < 100; i++) {
    if (await fetch(new URL('healthz', base)).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  const browser = await chromium.launch({ ...(CHROMIUM_PATH ? { executablePath: CHROMIUM_PATH } : {}), args: CHROMIUM_FLAGS });
  const page = await browser.newPage();
  // The lab page (the old demo: window.shelf and window.shelfDemo.candidates); the storefront is at /.
  await page.goto(new URL(`lab.html?trainEvery=100000&debug=1&db=bench-engine-${Date.now()}`, base).href);
  await page.waitForSelector('body[data-ready="true"]');
  const status = await page.evaluate(() => (window as unknown as W).shelf.status());

  const reflected = await trackToReflected(page, 100);
  const track = await trackCost(page);
  await rerankFor(page, 1_000); // warm-up
  const worker = await rerankWithTraining(page, false, 3);
  const inline = await rerankWithTraining(page, true, 1);
  const training = (await page.evaluate(() => (window as unknown as W).shelf.status())).training;
  await browser.close();

  const idleS = summary(worker.idle);
  const workerS = summary(worker.during);
  const inlineIdleS = summary(inline.idle);
  const inlineS = summary(inline.during);
  const result = {
    generatedBy: 'npm run bench:engine',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, loadAverageAtEnd: loadavg().map(round) },
    backend: status.backend,
    candidates: 60,
    trackMainThread: { ...summary(track), method: 'per-call mean of 200 batches of 50 calls' },
    trackToReflectedRerank: { ...summary(reflected.times), reflectedRuns: reflected.reflected },
    rerankDuringTraining: {
      training,
      batchSize: 32,
      method: 'a rerank issued every 20 ms for 1.5 s without, then 1.5 s with a training job running; 3 rounds (inline: 1)',
      idle: idleS,
      trainingWorker: { ...workerS, trainStepMs: worker.stepMs, trainerBackend: worker.trainerBackend, extraP50Ms: round(workerS.p50Ms - idleS.p50Ms), extraP95Ms: round(workerS.p95Ms - idleS.p95Ms) },
      inlineForComparison: { ...inlineS, trainStepMs: inline.stepMs, extraP50Ms: round(inlineS.p50Ms - inlineIdleS.p50Ms), extraP95Ms: round(inlineS.p95Ms - inlineIdleS.p95Ms) },
    },
    targets: { trackP95Ms: 0.05, trackToReflectedMs: 50, extraRerankDelayMs: 5 },
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/engine.json', JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
} finally {
  server?.kill('SIGTERM');
}

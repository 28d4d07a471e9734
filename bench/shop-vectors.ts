// GET /v1/vectors over HTTP on loopback: a real server process (PGlite, demo off) with a model version and a vector
// space of SHELF_BENCH_ITEMS items (default 200,000 × 32: the size of a shop like Diginetica's 184,047 products)
// published through the admin API, then requests of 200 random ids each, one at a time (latency) and 8 at a time
// (under concurrency), timed from the client (request sent to body read). Writes vectors200P99Ms (the one-at-a-time
// p99) and a `vectors` detail into bench/results/shop.json, keeping every other key of that file.
// Run: npm run bench:shop-vectors   (SHELF_BENCH_ITEMS, SHELF_BENCH_REQUESTS narrow it; never part of npm test)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '../src/shared/model/weights.js';
import { vectorsQuery } from '../src/shared/vector-space.js';
import { FIXTURE_CONFIG, fixtureVectors, publishBody } from '../server/space-fixtures.js';

const port = Number(process.env['SHELF_BENCH_PORT'] ?? 4482);
const base = `http://127.0.0.1:${port}`;
const ITEMS = Number(process.env['SHELF_BENCH_ITEMS'] ?? 200_000);
const REQUESTS = Number(process.env['SHELF_BENCH_REQUESTS'] ?? 2_000);
const IDS_PER_REQUEST = 200;
const CONCURRENCY = 8;
const TOKEN = 'bench-admin-token-0123456789';
const RESULTS = 'bench/results/shop.json';
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const log = (...a: unknown[]) => console.error('[bench:shop-vectors]', ...a);

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
function summary(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  return { requests: s.length, p50Ms: round(percentile(s, 50)), p90Ms: round(percentile(s, 90)), p99Ms: round(percentile(s, 99)), maxMs: round(s.at(-1)!) };
}

/** One GET of 200 random ids; the client-side time from sending to the body read, checked. */
async function oneRequest(ids: readonly string[], rand: () => number, space: string): Promise<number> {
  const pick = Array.from({ length: IDS_PER_REQUEST }, () => ids[Math.floor(rand() * ids.length)]!);
  const t0 = performance.now();
  const res = await fetch(`${base}/v1/vectors?${vectorsQuery(pick, space)}`);
  const body = (await res.json()) as { vectors: Record<string, string>; missing: string[] };
  const ms = performance.now() - t0;
  if (res.status !== 200 || body.missing.length !== 0 || Object.keys(body.vectors).length !== new Set(pick).size) throw new Error(`unexpected answer ${res.status}`);
  return ms;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'shelf-bench-vectors-'));
  const server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: String(port), SHELF_DATA_DIR: dataDir, SHELF_LOG_LEVEL: 'warn', SHELF_ADMIN_TOKEN: TOKEN, SHELF_DEMO: 'off' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    for (let i = 0; i < 200; i++) {
      if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    const ids = Array.from({ length: ITEMS }, (_, i) => `sku-${(100_000 + i * 7).toString(36)}`);
    const space = `bench-${ITEMS}`;
    const body = JSON.stringify(publishBody({ spaceId: space, ids, vectors: fixtureVectors(ITEMS, FIXTURE_CONFIG.itemDim, 3) }));
    let t0 = performance.now();
    const published = await fetch(`${base}/v1/admin/models/bench-shop/versions`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });
    if (published.status !== 201) throw new Error(`publish: ${published.status} ${await published.text()}`);
    const publishMs = performance.now() - t0;
    log(`published ${ITEMS} × ${FIXTURE_CONFIG.itemDim} (${round(body.length / 2 ** 20, 1)} MiB of JSON) in ${round(publishMs / 1000, 2)} s`);
    const rand = mulberry32(9);
    // The publish's keep-alive connection may be closed by the server just as the client reuses it: one retry.
    await new Promise((r) => setTimeout(r, 100));
    t0 = performance.now();
    await oneRequest(ids, rand, space).catch(() => oneRequest(ids, rand, space));
    const firstMs = performance.now() - t0;
    log(`first request (loads the space into memory): ${round(firstMs)} ms`);
    for (let i = 0; i < 100; i++) await oneRequest(ids, rand, space);
    const sequential: number[] = [];
    for (let i = 0; i < REQUESTS; i++) sequential.push(await oneRequest(ids, rand, space));
    const concurrent: number[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) concurrent.push(await oneRequest(ids, rand, space));
    }));
    const one = summary(sequential);
    const eight = summary(concurrent);
    log('one at a time', one);
    log(`${CONCURRENCY} at a time`, eight);
    const previous = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>) : {};
    const merged = {
      ...previous,
      vectors200P99Ms: one.p99Ms,
      vectors: {
        command: 'npm run bench:shop-vectors',
        at: new Date().toISOString(),
        machine: { cpus: cpus().length, load1: round(loadavg()[0]!) },
        space: { items: ITEMS, dim: FIXTURE_CONFIG.itemDim },
        idsPerRequest: IDS_PER_REQUEST,
        publishSeconds: round(publishMs / 1000),
        firstRequestMs: round(firstMs),
        sequential: one,
        [`concurrent${CONCURRENCY}`]: eight,
      },
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(merged, null, 2)}\n`);
    log(`vectors200P99Ms = ${one.p99Ms} → ${RESULTS}`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

// npm run simulate: simulated shoppers with hidden tastes browse the demo storefront through the real SDK in
// headless Chromium, so the federated loop trains the demo's global model from its seed; writes
// bench/results/simulation.json and sends each version's quality to the server's dashboard. After the shoppers,
// every published version (or every --eval-every'th) is made current in turn and the same --probes fresh
// shoppers (no training, no upload) measure it, so versions are compared on the same tastes.
//
// By default it starts its own server (fresh data folder in the OS temp dir, small cohort K, a random admin
// token) on --port and stops it at the end. --server URL --token T runs against a server you started
// (e.g. `npm start`, token in .shelf-data/admin-token) so its dashboard shows the figures — it then writes
// test-results/simulation-server.json unless --out names a file, and puts back the version that was current
// before its probes (also on Ctrl-C); --keep leaves the
// simulation's own server running afterwards (Ctrl-C stops it) to look at its dashboard; --from-init starts its
// server from an untrained version 1 (the seed trainer's initial weights, `train:seed --steps 0`) instead of the
// shipped seed, which was trained on shoppers like these and leaves the rounds little to add.
//   npm run simulate -- --shoppers 24 --concurrency 3 --views 10 --k 4 --time 300
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../e2e/settings.js';
import { evaluateVersions, postQuality, simulate } from './simulate/run.js';

const { values: a } = parseArgs({
  options: {
    shoppers: { type: 'string', default: '24' },
    concurrency: { type: 'string', default: '3' },
    views: { type: 'string', default: '10' },
    shift: { type: 'string', default: '0.5' },
    k: { type: 'string', default: '4' },
    time: { type: 'string', default: '300' },
    seed: { type: 'string', default: '7' },
    port: { type: 'string', default: '4448' },
    noise: { type: 'string', default: '0.01' },
    server: { type: 'string' },
    token: { type: 'string' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
    probes: { type: 'string', default: '8' },
    'eval-every': { type: 'string', default: '1' },
    'from-init': { type: 'boolean', default: false },
  },
});
const n = (k: keyof typeof a) => Number(a[k]);

async function waitHealthy(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if ((await fetch(new URL('/healthz', url))).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the server at ${url} did not become healthy`);
}

function startServer(port: number, k: number, token: string, noise: number, fromInit: boolean): { url: string; child: ChildProcess; dataDir: string; env: Record<string, string> } {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'shelf-sim-'));
  const seedDir = path.join(dataDir, 'seed');
  if (fromInit) execFileSync(process.execPath, ['--import', 'tsx', 'scripts/train-seed.ts', '--steps', '0', '--out', seedDir], { stdio: 'ignore' });
  const env = {
    ...(fromInit ? { SHELF_SEED_DIR: seedDir } : {}),
    PORT: String(port),
    HOST: '127.0.0.1',
    SHELF_DATA_DIR: dataDir,
    SHELF_MIN_UPDATES: String(k),
    SHELF_DP_CLIP: '1',
    SHELF_DP_NOISE_MULTIPLIER: String(noise),
    SHELF_DP_SAMPLE_RATE: '0.001',
    SHELF_DP_DELTA: '1e-5',
    SHELF_DP_EPSILON_BUDGET: '1000000',
    SHELF_ADMIN_TOKEN: token,
    SHELF_LOG_LEVEL: 'warn',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], { env: { ...process.env, SHELF_DEMO: 'on', ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  return { url: `http://127.0.0.1:${port}`, child, dataDir, env };
}

async function main(): Promise<void> {
  if (!a.server && !(existsSync('dist/index.html') && existsSync('dist/sdk/shelf-loader.js'))) {
    throw new Error('the storefront and SDK are not built: run `npm run build` first');
  }
  // The tracked result is rewritten only by a run on the simulation's own server, or when --out asks for it.
  const outFile = a.out ?? (a.server ? path.join('test-results', 'simulation-server.json') : 'bench/results/simulation.json');
  const token = a.token ?? randomBytes(18).toString('base64url');
  const own = a.server ? null : startServer(n('port'), n('k'), token, n('noise'), a['from-init']!);
  const baseURL = a.server ?? own!.url;
  if (own) console.log(`simulation server: ${baseURL}, fresh data dir ${own.dataDir}, ${a['from-init'] ? 'untrained' : 'shipped'} seed as v1, cohort K=${n('k')}, noise multiplier ${n('noise')} (demo values, not a privacy setting)`);
  const browser = await chromium.launch({ ...(CHROMIUM_PATH ? { executablePath: CHROMIUM_PATH } : {}), args: CHROMIUM_FLAGS });
  try {
    await waitHealthy(baseURL, 60_000);
    const options = { baseURL, shoppers: n('shoppers'), concurrency: n('concurrency'), views: n('views'), shiftShare: n('shift'), timeLimitMs: n('time') * 1000, seed: n('seed'), shopParams: { trainEvery: '3', uploadMinExamples: '3', uploadMinIntervalMs: '0' } };
    const { summary, results } = await simulate(browser, { ...options, log: (l) => console.log(l) });
    const health = (await (await fetch(new URL('/healthz', baseURL))).json()) as { version: number };
    const versions = Array.from({ length: health.version }, (_, i) => i + 1).filter((v, i, all) => v === 1 || v === all.length || (v - 1) % n('eval-every') === 0);
    const probes = n('probes') > 0 ? await evaluateVersions(browser, { baseURL, token, versions, probes: n('probes'), concurrency: n('concurrency'), seed: n('seed') + 1, log: (l) => console.log(l) }) : [];
    await postQuality(baseURL, token, summary, probes);
    const out = {
      command: `npm run simulate -- ${process.argv.slice(2).join(' ')}`.trim(),
      date: new Date().toISOString(),
      server: own ? { ownServer: true, seed: a['from-init'] ? 'untrained (train:seed --steps 0)' : 'public/models/shelf-demo/1', minUpdates: n('k'), noiseMultiplier: n('noise'), clip: 1, sampleRate: 0.001 } : { ownServer: false, url: baseURL },
      options: { ...options, baseURL: undefined },
      finalVersion: health.version,
      summary,
      probes,
      sessions: results.map((r) => ({ ...r })),
    };
    mkdirSync(path.dirname(outFile), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(out, null, 1)}\n`);
    console.log(JSON.stringify({ finalVersion: health.version, ...summary, curve: undefined, versions: undefined, probes }, null, 1));
    console.log(`wrote ${outFile}`);
    if (own && a.keep) {
      await browser.close();
      console.log(`server kept running: dashboard at ${baseURL}/dashboard.html, admin token ${token} (a throw-away token for this run); Ctrl-C stops it`);
      await new Promise<void>((resolve) => own.child.once('exit', () => resolve()));
    }
  } finally {
    await browser.close().catch(() => {});
    own?.child.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

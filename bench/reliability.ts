// Reliability benchmark, bounded in count and time: (1) the HTTP fuzz, ≥ 10,000 generated requests against a
// real server process on loopback, counting 5xx answers and crashes (the process exiting); (2) SIGKILL trials
// (a kill at a random moment of a round, restart, no accepted update lost, same version as uninterrupted);
// (3) the poisoning benchmark's rows when `scripts/federated/poisoning.ts` wrote them. Merges into
// bench/results/reliability.json, keeping parts not run this time.
// (4) 1,000 clients against 3 replicas on PostgreSQL (SHELF_TEST_POSTGRES_URL), in a closed loop and at a sweep of
// paced rates (SHELF_LOAD_RATES): errors, ticket and upload latencies and where the time goes (bench/reliability/load.ts).
// Run: npm run bench:reliability [-- fuzz sigkill poisoning load]   (never part of npm test; SHELF_FUZZ_REQUESTS,
// SHELF_SIGKILL_TRIALS; SHELF_LOAD_SERVER_TIMES=1 adds the replicas' own request times, from their logs)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parameterCount, mulberry32 } from '../src/shared/model/weights.js';
import { ManifestSchema } from '../src/shared/protocol.js';
import { fetchOpenApi, fuzzSpecs, runFuzz, type FuzzReport } from './reliability/http-fuzz.js';
import { startServer, type ServerProcess } from './reliability/server-process.js';
import { runLoad } from './reliability/load.js';
import { referenceRun, sigkillTrial, type TrialResult } from './reliability/sigkill.js';

const OUT = 'bench/results/reliability.json';
const FUZZ_REQUESTS = Number(process.env['SHELF_FUZZ_REQUESTS'] ?? 10_000);
const FUZZ_DEADLINE_MS = 8 * 60_000;
const SIGKILL_TRIALS = Number(process.env['SHELF_SIGKILL_TRIALS'] ?? 20);
const log = (...a: unknown[]) => console.error('[bench:reliability]', ...a);
const parts = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const want = (p: string) => parts.length === 0 || parts.includes(p);

async function fuzz(): Promise<{ requests: number; status5xx: number; crashes: number; networkErrors: number; badErrorBodies: number; byStatus: Record<string, number>; seconds: number; findings: FuzzReport['findings'] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shelf-fuzz-'));
  const site = path.join(dir, 'site');
  mkdirSync(site, { recursive: true });
  writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>fuzz</title>');
  const admin = 'fuzz-admin-token-0123456789';
  const env = {
    SHELF_DATA_DIR: dir,
    SHELF_MIN_UPDATES: '20',
    SHELF_DP_NOISE_MULTIPLIER: '0.5',
    SHELF_DP_EPSILON_BUDGET: '1000000000',
    SHELF_ADMIN_TOKEN: admin,
    SHELF_STATIC_DIR: site,
    SHELF_TICKET_SECRET: 'fuzz-ticket-secret-0123456789abcdef',
    SHELF_RERANK: 'on',
  };
  let proc: ServerProcess = await startServer(env);
  const manifest = ManifestSchema.parse(await (await fetch(`${proc.base}/models/shelf-demo/latest.json`)).json());
  const params = parameterCount(manifest.weights);
  const t0 = Date.now();
  let crashes = 0;
  const total: FuzzReport = { requests: 0, status5xx: 0, networkErrors: 0, badErrorBodies: 0, byStatus: {}, findings: [] };
  // Batches, so a crash is noticed, counted, and the server restarted on the same data for the rest.
  // Routes and bodies from the server's own OpenAPI document (GET /v1/openapi.json).
  const specs = fuzzSpecs(await fetchOpenApi(proc.base), FUZZ_REQUESTS, 20261123);
  const BATCH = 1000;
  for (let at = 0; at < specs.length && Date.now() - t0 < FUZZ_DEADLINE_MS; at += BATCH) {
    const r = await runFuzz({ base: proc.base, model: 'shelf-demo', adminToken: admin }, specs.slice(at, at + BATCH), {
      concurrency: 8,
      params,
      deadlineMs: FUZZ_DEADLINE_MS - (Date.now() - t0),
    });
    total.requests += r.requests;
    total.status5xx += r.status5xx;
    total.networkErrors += r.networkErrors;
    total.badErrorBodies += r.badErrorBodies;
    for (const [k, v] of Object.entries(r.byStatus)) total.byStatus[k] = (total.byStatus[k] ?? 0) + v;
    total.findings.push(...r.findings.slice(0, 20 - total.findings.length));
    if (proc.exited()) {
      crashes++;
      log(`server exited during batch ${at / BATCH}: ${proc.stderr().slice(-2000)}`);
      proc = await startServer(env, { port: proc.port });
    }
    log(`fuzz: ${total.requests} requests, ${total.status5xx} 5xx, ${total.networkErrors} network errors, ${total.badErrorBodies} error bodies not {error, message}, ${crashes} crashes`);
  }
  if (proc.exited()) crashes++;
  await proc.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  return { requests: total.requests, status5xx: total.status5xx, crashes, networkErrors: total.networkErrors, badErrorBodies: total.badErrorBodies, byStatus: total.byStatus, seconds: Math.round((Date.now() - t0) / 1000), findings: total.findings };
}

async function sigkill(): Promise<{ trials: number; acceptedLost: number; sameVersion: number; versionsIntact: number; inFlightStored: number; results: TrialResult[] }> {
  const o = { updates: 15, minUpdates: 6 };
  const ref = await referenceRun(o);
  log(`sigkill: reference run published v${ref.version} in ${ref.ms} ms of uploads`);
  const rand = mulberry32(9);
  const results: TrialResult[] = [];
  for (let t = 0; t < SIGKILL_TRIALS; t++) {
    const r = await sigkillTrial(o, Math.max(5, Math.round((0.05 + 0.9 * rand()) * ref.ms)), ref);
    results.push(r);
    log(`sigkill trial ${t + 1}/${SIGKILL_TRIALS}: killed after ${r.killedAfterAcks} acks, stored ${r.storedAfterRestart}, in flight ${r.inFlight}, lost ${r.acceptedLost}, same version ${r.sameVersion}, intact ${r.versionsIntact}`);
  }
  return {
    trials: results.length,
    acceptedLost: results.reduce((s, r) => s + r.acceptedLost, 0),
    sameVersion: results.filter((r) => r.sameVersion).length,
    versionsIntact: results.filter((r) => r.versionsIntact).length,
    inFlightStored: results.filter((r) => r.inFlight === 'stored').length,
    results,
  };
}

async function main(): Promise<void> {
  const previous = existsSync(OUT) ? (JSON.parse(readFileSync(OUT, 'utf8')) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = { ...previous, generatedBy: 'npm run bench:reliability' };
  if (want('fuzz')) out['fuzz'] = await fuzz();
  if (want('sigkill')) out['sigkill'] = await sigkill();
  const poisoning = 'bench/results/poisoning.json';
  if (want('poisoning') && existsSync(poisoning)) out['poisoning'] = (JSON.parse(readFileSync(poisoning, 'utf8')) as { rows: unknown }).rows;
  if (want('load')) out['load'] = await runLoad();
  out['load'] ??= null;
  out['measuredAt'] = new Date().toISOString();
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(out, null, 2)}\n`);
  log(`wrote ${OUT}`);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

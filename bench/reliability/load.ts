// The load part of bench:reliability: 1,000 simulated clients against 3 replicas (server processes) sharing one
// PostgreSQL database. Each client asks one replica for a ticket and uploads its update to another. Reports ticket
// and upload latencies separately (and combined, the figure earlier runs gave), and measures where the time goes:
// requests that overlapped a closing round (the upload that completes a cohort aggregates and publishes inside
// the model's row lock) against the rest, PostgreSQL backends waiting on locks (pg_stat_activity sampled), CPU used
// by the replicas, PostgreSQL, the generator and everything else on the machine, and the generator's own
// event-loop delay (a busy generator inflates every latency it measures). Phases: one closed loop (the replicas'
// saturated throughput) and a sweep of paced (open-loop) arrival rates; the issue's latency target is read at the
// highest swept rate that meets it (a latency goal is defined under an offered load below saturation; a closed loop
// measures throughput, and its latency is queueing by Little's law). Must never leave a replica running or its
// database behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { clipToNorm } from '../../src/shared/federated/clip.js';
import { quantizeInt8, type Quantized } from '../../src/shared/federated/quantize.js';
import { encodeUpdate } from '../../src/shared/federated/wire.js';
import { mulberry32, parameterCount } from '../../src/shared/model/weights.js';
import { ManifestSchema } from '../../src/shared/protocol.js';
import { send } from './http-fuzz.js';
import { startServer, type ServerProcess } from './server-process.js';
import { stats, summarise, sweepRates, type LoadResult, type PhaseResult } from './load-results.js';
import { codeState, cpuOf, machineCpu, postgresCpu } from './proc-cpu.js';


const CLIENTS = 1000;
/** Server processes; SHELF_LOAD_REPLICAS changes it for comparisons (the issue's figure is 3). */
const REPLICAS = Number(process.env['SHELF_LOAD_REPLICAS'] ?? 3);
const CONCURRENCY = 50;
const LOCK_SAMPLE_MS = 20;
/** K of the replicas (SHELF_MIN_UPDATES): a round closes at this many accepted updates. */
const MIN_UPDATES = 100;

const log = (...a: unknown[]) => console.error('[bench:reliability]', ...a);

interface Timed {
  kind: 'ticket' | 'upload';
  start: number;
  end: number;
}

interface Setup {
  procs: ServerProcess[];
  updates: Quantized[];
  db: string;
  sampler: { query<R>(text: string, values: unknown[]): Promise<{ rows: R[] }> };
  serverLog: { url: string; ms: number }[];
  serverTimes: boolean;
}

/**
 * Runs the load: a closed-loop phase (50 clients in flight, each starting the next as soon as it finishes: the
 * replicas' saturated throughput) and then, on the same replicas and database, one paced phase per swept rate (open
 * loop: client i starts at i / rate s; `sweepRates`). Before each phase, untimed clients fill the open round so that
 * every phase starts at an empty one. Needs SHELF_TEST_POSTGRES_URL (the database is made and dropped here); null
 * without it. Updates are clipped and quantised before the timed phases (a real client does that on its own device,
 * not on the server's machine); the timed phases only frame each body with its ticket.
 */
export async function runLoad(): Promise<LoadResult | null> {
  const url = process.env['SHELF_TEST_POSTGRES_URL'];
  if (!url) {
    log('load: SHELF_TEST_POSTGRES_URL not set; skipped');
    return null;
  }
  const rates = sweepRates();
  const serverTimes = process.env['SHELF_LOAD_SERVER_TIMES'] === '1';
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const db = `shelf_load_${process.pid}`;
  await admin.query(`DROP DATABASE IF EXISTS ${db}`);
  await admin.query(`CREATE DATABASE ${db}`);
  const u = new URL(url);
  u.pathname = `/${db}`;
  const dirs: string[] = [];
  const procs: ServerProcess[] = [];
  const serverLog: { url: string; ms: number }[] = [];
  let sampler: InstanceType<typeof pg.Client> | null = null;
  try {
    for (let r = 0; r < REPLICAS; r++) {
      const dir = mkdtempSync(path.join(tmpdir(), 'shelf-replica-'));
      dirs.push(dir);
      // One after another: the first seeds the model, the others find it seeded.
      procs.push(
        await startServer(
          {
            SHELF_DATA_DIR: dir,
            SHELF_DATABASE_URL: u.href,
            SHELF_MIN_UPDATES: String(MIN_UPDATES),
            SHELF_DP_NOISE_MULTIPLIER: '1',
            SHELF_DP_EPSILON_BUDGET: '1000000000',
            SHELF_TICKET_SECRET: 'load-ticket-secret-0123456789abcdef',
            SHELF_STATIC_DIR: path.join(dir, 'no-site'),
            ...(serverTimes ? { SHELF_LOG_LEVEL: 'info' } : {}),
          },
          serverTimes ? { onStdoutLine: (line) => noteServerLine(line, serverLog) } : {},
        ),
      );
    }
    const manifest = ManifestSchema.parse(await (await fetch(`${procs[0]!.base}/models/shelf-demo/latest.json`)).json());
    const params = parameterCount(manifest.weights);
    // The round's clip bound and chunk size, from one ticket outside the timed phases (it is never used).
    const probe = await send(procs[0]!.base, 'POST', '/v1/rounds/current/ticket', {}, null);
    if (probe.status !== 200) throw new Error(`ticket probe answered ${probe.status}`);
    const { clip, chunk } = JSON.parse(probe.body.toString('utf8')) as { clip: number; chunk: number };
    const updates: Quantized[] = Array.from({ length: CLIENTS }, (_, i) => {
      const rand = mulberry32(i + 1);
      return quantizeInt8(clipToNorm(Float32Array.from({ length: params }, () => rand() - 0.5), clip).values, chunk, rand);
    });
    sampler = new pg.Client({ connectionString: u.href });
    await sampler.connect();
    const setup: Setup = { procs, updates, db, sampler, serverLog, serverTimes };
    const note = (p: PhaseResult) =>
      log(
        `load: ${p.arrival} (load avg ${p.breakdown.loadavgBefore.join(' ')}): ${p.clientsPerSecond} clients/s, ticket p99 ${p.ticket.p99Ms} ms, ` +
          `upload p99 ${p.upload.p99Ms} ms, both p99 ${p.p99Ms} ms, ${p.errors} errors` +
          (p.issue ? `; issued at ${p.issue.issuedPerSecond}/s, start lateness p99 ${p.issue.lateMs.p99Ms} ms` : ''),
      );
    const closedLoop = await phase(setup, null);
    note(closedLoop);
    const sweep: PhaseResult[] = [];
    for (const rate of rates) {
      sweep.push(await phase(setup, rate));
      note(sweep.at(-1)!);
    }
    // The issue's fields first: clients, replicas, errors, p99Ms.
    const { clients, ...rest } = summarise(closedLoop, sweep);
    return { clients, replicas: procs.length, ...rest, code: codeState(), measuredAt: new Date().toISOString() };
  } finally {
    await sampler?.end().catch(() => undefined);
    for (const p of procs) await p.kill('SIGTERM');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS ${db}`).catch(() => undefined);
    await admin.end();
  }
}

/** A ticket from `a`, its update to `b`: the HTTP statuses and times of both, and the upload's answer when accepted. */
async function ticketAndUpload(a: ServerProcess, b: ServerProcess, update: Quantized) {
  let start = performance.now();
  const tr = await send(a.base, 'POST', '/v1/rounds/current/ticket', {}, null);
  const ticketTime: Timed = { kind: 'ticket', start, end: performance.now() };
  if (tr.status !== 200) return { ticket: tr.status, upload: null, answer: null, ticketTime, uploadTime: null };
  const ticket = JSON.parse(tr.body.toString('utf8')) as { ticket: string; round: number; baseVersion: number };
  const body = encodeUpdate({ baseVersion: ticket.baseVersion, round: ticket.round, exampleBucket: 1, ticket: ticket.ticket, update });
  start = performance.now();
  const up = await send(b.base, 'POST', '/v1/updates', { 'content-type': 'application/octet-stream' }, body);
  const uploadTime: Timed = { kind: 'upload', start, end: performance.now() };
  const answer = up.status === 200 ? (JSON.parse(up.body.toString('utf8')) as { accepted: true }) : null;
  return { ticket: tr.status, upload: up.status, answer, ticketTime, uploadTime };
}

/**
 * Untimed clients, one at a time, until the open round holds no update (at most K of them), so that the next phase
 * starts at a fresh round as the first one does.
 */
async function fillRound(setup: Setup): Promise<PhaseResult['fill']> {
  const { procs, updates, sampler } = setup;
  const { rows } = await sampler.query<{ n: string }>(
    `SELECT count(*) AS n FROM updates u JOIN rounds r ON r.id = u.round_id WHERE r.state = 'open' AND u.consumed_in_version IS NULL`,
    [],
  );
  const pendingBefore = Number(rows[0]!.n);
  const openPending = async (db: typeof sampler) =>
    Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM updates u JOIN rounds r ON r.id = u.round_id WHERE r.state = 'open' AND u.consumed_in_version IS NULL`, [])).rows[0]!.n);
  let clients = 0;
  let errors = 0;
  let pending = pendingBefore;
  while (pending > 0 && clients < 2 * MIN_UPDATES) {
    const r = await ticketAndUpload(procs[clients % procs.length]!, procs[(clients + 1) % procs.length]!, updates[clients % updates.length]!);
    clients++;
    if (r.ticket !== 200 || (r.upload !== 200 && r.upload !== 409)) errors++;
    // Answers no longer say how many updates a round holds: the database does.
    if (r.answer) pending = await openPending(sampler);
  }
  if (pending > 0) throw new Error(`load: the open round still holds ${pending} updates after ${clients} fill clients`);
  return { pendingBefore, clients, errors };
}

/** One timed phase of CLIENTS clients: closed loop (rate null) or paced at `rate` clients per second. */
async function phase(setup: Setup, rate: number | null): Promise<PhaseResult> {
  const { procs, updates, db, sampler, serverLog } = setup;
  const fill = await fillRound(setup);
  serverLog.length = 0;
  const pgStats = { samples: 0, lockWaitBackendMs: 0, activeBackendMs: 0, maxLockWaiters: 0, samplesWithLockWaiters: 0 };
  const byStatement = new Map<string, number>();
  const byState = new Map<string, number>();
  let sampling = true;
  const sampled = (async () => {
    let last = performance.now();
    while (sampling) {
      const r = await sampler.query<{ waiting: boolean; active: boolean; query: string; state: string }>(
        `SELECT wait_event_type = 'Lock' AS waiting, state = 'active' AS active, left(regexp_replace(query, '\\s+', ' ', 'g'), 70) AS query,
                state || coalesce(' ' || wait_event_type || ':' || wait_event, '') AS state
           FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')`,
        [db],
      );
      const now = performance.now();
      const dt = now - last;
      last = now;
      const waiting = r.rows.filter((x) => x.waiting);
      const lock = waiting.length;
      for (const w of waiting) byStatement.set(w.query, (byStatement.get(w.query) ?? 0) + dt);
      for (const x of r.rows) byState.set(x.state, (byState.get(x.state) ?? 0) + dt);
      pgStats.samples++;
      pgStats.lockWaitBackendMs += lock * dt;
      pgStats.activeBackendMs += r.rows.filter((x) => x.active).length * dt;
      pgStats.maxLockWaiters = Math.max(pgStats.maxLockWaiters, lock);
      if (lock > 0) pgStats.samplesWithLockWaiters++;
      await new Promise((res) => setTimeout(res, LOCK_SAMPLE_MS));
    }
  })();

  const loop = monitorEventLoopDelay({ resolution: 5 });
  const timed: Timed[] = [];
  const closing: Timed[] = [];
  const starts: number[] = [];
  const late: number[] = [];
  let errors = 0;
  let accepted = 0;
  const publishedCount = async () =>
    Number((await sampler.query<{ n: string }>(`SELECT count(*) AS n FROM rounds WHERE state = 'published'`, [])).rows[0]!.n);
  const publishedBefore = await publishedCount();
  let conflicts = 0;
  const load0 = loadavg();
  const cpu0 = { machine: machineCpu(), replicas: procs.map((p) => cpuOf(p.child.pid!)), postgres: postgresCpu(), generator: process.cpuUsage() };
  const t0 = performance.now();
  loop.enable();
  const client = async (i: number) => {
    const r = await ticketAndUpload(procs[i % procs.length]!, procs[(i + 1) % procs.length]!, updates[i]!);
    timed.push(r.ticketTime);
    if (!r.uploadTime) return void errors++;
    timed.push(r.uploadTime);
    if (r.upload === 200) {
      accepted++;
      // Which upload closed a round is no longer in its answer (no response reveals a round's count): the phase
      // counts published rounds in the database afterwards, and closing uploads are not told apart any more.
    } else if (r.upload === 409) conflicts++;
    else errors++;
  };
  if (rate === null) {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CLIENTS) await client(next++);
      }),
    );
  } else {
    const started: Promise<void>[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      const now = performance.now();
      starts.push(now);
      late.push(Math.max(0, now - due));
      started.push(client(i));
    }
    await Promise.all(started);
  }
  loop.disable();
  const wall = (performance.now() - t0) / 1000;
  const gen = process.cpuUsage(cpu0.generator);
  const m1 = machineCpu();
  const replicasCpu = procs.reduce((sum, p, k) => sum + cpuOf(p.child.pid!) - cpu0.replicas[k]!, 0);
  let postgresCpuS = 0;
  for (const [pid, now] of postgresCpu()) postgresCpuS += now - (cpu0.postgres.get(pid) ?? 0);
  const generatorCpu = (gen.user + gen.system) / 1e6;
  const busy = m1.busy - cpu0.machine.busy;
  const load1 = loadavg();
  sampling = false;
  await sampled;

  const ms = (t: Timed) => t.end - t.start;
  const of = (kind: Timed['kind'], pick: (t: Timed) => boolean = () => true) => stats(timed.filter((t) => t.kind === kind && pick(t)).map(ms));
  const overlapsClose = (t: Timed) => closing.some((c) => c !== t && t.start < c.end && c.start < t.end);
  const r1 = (x: number) => Math.round(x * 10) / 10;
  const published = (await publishedCount()) - publishedBefore;
  const all = stats(timed.map(ms));
  const result: PhaseResult = {
    clients: CLIENTS,
    arrival: rate === null ? `closed loop, ${CONCURRENCY} in flight` : `paced, ${rate} clients/s`,
    errors,
    p99Ms: all.p99Ms,
    p50Ms: all.p50Ms,
    ticket: of('ticket'),
    upload: of('upload'),
    accepted,
    published,
    roundClosed409: conflicts,
    seconds: r1(wall),
    clientsPerSecond: r1(CLIENTS / wall),
    ...(rate === null
      ? {}
      : {
          issue: {
            issuedPerSecond: r1(((starts.length - 1) * 1000) / Math.max(1e-9, starts.at(-1)! - starts[0]!)),
            lateMs: (({ p50Ms, p99Ms, maxMs }) => ({ p50Ms, p99Ms, maxMs }))(stats(late)),
          },
        }),
    fill,
    breakdown: {
      closingUploads: stats(closing.map(ms)),
      duringClose: { ticket: of('ticket', overlapsClose), upload: of('upload', (t) => !closing.includes(t) && overlapsClose(t)) },
      outsideClose: { ticket: of('ticket', (t) => !overlapsClose(t)), upload: of('upload', (t) => !closing.includes(t) && !overlapsClose(t)) },
      firstSecond: { ticket: of('ticket', (t) => t.start - t0 < 1000), upload: of('upload', (t) => t.start - t0 < 1000) },
      afterFirstSecond: { ticket: of('ticket', (t) => t.start - t0 >= 1000), upload: of('upload', (t) => t.start - t0 >= 1000) },
      postgres: {
        ...pgStats,
        lockWaitBackendMs: Math.round(pgStats.lockWaitBackendMs),
        activeBackendMs: Math.round(pgStats.activeBackendMs),
        lockWaitByStatement: Object.fromEntries([...byStatement].sort((x, y) => y[1] - x[1]).map(([q, v]) => [q, Math.round(v)])),
        byState: Object.fromEntries([...byState].sort((x, y) => y[1] - x[1]).map(([q, v]) => [q, Math.round(v)])),
      },
      requestMs: Math.round(timed.reduce((sum, t) => sum + ms(t), 0)),
      cpuSeconds: {
        replicas: r1(replicasCpu),
        postgres: r1(postgresCpuS),
        generator: r1(generatorCpu),
        other: r1(Math.max(0, busy - replicasCpu - postgresCpuS - generatorCpu)),
        wall: r1(wall),
        cores: cpus().length,
      },
      generatorLoopDelay: { p50Ms: r1(loop.percentile(50) / 1e6), p99Ms: r1(loop.percentile(99) / 1e6), maxMs: r1(loop.max / 1e6) },
      loadavgBefore: load0.map(r1),
      loadavgAfter: load1.map(r1),
    },
  };
  if (setup.serverTimes) {
    result.serverSide = {
      ticket: stats(serverLog.filter((l) => l.url.startsWith('/v1/rounds/current/ticket')).map((l) => l.ms)),
      upload: stats(serverLog.filter((l) => l.url.startsWith('/v1/updates')).map((l) => l.ms)),
    };
  }
  return result;
}

/** fastify's "request completed" lines carry the URL (from the request line logged before) and responseTime. */
const pendingUrls = new Map<string, string>();
function noteServerLine(line: string, out: { url: string; ms: number }[]): void {
  let j: { pid?: number; reqId?: string; req?: { url?: string }; responseTime?: number };
  try {
    j = JSON.parse(line) as typeof j;
  } catch {
    return;
  }
  if (!j.reqId) return;
  const id = `${j.pid}:${j.reqId}`; // request ids are per process
  if (j.req?.url) pendingUrls.set(id, j.req.url);
  if (typeof j.responseTime === 'number') {
    const url = pendingUrls.get(id);
    pendingUrls.delete(id);
    if (url) out.push({ url, ms: j.responseTime });
  }
}

// Crash-safety trials: a client uploads a fixed sequence of updates to a real server process with its own data
// folder; at a random moment the server is SIGKILLed, restarted on the same folder, and the client resumes
// (re-sending the update that was in flight with its same single-use ticket: 200 means it had not been stored,
// 409 ticket_used / stale_version that it had). Checks that every update answered 2xx before the kill is still
// stored after the restart, that the versions published at the end are byte-identical to an uninterrupted run's
// (noise off so the result is deterministic), and that every stored version's weights match their manifest's
// hash (no version half-written). Used by server/reliability/sigkill.test.ts and `npm run bench:reliability`.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clipToNorm } from '../../src/shared/federated/clip.js';
import { quantizeInt8 } from '../../src/shared/federated/quantize.js';
import { encodeUpdate } from '../../src/shared/federated/wire.js';
import { mulberry32, parameterCount } from '../../src/shared/model/weights.js';
import { ManifestSchema, TicketResponseSchema, type Manifest } from '../../src/shared/protocol.js';
import { send } from './http-fuzz.js';
import { startServer, type ServerProcess } from './server-process.js';

const ADMIN = 'sigkill-admin-token-0123456789';
const MODEL = 'shelf-demo';

export interface SigkillOptions {
  /** Updates the client sends in all. */
  readonly updates: number;
  /** The server's minimum cohort K. */
  readonly minUpdates: number;
}

export interface TrialResult {
  readonly killedAfterAcks: number;
  readonly storedAfterRestart: number;
  readonly acceptedLost: number;
  /** The in-flight update at the kill: whether the restarted server had it. */
  readonly inFlight: 'none' | 'stored' | 'not_stored';
  readonly sameVersion: boolean;
  readonly versionsIntact: boolean;
}

function env(dataDir: string, o: SigkillOptions): Record<string, string> {
  return {
    SHELF_DATA_DIR: dataDir,
    SHELF_MIN_UPDATES: String(o.minUpdates),
    SHELF_DP_NOISE_MULTIPLIER: '0',
    SHELF_DP_CLIP: '1',
    // Pinned, so the reference run and the trials aggregate alike whatever the defaults become.
    SHELF_SERVER_OPTIMIZER: 'fedadam',
    SHELF_SERVER_LR: '0.01',
    SHELF_ROBUST_RULE: 'mean',
    SHELF_TICKET_SECRET: 'sigkill-ticket-secret-0123456789abcdef',
    SHELF_ADMIN_TOKEN: ADMIN,
    SHELF_STATIC_DIR: path.join(dataDir, 'no-site'),
    SHELF_MODEL: MODEL,
  };
}

async function getJson(base: string, url: string, headers: Record<string, string> = {}): Promise<unknown> {
  const r = await send(base, 'GET', url, headers, null);
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status} ${r.error ?? r.body.toString('utf8').slice(0, 200)}`);
  return JSON.parse(r.body.toString('utf8'));
}

/** Update i of the sequence against the round a fresh ticket names; null when the server did not answer. */
async function build(base: string, i: number, params: number): Promise<Uint8Array | null> {
  const r = await send(base, 'POST', '/v1/rounds/current/ticket', {}, null, 10_000);
  if (r.status !== 200) {
    if (r.status === null) return null;
    throw new Error(`ticket: ${r.status} ${r.body.toString('utf8')}`);
  }
  const t = TicketResponseSchema.parse(JSON.parse(r.body.toString('utf8')));
  const rand = mulberry32(10_000 + i);
  const values = clipToNorm(Float32Array.from({ length: params }, () => rand() - 0.5), 0.9).values;
  return encodeUpdate({ baseVersion: t.baseVersion, round: t.round, exampleBucket: 1, ticket: t.ticket, update: quantizeInt8(values, t.chunk, mulberry32(i)) });
}

async function post(base: string, body: Uint8Array): Promise<{ status: number | null; error: string }> {
  const r = await send(base, 'POST', '/v1/updates', { 'content-type': 'application/octet-stream' }, body, 20_000);
  let error = '';
  try {
    error = (JSON.parse(r.body.toString('utf8')) as { error?: string }).error ?? '';
  } catch {
    /* not JSON */
  }
  return { status: r.status, error };
}

/** Updates stored so far: those folded into aggregate versions plus those waiting in the open round. */
async function storedUpdates(base: string): Promise<number> {
  const list = (await getJson(base, `/v1/admin/models/${MODEL}/versions`, { authorization: `Bearer ${ADMIN}` })) as { versions: { manifest: Manifest }[] };
  const folded = list.versions.reduce((s, v) => s + (v.manifest.lineage.kind === 'aggregate' ? (v.manifest.lineage.updates ?? 0) : 0), 0);
  const round = (await getJson(base, `/v1/admin/models/${MODEL}/round`, { authorization: `Bearer ${ADMIN}` })) as { pending: number };
  return folded + round.pending;
}

/** The current version's weights hash, and whether every stored version's weights match their manifest. */
async function finalState(base: string): Promise<{ version: number; sha: string; intact: boolean }> {
  const list = (await getJson(base, `/v1/admin/models/${MODEL}/versions`, { authorization: `Bearer ${ADMIN}` })) as { versions: { manifest: Manifest; current: boolean }[] };
  let intact = true;
  let current = { version: 0, sha: '' };
  for (const { manifest, current: isCurrent } of list.versions) {
    const m = ManifestSchema.parse(manifest);
    const r = await send(base, 'GET', `/models/${MODEL}/${m.version}/weights.bin`, {}, null);
    const sha = createHash('sha256').update(r.body).digest('hex');
    const want = m.files.find((f) => f.path === 'weights.bin');
    if (r.status !== 200 || !want || want.sha256 !== sha || want.bytes !== r.body.byteLength) intact = false;
    if (isCurrent) current = { version: m.version, sha };
  }
  return { ...current, intact };
}

async function params(base: string): Promise<number> {
  return parameterCount(ManifestSchema.parse(await getJson(base, `/models/${MODEL}/latest.json`)).weights);
}

/** The uninterrupted run: the final version's number and weights hash, and how long sending took. */
export async function referenceRun(o: SigkillOptions): Promise<{ version: number; sha: string; ms: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shelf-sigkill-ref-'));
  let proc: ServerProcess | null = null;
  try {
    proc = await startServer(env(dir, o));
    const n = await params(proc.base);
    const t0 = Date.now();
    for (let i = 0; i < o.updates; i++) {
      const body = await build(proc.base, i, n);
      const r = await post(proc.base, body!);
      if (r.status !== 200) throw new Error(`reference run: update ${i} answered ${r.status} ${r.error}`);
    }
    const ms = Date.now() - t0;
    const s = await finalState(proc.base);
    return { version: s.version, sha: s.sha, ms };
  } finally {
    await proc?.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One trial: SIGKILL after `killAfterMs` of sending, restart, resume, compare with the reference. */
export async function sigkillTrial(o: SigkillOptions, killAfterMs: number, reference: { version: number; sha: string }): Promise<TrialResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shelf-sigkill-'));
  let proc: ServerProcess | null = null;
  try {
    proc = await startServer(env(dir, o));
    const n = await params(proc.base);
    const first = proc;
    const timer = setTimeout(() => void first.kill('SIGKILL'), killAfterMs);
    let i = 0;
    let acked = 0;
    let inFlight: Uint8Array | null = null;
    while (i < o.updates) {
      const body = await build(proc.base, i, n);
      if (!body) break;
      const r = await post(proc.base, body);
      if (r.status === null) {
        inFlight = body;
        break;
      }
      if (r.status !== 200) throw new Error(`update ${i} answered ${r.status} ${r.error}`);
      acked++;
      i++;
    }
    clearTimeout(timer);
    await proc.kill('SIGKILL');

    proc = await startServer(env(dir, o), { port: proc.port });
    const stored = await storedUpdates(proc.base);
    let state: TrialResult['inFlight'] = 'none';
    if (inFlight) {
      const r = await post(proc.base, inFlight);
      if (r.status === 200) state = 'not_stored';
      else if (r.status === 409 && (r.error === 'ticket_used' || r.error === 'stale_version')) state = 'stored';
      else throw new Error(`re-sent in-flight update answered ${r.status} ${r.error}`);
      i++;
    }
    for (; i < o.updates; i++) {
      const body = await build(proc.base, i, n);
      const r = await post(proc.base, body!);
      if (r.status !== 200) throw new Error(`after restart, update ${i} answered ${r.status} ${r.error}`);
    }
    const s = await finalState(proc.base);
    return {
      killedAfterAcks: acked,
      storedAfterRestart: stored,
      acceptedLost: Math.max(0, acked - stored),
      inFlight: state,
      sameVersion: s.version === reference.version && s.sha === reference.sha,
      versionsIntact: s.intact,
    };
  } finally {
    await proc?.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

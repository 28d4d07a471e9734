// The Store on PGlite (embedded PostgreSQL) in a folder on disk. The SQL is plain PostgreSQL so a `pg`
// implementation can reuse it. Must never publish a version outside the transaction that consumes its
// updates, and never let two ingestions interleave (one in-process queue, plus a row lock for PostgreSQL).
// Durability: a commit has been written to the files (the OS page cache) when its promise resolves, so it
// survives a crash of this process; PGlite's Node file system does not fsync, so a power loss may lose the
// last commits. Use PostgreSQL where that matters.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { ManifestSchema, ModelNameSchema, type Manifest } from '../../src/shared/protocol.js';
import { migrate, type SqlRunner } from './migrations.js';
import { RoundFailedError, transition, type RoundState } from '../federated/round-state.js';
import type { SpentRounds } from '../federated/privacy.js';
import { bytesToFloats } from '../weights-codec.js';
import type { Quantized } from '../../src/shared/federated/quantize.js';
import { encodeStoredUpdate, storedQuantized } from './stored-update.js';
import { ModelExistsError, type IngestPolicy, type IngestResult, type ModelCounts, type ModelVersion, type NewUpdate, type PendingUpdate, type Round, type Store, type VersionInfo } from './store.js';

/** Runs tasks one after another; PGlite has a single connection and ingestion must not interleave. */
function createQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>) => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * A name no model can have (a NUL byte, which PostgreSQL's text refuses with an error, or any other non-name)
 * is simply unknown: lookups answer "none" rather than fail, whatever route the name came from.
 */
const isModelName = (name: string) => ModelNameSchema.safeParse(name).success;

/** jsonb loses key order; re-parsing restores the schema's order and checks nothing rotted on disk. */
function readManifest(value: unknown): Manifest {
  return ManifestSchema.parse(typeof value === 'string' ? JSON.parse(value) : value);
}

async function insertVersion(tx: SqlRunner, v: ModelVersion): Promise<void> {
  await tx.query(
    'INSERT INTO model_versions (model, version, parent, manifest, weights, optimizer_state) VALUES ($1, $2, $3, $4::jsonb, $5, $6)',
    [v.manifest.name, v.manifest.version, v.manifest.parent, JSON.stringify(v.manifest), v.weights, v.optimizerState ?? null],
  );
}

async function loadVersion(tx: SqlRunner, model: string, version: number): Promise<ModelVersion | null> {
  const { rows } = await tx.query<{ manifest: unknown; weights: Uint8Array; optimizer_state: Uint8Array | null }>(
    'SELECT manifest, weights, optimizer_state FROM model_versions WHERE model = $1 AND version = $2',
    [model, version],
  );
  const row = rows[0];
  return row ? { manifest: readManifest(row.manifest), weights: row.weights, optimizerState: row.optimizer_state } : null;
}

interface RoundRow {
  id: number;
  base_version: number;
  state: RoundState;
}

/** The model's live (open or aggregating) round, if any. */
async function liveRound(tx: SqlRunner, model: string): Promise<RoundRow | null> {
  const { rows } = await tx.query<RoundRow>(
    "SELECT id, base_version, state FROM rounds WHERE model = $1 AND state IN ('open', 'aggregating')",
    [model],
  );
  return rows[0] ?? null;
}

async function setRoundState(tx: SqlRunner, round: RoundRow, to: RoundState, extra: { published?: number; failure?: string; sampleRate?: number; noiseMultiplier?: number } = {}): Promise<void> {
  transition(round.state, to);
  await tx.query(
    `UPDATE rounds SET state = $2, closed_at = CASE WHEN $2 IN ('published', 'failed') THEN now() ELSE closed_at END,
            published_version = $3, failure = $4, sample_rate = $5, noise_multiplier = $6
      WHERE id = $1`,
    [round.id, to, extra.published ?? null, extra.failure ?? null, extra.sampleRate ?? null, extra.noiseMultiplier ?? null],
  );
  round.state = to;
}

async function openRoundOn(tx: SqlRunner, model: string, version: number): Promise<void> {
  await tx.query("INSERT INTO rounds (model, base_version, state) VALUES ($1, $2, 'open')", [model, version]);
}

async function spentRounds(tx: SqlRunner, model: string): Promise<SpentRounds[]> {
  const { rows } = await tx.query<{ sample_rate: number; noise_multiplier: number; rounds: number }>(
    `SELECT sample_rate, noise_multiplier, count(*)::integer AS rounds FROM rounds
      WHERE model = $1 AND state = 'published' GROUP BY sample_rate, noise_multiplier ORDER BY 1, 2`,
    [model],
  );
  return rows.map((r) => ({ sampleRate: r.sample_rate, noiseMultiplier: r.noise_multiplier, rounds: r.rounds }));
}

/** A write refused by the unique index on updates' ticket nonces (PostgreSQL's unique_violation). */
function isTicketConflict(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && e.constraint === 'updates_ticket';
}

/** Advisory lock key taken while a seed is imported (any 64-bit key only Shelf takes). */
const SEED_LOCK = 0x5e1f_0002;

/**
 * Two ingestions may share a transaction when their policies agree: the same cohort size and the same aggregator.
 * (Compared by value: a caller may build the policy object per request.)
 */
const samePolicy = (a: IngestPolicy, b: IngestPolicy) => a === b || (a.minUpdates === b.minUpdates && a.aggregate === b.aggregate);

/**
 * On PGlite, how long the first upload of a batch waits for others before its transaction starts. A transaction
 * costs ~3 ms of CPU there whatever its size and each update ~0.4 ms more, and it runs on the server's own thread,
 * so under load a short wait makes batches larger and the server cheaper per update (bench:server on a quiet machine:
 * 0.78–0.82 ms of server CPU per update with 2 ms against 0.93–1.04 ms with none, 1,475–1,552 against 1,216–1,314
 * updates/s); an upload alone waits 2 ms more. Not on PostgreSQL: there the uploads that arrive while a transaction is
 * on the wire batch by themselves, and the wait made no difference beyond the run-to-run spread (1,059–1,185 with
 * it against 1,048–1,414 updates/s without).
 */
export const BATCH_WAIT_MS = 2;

/** Most updates committed in one transaction (the rest wait for the next). */
export const MAX_BATCH = 64;

interface Waiting {
  readonly update: NewUpdate;
  readonly policy: IngestPolicy;
  resolve(r: IngestResult): void;
  reject(err: unknown): void;
}

/** PGlite's transaction: COPY … FROM '/dev/blob' reads the blob passed with the query. */
interface PgliteCopyRunner {
  query(sql: string, params: unknown[], options?: { blob: Blob }): Promise<unknown>;
}

const COPY_SIGNATURE = Uint8Array.of(0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00);

/**
 * The rows in PostgreSQL's binary COPY format (signature, flags, extension length; per row a field count, then
 * each field's length and bytes — int4 big-endian, text UTF-8, bytea as is; -1 at the end).
 */
export function copyBinaryRows(roundId: number, updates: readonly NewUpdate[]): Uint8Array {
  const enc = new TextEncoder();
  const rows = updates.map((u) => ({ model: enc.encode(u.model), nonce: enc.encode(u.ticketNonce), q: encodeStoredUpdate(u.quantized), u }));
  const size = 19 + rows.reduce((n, r) => n + 2 + 6 * 4 + r.model.length + 3 * 4 + r.q.length + r.nonce.length, 0) + 2;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(COPY_SIGNATURE, 0);
  let at = 19;
  const bytes = (b: Uint8Array) => {
    view.setInt32(at, b.length);
    out.set(b, at + 4);
    at += 4 + b.length;
  };
  const int4 = (v: number) => {
    view.setInt32(at, 4);
    view.setInt32(at + 4, v);
    at += 8;
  };
  for (const r of rows) {
    view.setInt16(at, 6);
    at += 2;
    bytes(r.model);
    int4(r.u.baseVersion);
    int4(r.u.exampleCount);
    bytes(r.q);
    int4(roundId);
    bytes(r.nonce);
  }
  view.setInt16(at, -1);
  return out;
}

/**
 * Stores accepted updates of one round with one statement, in order (their ids keep arrival order). On PGlite a
 * binary COPY: sending a bytea as a query parameter costs ~1.5 ms per 11 KB there (text encoding), COPY ~0.25 ms.
 */
async function insertUpdates(tx: SqlRunner, roundId: number, updates: readonly NewUpdate[], copy: boolean): Promise<void> {
  if (updates.length === 0) return;
  if (copy) {
    const blob = new Blob([copyBinaryRows(roundId, updates)]);
    await (tx as unknown as PgliteCopyRunner).query(
      "COPY updates (model, base_version, example_count, quantized, round_id, ticket_nonce) FROM '/dev/blob' WITH (FORMAT binary)",
      [],
      { blob },
    );
    return;
  }
  const params: unknown[] = [];
  const rows = updates.map((u) => {
    const at = params.length;
    params.push(u.model, u.baseVersion, u.exampleCount, encodeStoredUpdate(u.quantized), roundId, u.ticketNonce);
    return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6})`;
  });
  await tx.query(`INSERT INTO updates (model, base_version, example_count, quantized, round_id, ticket_nonce) VALUES ${rows.join(', ')}`, params);
}

/** A round's pending update as stored: the int8 form, or (rows from before migration 4) the float32 delta. */
function pendingValues(r: { quantized: Uint8Array | null; delta: Uint8Array | null }): Float32Array | Quantized {
  if (r.quantized) return storedQuantized(r.quantized);
  if (r.delta) return bytesToFloats(r.delta);
  throw new Error('a pending update has no stored values');
}

/** A round whose values are no longer needed (aggregated, failed, superseded): keep the rows, drop the values. */
async function dropValues(tx: SqlRunner, where: string, param: unknown): Promise<void> {
  await tx.query(`UPDATE updates SET delta = NULL, quantized = NULL WHERE ${where}`, [param]);
}

interface PendingRow {
  id: number;
  example_count: number;
  quantized: Uint8Array | null;
  delta: Uint8Array | null;
}

/**
 * Rows of (id int4, example_count int4, quantized bytea, delta bytea) from PostgreSQL's binary COPY format. The
 * byte columns are views of `data` (no copy: a round of 10,000 is 113 MB).
 */
export function parseCopyPendingRows(data: Uint8Array): PendingRow[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 11 + 4;
  at += 4 + view.getInt32(at);
  const rows: PendingRow[] = [];
  const field = (): Uint8Array | null => {
    const n = view.getInt32(at);
    at += 4;
    if (n < 0) return null;
    if (at + n > data.byteLength) throw new Error('stored update row: a column runs past the end of the COPY data');
    const b = data.subarray(at, at + n);
    at += n;
    return b;
  };
  const int4 = () => {
    if (view.getInt32(at) !== 4) throw new Error('stored update row: an integer column is not 4 bytes');
    const v = view.getInt32(at + 4);
    at += 8;
    return v;
  };
  for (;;) {
    const fields = view.getInt16(at);
    at += 2;
    if (fields === -1) return rows;
    if (fields !== 4) throw new Error(`stored update row has ${fields} fields`);
    rows.push({ id: int4(), example_count: int4(), quantized: field(), delta: field() });
  }
}

/**
 * The round's pending updates, in order. On PGlite a binary COPY: reading a bytea through a query result costs
 * ~1.5 ms per 11 KB row there (text encoding), so a round of 10,000 would spend seconds in it.
 */
async function pendingRows(tx: SqlRunner, roundId: number, copy: boolean): Promise<PendingRow[]> {
  const select = `SELECT id, example_count, quantized, delta FROM updates WHERE round_id = ${Number(roundId)} AND consumed_in_version IS NULL ORDER BY id`;
  if (copy) {
    const res = (await (tx as unknown as PgliteCopyRunner).query(`COPY (${select}) TO '/dev/blob' WITH (FORMAT binary)`, [])) as { blob?: Blob };
    if (!res.blob) throw new Error('COPY TO /dev/blob returned no data');
    return parseCopyPendingRows(new Uint8Array(await res.blob.arrayBuffer()));
  }
  return (await tx.query<PendingRow>(select)).rows;
}

/** Closes a round that reached its cohort: aggregate its updates and publish, or fail it. */
async function closeRound(tx: SqlRunner, model: string, current: number, round: RoundRow, policy: IngestPolicy, copy: boolean): Promise<IngestResult> {
  const pending = { rows: await pendingRows(tx, round.id, copy) };
  await setRoundState(tx, round, 'aggregating');
  const base = await loadVersion(tx, model, current);
  if (!base) throw new Error(`model ${model}: current version ${current} has no row`);
  const updates: PendingUpdate[] = pending.rows.map((r) => ({ id: r.id, exampleCount: r.example_count, values: pendingValues(r) }));
  const { rows: maxRows } = await tx.query<{ max: number }>('SELECT max(version)::integer AS max FROM model_versions WHERE model = $1', [model]);
  const expected = (maxRows[0]?.max ?? current) + 1;
  let result;
  try {
    result = policy.aggregate(base, updates, { round: round.id, nextVersion: expected, spent: await spentRounds(tx, model) });
  } catch (err) {
    if (!(err instanceof RoundFailedError)) throw err;
    await setRoundState(tx, round, 'failed', { failure: err.reason });
    await dropValues(tx, 'round_id = $1', round.id);
    if (err.reopen) await openRoundOn(tx, model, current);
    else await tx.query('UPDATE models SET stopped = $1 WHERE name = $2', [`${err.reason}: ${err.message}`, model]);
    return { status: 'accepted', pending: 0, published: null, failed: err.reason };
  }
  const next = result.version;
  const { name, version, parent } = next.manifest;
  if (name !== model || version !== expected || parent !== current) {
    throw new Error(`aggregator built ${name} v${version} (parent ${parent}); expected ${model} v${expected} (parent ${current})`);
  }
  await insertVersion(tx, next);
  // An individual update is never needed again once aggregated: keep the row (counts, lineage), drop its values.
  await tx.query('UPDATE updates SET consumed_in_version = $1, delta = NULL, quantized = NULL WHERE id = ANY($2::integer[])', [version, updates.map((u) => u.id)]);
  await tx.query('UPDATE models SET current_version = $1, updated_at = now() WHERE name = $2', [version, name]);
  await tx.query("INSERT INTO version_changes (model, from_version, to_version, kind) VALUES ($1, $2, $3, 'aggregate')", [name, current, version]);
  await setRoundState(tx, round, 'published', { published: version, sampleRate: result.sampleRate, noiseMultiplier: result.noiseMultiplier });
  await openRoundOn(tx, name, version);
  return { status: 'accepted', pending: 0, published: version };
}

/** Why an update cannot join the model's live round (stale base version, or not that round), or null when it can. */
function refusal(u: NewUpdate, current: number, round: RoundRow | null): IngestResult | null {
  if (current !== u.baseVersion) return { status: 'stale', current };
  if (!round || round.id !== u.round || round.state !== 'open' || round.base_version !== current) {
    return { status: 'wrong_round', current: round?.state === 'open' ? round.id : null };
  }
  return null;
}

/** Tickets of `nonces` already stored. */
async function storedTickets(tx: SqlRunner, nonces: readonly string[]): Promise<Set<string>> {
  const { rows } = await tx.query<{ ticket_nonce: string }>('SELECT ticket_nonce FROM updates WHERE ticket_nonce = ANY($1::text[])', [nonces]);
  return new Set(rows.map((r) => r.ticket_nonce));
}

/** Updates waiting in a round, not counting the rows of `exceptNonces` (this batch's, written before the lock). */
async function waitingIn(tx: SqlRunner, roundId: number, exceptNonces: readonly string[]): Promise<number> {
  const { rows } =
    exceptNonces.length === 0
      ? await tx.query<{ n: number }>('SELECT count(*)::integer AS n FROM updates WHERE round_id = $1 AND consumed_in_version IS NULL', [roundId])
      : await tx.query<{ n: number }>(
          'SELECT count(*)::integer AS n FROM updates WHERE round_id = $1 AND consumed_in_version IS NULL AND (ticket_nonce IS NULL OR NOT (ticket_nonce = ANY($2::text[])))',
          [roundId, exceptNonces],
        );
  return rows[0]?.n ?? 0;
}

const deleteByTicket = (tx: SqlRunner, nonces: readonly string[]) =>
  nonces.length > 0 ? tx.query('DELETE FROM updates WHERE ticket_nonce = ANY($1::text[])', [nonces]) : Promise.resolve();

/**
 * Checks and stores a batch of updates for one model in one transaction, in order, each with the result it would
 * get alone: the model's row is locked once; an update is refused when its base version is stale or its round not
 * the live one, then when its ticket was seen before (stored, or earlier in the batch); the update that completes the
 * cohort closes the round here, and those after it meet the new version (a later ticket cannot be for a round this
 * transaction opened).
 *
 * On a database shared by several server processes (`copy` false: PostgreSQL) the rows that can still be accepted
 * are written *before* the lock, so a replica holds it only for the checks and the commit, not while its uploads'
 * bytes travel to the database; the rows of those refused after the lock (or past the cohort that closed) are deleted
 * in the same transaction, so no other transaction ever sees them. A ticket written meanwhile by another replica
 * fails the batch on the unique index (the store retries it, and then refuses the ticket as used). PGlite has one
 * connection, nothing waits on its lock, and its rows are written after the checks with one binary COPY.
 */
async function ingestBatch(tx: SqlRunner, batch: readonly NewUpdate[], policy: IngestPolicy, copy: boolean): Promise<IngestResult[]> {
  const model = batch[0]!.model;
  const unknown = () => batch.map((): IngestResult => ({ status: 'unknown_model' }));
  const nonces = batch.map((u) => u.ticketNonce);
  const written = new Set<number>();
  let stored: Set<string> | null = null;
  if (!copy) {
    const { rows } = await tx.query<{ current_version: number; live: number | null }>(
      "SELECT current_version, (SELECT id FROM rounds WHERE model = $1 AND state = 'open' AND base_version = models.current_version) AS live FROM models WHERE name = $1",
      [model],
    );
    const seen = rows[0];
    if (!seen) return unknown();
    stored = await storedTickets(tx, nonces);
    const first = new Set<string>();
    batch.forEach((u, i) => {
      if (stored!.has(u.ticketNonce) || first.has(u.ticketNonce)) return;
      first.add(u.ticketNonce);
      if (seen.live !== null && u.round === seen.live && u.baseVersion === seen.current_version) written.add(i);
    });
    if (seen.live !== null && written.size > 0) await insertUpdates(tx, seen.live, [...written].map((i) => batch[i]!), false);
  }

  // FOR NO KEY UPDATE excludes every other ingestion, round opening and admin change (they take it or FOR UPDATE),
  // but not the foreign-key checks (KEY SHARE) of the rows other replicas write before their lock.
  const head = await tx.query<{ current_version: number }>('SELECT current_version FROM models WHERE name = $1 FOR NO KEY UPDATE', [model]);
  let current = head.rows[0]?.current_version;
  if (current === undefined) return unknown();
  const round = await liveRound(tx, model);
  const seenTickets = stored ?? (await storedTickets(tx, nonces));
  const results: (IngestResult | null)[] = batch.map(() => null);
  const accepted: number[] = [];
  let waiting: number | null = null;
  let closesAt = -1;
  for (const [i, u] of batch.entries()) {
    const refused = refusal(u, current, round);
    if (refused) {
      results[i] = refused;
      continue;
    }
    if (seenTickets.has(u.ticketNonce)) {
      results[i] = { status: 'ticket_used' };
      continue;
    }
    seenTickets.add(u.ticketNonce);
    waiting ??= await waitingIn(tx, round!.id, [...written].map((k) => nonces[k]!));
    waiting += 1;
    accepted.push(i);
    if (waiting >= policy.minUpdates) {
      closesAt = i;
      break;
    }
    results[i] = { status: 'accepted', pending: waiting, published: null };
  }

  // The rows of exactly the accepted updates, then (the cohort complete) the aggregate and the next round.
  const keep = new Set(accepted);
  await deleteByTicket(tx, [...written].filter((i) => !keep.has(i)).map((i) => nonces[i]!));
  const unwritten = accepted.filter((i) => !written.has(i));
  if (unwritten.length > 0) await insertUpdates(tx, round!.id, unwritten.map((i) => batch[i]!), copy);
  if (closesAt < 0) return results.map((r) => r!);
  const closed = await closeRound(tx, model, current, round!, policy, copy);
  results[closesAt] = closed;
  if (closed.status === 'accepted' && closed.published !== null) current = closed.published;
  const next = await liveRound(tx, model);
  for (let k = closesAt + 1; k < batch.length; k++) {
    results[k] = refusal(batch[k]!, current, next) ?? { status: 'wrong_round', current: next?.id ?? null };
  }
  return results.map((r) => r!);
}

/** What the store needs of a database: PGlite has it, and so does the `pg` adapter (pg-store.ts). */
export interface SqlDatabase {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(sql: string): Promise<unknown>;
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export class PgliteStore implements Store {
  readonly #db: SqlDatabase;
  readonly #serial = createQueue();
  readonly #waiting: Waiting[] = [];
  #draining: Promise<void> | null = null;
  #closed = false;

  /** True on PGlite: updates are written with a binary COPY (see insertUpdates). */
  readonly #copy: boolean;

  private constructor(db: SqlDatabase, copy = false) {
    this.#db = db;
    this.#copy = copy;
  }

  /**
   * The store over any database with the SqlDatabase shape whose schema is already migrated (PostgreSQL through
   * `pg`: openPostgresStore). Several processes may share one PostgreSQL database: ingestion and round changes
   * lock the model's row (`SELECT … FOR UPDATE`), so exactly one of them closes and publishes a round.
   */
  static over(db: SqlDatabase): PgliteStore {
    return new PgliteStore(db);
  }

  /**
   * Opens (creating if needed) the database in `dir` and brings its schema up to date.
   * @example
   *   const store = await PgliteStore.open('.shelf-data/db');
   */
  static async open(dir: string): Promise<PgliteStore> {
    await mkdir(dir, { recursive: true });
    const db = await PGlite.create(dir);
    await migrate(db);
    return new PgliteStore(db, true);
  }

  async current(model: string): Promise<Manifest | null> {
    if (!isModelName(model)) return null;
    const { rows } = await this.#db.query<{ manifest: unknown }>(
      `SELECT v.manifest FROM models m
         JOIN model_versions v ON v.model = m.name AND v.version = m.current_version
        WHERE m.name = $1`,
      [model],
    );
    return rows[0] ? readManifest(rows[0].manifest) : null;
  }

  async manifest(model: string, version: number): Promise<Manifest | null> {
    if (!isModelName(model)) return null;
    const { rows } = await this.#db.query<{ manifest: unknown }>(
      'SELECT manifest FROM model_versions WHERE model = $1 AND version = $2',
      [model, version],
    );
    return rows[0] ? readManifest(rows[0].manifest) : null;
  }

  async weights(model: string, version: number): Promise<Uint8Array | null> {
    if (!isModelName(model)) return null;
    const { rows } = await this.#db.query<{ weights: Uint8Array }>(
      'SELECT weights FROM model_versions WHERE model = $1 AND version = $2',
      [model, version],
    );
    return rows[0]?.weights ?? null;
  }

  importSeed(version: ModelVersion): Promise<void> {
    return this.#serial(() =>
      this.#db.transaction(async (tx) => {
        // Replicas starting together on an empty PostgreSQL database: one imports, the others wait here and then
        // find the versions it wrote (ModelExistsError), instead of racing on the primary key.
        await tx.query('SELECT pg_advisory_xact_lock($1)', [SEED_LOCK]);
        const { rows } = await tx.query('SELECT 1 FROM model_versions WHERE model = $1 LIMIT 1', [version.manifest.name]);
        if (rows.length > 0) throw new ModelExistsError(version.manifest.name);
        await insertVersion(tx, version);
        await tx.query('INSERT INTO models (name, current_version) VALUES ($1, $2)', [version.manifest.name, version.manifest.version]);
        await tx.query("INSERT INTO version_changes (model, from_version, to_version, kind) VALUES ($1, NULL, $2, 'seed')", [version.manifest.name, version.manifest.version]);
      }),
    );
  }

  /**
   * A ticket request must not queue behind ingestion: the open round on the current version is read without the
   * model's row lock (a plain read sees the last committed state). Only when there is none — the first request
   * after a failed round, an admin change, or a fresh database — is the row locked to open one. A ticket issued for a
   * round that another transaction is closing at that moment meets 409 wrong_round on upload, as any client whose
   * round closed does, and asks for a new ticket.
   */
  async openRound(model: string): Promise<{ round: Round | null; stopped: string | null }> {
    if (!isModelName(model)) return { round: null, stopped: null };
    const { rows } = await this.#db.query<{ current_version: number; stopped: string | null; id: number | null; base_version: number | null; pending: number | null }>(
      `SELECT m.current_version, m.stopped, r.id, r.base_version,
              (SELECT count(*)::integer FROM updates u WHERE u.round_id = r.id AND u.consumed_in_version IS NULL) AS pending
         FROM models m LEFT JOIN rounds r ON r.model = m.name AND r.state = 'open'
        WHERE m.name = $1`,
      [model],
    );
    const seen = rows[0];
    if (!seen) return { round: null, stopped: null };
    if (seen.stopped) return { round: null, stopped: seen.stopped };
    if (seen.id !== null && seen.base_version === seen.current_version) {
      return { round: { id: seen.id, model, baseVersion: seen.base_version, state: 'open', pending: seen.pending ?? 0 }, stopped: null };
    }
    return this.#serial(() =>
      this.#db.transaction(async (tx) => {
        const head = await tx.query<{ current_version: number; stopped: string | null }>(
          'SELECT current_version, stopped FROM models WHERE name = $1 FOR UPDATE',
          [model],
        );
        const m = head.rows[0];
        if (!m) return { round: null, stopped: null };
        if (m.stopped) return { round: null, stopped: m.stopped };
        let live = await liveRound(tx, model);
        if (!live) {
          await openRoundOn(tx, model, m.current_version);
          live = await liveRound(tx, model);
        }
        const r = live!;
        return { round: { id: r.id, model, baseVersion: r.base_version, state: r.state, pending: await waitingIn(tx, r.id, []) }, stopped: null };
      }),
    );
  }

  /**
   * Group commit: an update waits at most for the transaction in progress; every update that arrived meanwhile
   * (up to MAX_BATCH) is then written in one transaction, each checked in arrival order exactly as if alone.
   */
  ingest(update: NewUpdate, policy: IngestPolicy): Promise<IngestResult> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    return new Promise<IngestResult>((resolve, reject) => {
      this.#waiting.push({ update, policy, resolve, reject });
      if (!this.#draining) {
        this.#draining = this.#drain();
      }
    });
  }

  /** Commits waiting updates batch after batch until none is left. */
  async #drain(): Promise<void> {
    // PGlite: let the uploads arriving in the next BATCH_WAIT_MS join the first batch (its transactions run on this
    // thread, so nothing is received while one runs). PostgreSQL: the uploads that arrive while a transaction is
    // on the wire form the next batch by themselves; only those already parsed in this turn join the first.
    await new Promise((r) => (this.#copy ? setTimeout(r, BATCH_WAIT_MS) : setImmediate(r)));
    try {
      while (this.#waiting.length > 0) {
        const taken = this.#waiting.splice(0, MAX_BATCH);
        // One transaction per run of updates for the same model under the same policy (in practice: all of them).
        for (let i = 0; i < taken.length; ) {
          let j = i + 1;
          while (j < taken.length && taken[j]!.update.model === taken[i]!.update.model && samePolicy(taken[j]!.policy, taken[i]!.policy)) j++;
          await this.#commit(taken.slice(i, j));
          i = j;
        }
      }
    } finally {
      this.#draining = null;
    }
  }

  async #commit(batch: readonly Waiting[]): Promise<void> {
    const policy = batch[0]!.policy;
    const once = (items: readonly Waiting[]) =>
      this.#serial(() =>
        this.#db.transaction((tx) =>
          ingestBatch(tx, items.map((w) => w.update), policy, this.#copy),
        ),
      );
    // Another replica stored one of these tickets between our check and our write: the transaction failed on the
    // ticket's unique index, and once more sees that ticket as used.
    const run = async (items: readonly Waiting[]) => {
      try {
        return await once(items);
      } catch (err) {
        if (!isTicketConflict(err)) throw err;
        return once(items);
      }
    };
    let results: IngestResult[];
    try {
      results = await run(batch);
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // Nothing of the batch was committed (an aggregation threw, or the database failed): redo each update in
      // its own transaction, so only the one that fails alone is refused with the error.
      for (const w of batch) {
        try {
          w.resolve((await run([w]))[0]!);
        } catch (one) {
          w.reject(one);
        }
      }
      return;
    }
    // Only now, after COMMIT: each caller may answer 2xx.
    batch.forEach((w, i) => w.resolve(results[i]!));
  }

  async versions(model: string): Promise<VersionInfo[]> {
    if (!isModelName(model)) return [];
    const { rows } = await this.#db.query<{ manifest: unknown; current: boolean }>(
      `SELECT v.manifest, (m.current_version = v.version) AS current
         FROM model_versions v JOIN models m ON m.name = v.model
        WHERE v.model = $1 ORDER BY v.version DESC`,
      [model],
    );
    return rows.map((r) => ({ manifest: readManifest(r.manifest), current: r.current }));
  }

  setCurrent(model: string, version: number): Promise<{ previous: number }> {
    return this.#serial(() =>
      this.#db.transaction(async (tx) => {
        const head = await tx.query<{ current_version: number; stopped: string | null }>(
          'SELECT current_version, stopped FROM models WHERE name = $1 FOR UPDATE',
          [model],
        );
        const m = head.rows[0];
        if (!m) throw new Error(`no model named '${model}'`);
        const exists = await tx.query('SELECT 1 FROM model_versions WHERE model = $1 AND version = $2', [model, version]);
        if (exists.rows.length === 0) throw new Error(`model ${model} has no version ${version}`);
        const live = await liveRound(tx, model);
        if (live) {
          await setRoundState(tx, live, 'failed', { failure: 'superseded' });
          await dropValues(tx, 'round_id = $1', live.id);
        }
        await tx.query('UPDATE models SET current_version = $1, updated_at = now() WHERE name = $2', [version, model]);
        await tx.query("INSERT INTO version_changes (model, from_version, to_version, kind) VALUES ($1, $2, $3, 'admin')", [model, m.current_version, version]);
        if (!m.stopped) await openRoundOn(tx, model, version);
        return { previous: m.current_version };
      }),
    );
  }

  spent(model: string): Promise<SpentRounds[]> {
    return spentRounds(this.#db, model);
  }

  async counts(model: string): Promise<ModelCounts> {
    const { rows } = await this.#db.query<{ versions: number; pending: number; updates: number }>(
      `SELECT
         (SELECT count(*)::integer FROM model_versions WHERE model = $1) AS versions,
         (SELECT count(*)::integer FROM updates u JOIN rounds r ON r.id = u.round_id
           WHERE u.model = $1 AND r.state IN ('open', 'aggregating')) AS pending,
         (SELECT count(*)::integer FROM updates WHERE model = $1) AS updates`,
      [model],
    );
    return rows[0] ?? { versions: 0, pending: 0, updates: 0 };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#draining;
    await this.#serial(async () => {
      await this.#db.close();
    });
  }
}

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
import type { IngestPolicy, IngestResult, ModelCounts, ModelVersion, NewUpdate, PendingUpdate, Round, Store, VersionInfo } from './store.js';

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
  #closed = false;

  private constructor(db: SqlDatabase) {
    this.#db = db;
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
    return new PgliteStore(db);
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
        const { rows } = await tx.query('SELECT 1 FROM model_versions WHERE model = $1 LIMIT 1', [version.manifest.name]);
        if (rows.length > 0) throw new Error(`model ${version.manifest.name} already has versions; a seed is only imported into an empty model`);
        await insertVersion(tx, version);
        await tx.query('INSERT INTO models (name, current_version) VALUES ($1, $2)', [version.manifest.name, version.manifest.version]);
        await tx.query("INSERT INTO version_changes (model, from_version, to_version, kind) VALUES ($1, NULL, $2, 'seed')", [version.manifest.name, version.manifest.version]);
      }),
    );
  }

  openRound(model: string): Promise<{ round: Round | null; stopped: string | null }> {
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
        const { rows } = await tx.query<{ n: number }>('SELECT count(*)::integer AS n FROM updates WHERE round_id = $1', [r.id]);
        return { round: { id: r.id, model, baseVersion: r.base_version, state: r.state, pending: rows[0]?.n ?? 0 }, stopped: null };
      }),
    );
  }

  ingest(update: NewUpdate, policy: IngestPolicy): Promise<IngestResult> {
    return this.#serial(() =>
      this.#db.transaction(async (tx): Promise<IngestResult> => {
        const head = await tx.query<{ current_version: number }>(
          'SELECT current_version FROM models WHERE name = $1 FOR UPDATE',
          [update.model],
        );
        const current = head.rows[0]?.current_version;
        if (current === undefined) return { status: 'unknown_model' };
        if (current !== update.baseVersion) return { status: 'stale', current };
        const round = await liveRound(tx, update.model);
        if (!round || round.id !== update.round || round.state !== 'open' || round.base_version !== current) {
          return { status: 'wrong_round', current: round?.state === 'open' ? round.id : null };
        }
        const used = await tx.query('SELECT 1 FROM updates WHERE ticket_nonce = $1', [update.ticketNonce]);
        if (used.rows.length > 0) return { status: 'ticket_used' };

        await tx.query(
          'INSERT INTO updates (model, base_version, example_count, delta, round_id, ticket_nonce) VALUES ($1, $2, $3, $4, $5, $6)',
          [update.model, update.baseVersion, update.exampleCount, update.delta, round.id, update.ticketNonce],
        );
        // Count first: the round's deltas are read only by the update that closes it (reading them on every
        // ingest made ingestion quadratic in the cohort size).
        const counted = await tx.query<{ n: number }>('SELECT count(*)::integer AS n FROM updates WHERE round_id = $1 AND consumed_in_version IS NULL', [round.id]);
        const waiting = counted.rows[0]?.n ?? 0;
        if (waiting < policy.minUpdates) return { status: 'accepted', pending: waiting, published: null };
        const pending = await tx.query<{ id: number; example_count: number; delta: Uint8Array }>(
          'SELECT id, example_count, delta FROM updates WHERE round_id = $1 AND consumed_in_version IS NULL ORDER BY id',
          [round.id],
        );

        await setRoundState(tx, round, 'aggregating');
        const base = await loadVersion(tx, update.model, current);
        if (!base) throw new Error(`model ${update.model}: current version ${current} has no row`);
        const updates: PendingUpdate[] = pending.rows.map((r) => ({ id: r.id, exampleCount: r.example_count, delta: r.delta }));
        const { rows: maxRows } = await tx.query<{ max: number }>('SELECT max(version)::integer AS max FROM model_versions WHERE model = $1', [update.model]);
        const expected = (maxRows[0]?.max ?? current) + 1;
        let result;
        try {
          result = policy.aggregate(base, updates, { round: round.id, nextVersion: expected, spent: await spentRounds(tx, update.model) });
        } catch (err) {
          if (!(err instanceof RoundFailedError)) throw err;
          await setRoundState(tx, round, 'failed', { failure: err.reason });
          await tx.query("UPDATE updates SET delta = ''::bytea WHERE round_id = $1", [round.id]);
          if (err.reopen) await openRoundOn(tx, update.model, current);
          else await tx.query('UPDATE models SET stopped = $1 WHERE name = $2', [`${err.reason}: ${err.message}`, update.model]);
          return { status: 'accepted', pending: 0, published: null, failed: err.reason };
        }
        const next = result.version;
        const { name, version, parent } = next.manifest;
        if (name !== update.model || version !== expected || parent !== current) {
          throw new Error(`aggregator built ${name} v${version} (parent ${parent}); expected ${update.model} v${expected} (parent ${current})`);
        }
        await insertVersion(tx, next);
        // An individual update is never needed again once aggregated: keep the row (counts, lineage), drop its values.
        await tx.query("UPDATE updates SET consumed_in_version = $1, delta = ''::bytea WHERE id = ANY($2::integer[])", [version, updates.map((u) => u.id)]);
        await tx.query('UPDATE models SET current_version = $1, updated_at = now() WHERE name = $2', [version, name]);
        await tx.query("INSERT INTO version_changes (model, from_version, to_version, kind) VALUES ($1, $2, $3, 'aggregate')", [name, current, version]);
        await setRoundState(tx, round, 'published', { published: version, sampleRate: result.sampleRate, noiseMultiplier: result.noiseMultiplier });
        await openRoundOn(tx, name, version);
        return { status: 'accepted', pending: 0, published: version };
      }),
    );
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
          await tx.query("UPDATE updates SET delta = ''::bytea WHERE round_id = $1", [live.id]);
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
    await this.#serial(async () => {
      await this.#db.close();
    });
  }
}

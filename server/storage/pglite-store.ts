// The Store on PGlite (embedded PostgreSQL) in a folder on disk. The SQL is plain PostgreSQL so a `pg`
// implementation can reuse it. Must never publish a version outside the transaction that consumes its
// updates, and never let two ingestions interleave (one in-process queue, plus a row lock for PostgreSQL).
// Durability: a commit has been written to the files (the OS page cache) when its promise resolves, so it
// survives a crash of this process; PGlite's Node file system does not fsync, so a power loss may lose the
// last commits. Use PostgreSQL where that matters.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { Manifest } from '../../src/shared/protocol.js';
import type { SpentRounds } from '../federated/privacy.js';
import { SWEEP_INTERVAL_MS, restrictUmask, secureDataFolder } from './data-folder.js';
import { ingestBatch, waitingIn } from './ingest-batch.js';
import { closingRounds, publishRoundIn, roundReports, roundSizes } from './secure-round-sql.js';
import { migrate, type SqlRunner } from './migrations.js';
import { dropValues, insertVersion, isModelName, liveRound, openRoundOn, readManifest, setRoundState, spentRounds } from './sql-versions.js';
import { StorageError, checkTables, isCluster, openFailure } from './storage-check.js';
import { addItems, importVersion } from './import-version.js';
import { readSpace, spaceHead } from './vector-spaces.js';
import { ModelExistsError, type DeferredAggregator, type PublishResult, type StoredReport, type IngestPolicy, type IngestResult, type ModelCounts, type ModelVersion, type NewUpdate, type Round, type Store, type VersionInfo, type AddItemsResult, type ImportRequest, type ImportResult, type SpaceHead, type SpaceTable } from './store.js';

/** Runs tasks one after another; PGlite has a single connection and ingestion must not interleave. */
function createQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>) => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
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
const samePolicy = (a: IngestPolicy, b: IngestPolicy) =>
  a === b || (a.minUpdates === b.minUpdates && a.aggregate === b.aggregate && Boolean(a.deferred) === Boolean(b.deferred));

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
  /** PGlite's folder, kept owner-only while open (data-folder.ts); null over another database. */
  #dir: string | null = null;
  #sweep: ReturnType<typeof setInterval> | null = null;

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
   * Opens (creating if needed) the database in `dir`, brings its schema up to date and checks its tables. The
   * folder and its files are made owner-only (0700/0600) and kept so while the store is open.
   * @example
   *   const store = await PgliteStore.open('.shelf-data/db');
   * @throws StorageError naming the folder and what is damaged (control file, write-ahead log, a table)
   */
  static async open(dir: string): Promise<PgliteStore> {
    restrictUmask();
    await secureDataFolder(dir);
    const existed = await isCluster(dir);
    let db: PGlite;
    try {
      db = await PGlite.create(dir);
    } catch (err) {
      throw existed ? await openFailure(dir, err) : err;
    }
    try {
      await migrate(db);
      await checkTables(db, dir);
      await secureDataFolder(dir);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err instanceof StorageError || !existed ? err : await openFailure(dir, err);
    }
    const store = new PgliteStore(db, true);
    store.#dir = dir;
    store.#sweep = setInterval(() => void secureDataFolder(dir).catch(() => undefined), SWEEP_INTERVAL_MS);
    store.#sweep.unref();
    return store;
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

  roundSizes(model: string): Promise<{ round: number; updates: number }[]> {
    return roundSizes(this.#db, model);
  }

  roundReports(model: string, round: number): Promise<StoredReport[]> {
    return roundReports(this.#db, model, round);
  }

  closingRounds(model: string): Promise<number[]> {
    return closingRounds(this.#db, model);
  }

  publishRound(model: string, round: number, aggregate: DeferredAggregator): Promise<PublishResult> {
    return this.#serial(() => this.#db.transaction((tx) => publishRoundIn(tx, model, round, aggregate)));
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

  importVersion(request: ImportRequest): Promise<ImportResult> {
    return this.#serial(() => this.#db.transaction((tx) => importVersion(tx, request)));
  }

  addSpaceItems(space: string, ids: readonly string[], vectors: Uint8Array, sha256: string, dim: number): Promise<AddItemsResult> {
    return this.#serial(() => this.#db.transaction((tx) => addItems(tx, space, ids, vectors, sha256, dim)));
  }

  spaceHead(space: string | null, model: string): Promise<SpaceHead | null> {
    return spaceHead(this.#db, space, model);
  }

  spaceTable(space: string): Promise<SpaceTable | null> {
    return readSpace(this.#db, space);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#draining;
    await this.#serial(async () => {
      await this.#db.close();
    });
    if (this.#sweep) clearInterval(this.#sweep);
    if (this.#dir) await secureDataFolder(this.#dir);
  }
}

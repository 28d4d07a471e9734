// The Store on PGlite (embedded PostgreSQL) in a folder on disk. The SQL is plain PostgreSQL so a `pg`
// implementation can reuse it. Must never publish a version outside the transaction that consumes its
// updates, and never let two ingestions interleave (one in-process queue, plus a row lock for PostgreSQL).
// Durability: a commit has been written to the files (the OS page cache) when its promise resolves, so it
// survives a crash of this process; PGlite's Node file system does not fsync, so a power loss may lose the
// last commits. Use PostgreSQL where that matters.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { ManifestSchema, type Manifest } from '../../src/shared/protocol.js';
import { migrate, type SqlRunner } from './migrations.js';
import type { IngestPolicy, IngestResult, ModelCounts, ModelVersion, NewUpdate, PendingUpdate, Store } from './store.js';

/** Runs tasks one after another; PGlite has a single connection and ingestion must not interleave. */
function createQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>) => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** jsonb loses key order; re-parsing restores the schema's order and checks nothing rotted on disk. */
function readManifest(value: unknown): Manifest {
  return ManifestSchema.parse(typeof value === 'string' ? JSON.parse(value) : value);
}

async function insertVersion(tx: SqlRunner, v: ModelVersion): Promise<void> {
  await tx.query(
    'INSERT INTO model_versions (model, version, parent, manifest, weights) VALUES ($1, $2, $3, $4::jsonb, $5)',
    [v.manifest.name, v.manifest.version, v.manifest.parent, JSON.stringify(v.manifest), v.weights],
  );
}

async function loadVersion(tx: SqlRunner, model: string, version: number): Promise<ModelVersion | null> {
  const { rows } = await tx.query<{ manifest: unknown; weights: Uint8Array }>(
    'SELECT manifest, weights FROM model_versions WHERE model = $1 AND version = $2',
    [model, version],
  );
  const row = rows[0];
  return row ? { manifest: readManifest(row.manifest), weights: row.weights } : null;
}

export class PgliteStore implements Store {
  readonly #db: PGlite;
  readonly #serial = createQueue();
  #closed = false;

  private constructor(db: PGlite) {
    this.#db = db;
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
    const { rows } = await this.#db.query<{ manifest: unknown }>(
      `SELECT v.manifest FROM models m
         JOIN model_versions v ON v.model = m.name AND v.version = m.current_version
        WHERE m.name = $1`,
      [model],
    );
    return rows[0] ? readManifest(rows[0].manifest) : null;
  }

  async manifest(model: string, version: number): Promise<Manifest | null> {
    const { rows } = await this.#db.query<{ manifest: unknown }>(
      'SELECT manifest FROM model_versions WHERE model = $1 AND version = $2',
      [model, version],
    );
    return rows[0] ? readManifest(rows[0].manifest) : null;
  }

  async weights(model: string, version: number): Promise<Uint8Array | null> {
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

        await tx.query('INSERT INTO updates (model, base_version, example_count, delta) VALUES ($1, $2, $3, $4)', [
          update.model,
          update.baseVersion,
          update.exampleCount,
          update.delta,
        ]);
        const pending = await tx.query<{ id: number; example_count: number; delta: Uint8Array }>(
          `SELECT id, example_count, delta FROM updates
            WHERE model = $1 AND base_version = $2 AND consumed_in_version IS NULL
            ORDER BY id`,
          [update.model, current],
        );
        if (pending.rows.length < policy.minUpdates) return { status: 'accepted', pending: pending.rows.length, published: null };

        const base = await loadVersion(tx, update.model, current);
        if (!base) throw new Error(`model ${update.model}: current version ${current} has no row`);
        const updates: PendingUpdate[] = pending.rows.map((r) => ({ id: r.id, exampleCount: r.example_count, delta: r.delta }));
        const next = policy.aggregate(base, updates);
        const { name, version, parent } = next.manifest;
        if (name !== update.model || version !== current + 1 || parent !== current) {
          throw new Error(`aggregator built ${name} v${version} (parent ${parent}); expected ${update.model} v${current + 1} (parent ${current})`);
        }
        await insertVersion(tx, next);
        await tx.query('UPDATE updates SET consumed_in_version = $1 WHERE id = ANY($2::integer[])', [version, updates.map((u) => u.id)]);
        await tx.query('UPDATE models SET current_version = $1, updated_at = now() WHERE name = $2', [version, name]);
        return { status: 'accepted', pending: 0, published: version };
      }),
    );
  }

  async counts(model: string): Promise<ModelCounts> {
    const { rows } = await this.#db.query<{ versions: number; pending: number; updates: number }>(
      `SELECT
         (SELECT count(*)::integer FROM model_versions WHERE model = $1) AS versions,
         (SELECT count(*)::integer FROM updates u JOIN models m ON m.name = u.model
           WHERE u.model = $1 AND u.base_version = m.current_version AND u.consumed_in_version IS NULL) AS pending,
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

// The database schema as a ladder of numbered migrations, applied in order, each once, each in its own
// transaction. Plain SQL that runs on PGlite and on PostgreSQL alike.
// Never edit a migration that has shipped: add the next rung instead.

/** Anything that can run SQL inside a transaction (PGlite's `Transaction`, a pg client, …). */
export interface SqlRunner {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(sql: string): Promise<unknown>;
}

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'models, versions, updates',
    sql: `
      CREATE TABLE model_versions (
        model       text        NOT NULL,
        version     integer     NOT NULL CHECK (version >= 1),
        parent      integer     NULL,
        manifest    jsonb       NOT NULL,
        weights     bytea       NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        -- No foreign key on parent: an imported seed may name a parent this database never held.
        PRIMARY KEY (model, version)
      );
      -- One row per model: the pointer to its current version. Also the row locked to serialize ingestion.
      CREATE TABLE models (
        name            text        PRIMARY KEY,
        current_version integer     NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (name, current_version) REFERENCES model_versions (model, version)
      );
      CREATE TABLE updates (
        id                  serial      PRIMARY KEY,
        model               text        NOT NULL,
        base_version        integer     NOT NULL,
        example_count       integer     NOT NULL CHECK (example_count >= 1),
        delta               bytea       NOT NULL,
        received_at         timestamptz NOT NULL DEFAULT now(),
        consumed_in_version integer     NULL,
        FOREIGN KEY (model, base_version) REFERENCES model_versions (model, version),
        FOREIGN KEY (model, consumed_in_version) REFERENCES model_versions (model, version)
      );
      CREATE INDEX updates_pending ON updates (model, base_version) WHERE consumed_in_version IS NULL;
    `,
  },
  {
    version: 2,
    description: 'federated rounds, single-use tickets, optimiser state, version changes',
    sql: `
      -- A round collects one cohort of updates on one base version: open → aggregating → published | failed.
      CREATE TABLE rounds (
        id                serial      PRIMARY KEY,
        model             text        NOT NULL REFERENCES models (name),
        base_version      integer     NOT NULL,
        state             text        NOT NULL CHECK (state IN ('open', 'aggregating', 'published', 'failed')),
        opened_at         timestamptz NOT NULL DEFAULT now(),
        closed_at         timestamptz NULL,
        published_version integer     NULL,
        -- What the accountant composes: the sampling rate and noise multiplier this round was published with.
        sample_rate       double precision NULL,
        noise_multiplier  double precision NULL,
        failure           text        NULL,
        FOREIGN KEY (model, base_version) REFERENCES model_versions (model, version)
      );
      CREATE UNIQUE INDEX rounds_one_live ON rounds (model) WHERE state IN ('open', 'aggregating');
      ALTER TABLE updates ADD COLUMN round_id integer NULL REFERENCES rounds (id);
      ALTER TABLE updates ADD COLUMN ticket_nonce text NULL;
      CREATE UNIQUE INDEX updates_ticket ON updates (ticket_nonce) WHERE ticket_nonce IS NOT NULL;
      ALTER TABLE model_versions ADD COLUMN optimizer_state bytea NULL;
      -- Set when training has stopped for good (the privacy budget is spent); no round opens again.
      ALTER TABLE models ADD COLUMN stopped text NULL;
      CREATE TABLE version_changes (
        id           serial      PRIMARY KEY,
        model        text        NOT NULL REFERENCES models (name),
        from_version integer     NULL,
        to_version   integer     NOT NULL,
        kind         text        NOT NULL CHECK (kind IN ('seed', 'aggregate', 'admin')),
        at           timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 3,
    description: 'rate-limit counters shared by replicas',
    sql: `
      -- One row per limited key (route and client address, or ticket) for one window; replicas count here.
      CREATE TABLE rate_limits (
        key        text        PRIMARY KEY,
        count      integer     NOT NULL,
        expires_at timestamptz NOT NULL
      );
    `,
  },
  {
    version: 4,
    description: 'updates stored in their int8 wire form',
    sql: `
      -- New updates keep the int8 form they arrived in (stored-update.ts: chunk, scales, q; ~4x smaller than
      -- float32) in quantized, and no delta. Rows written before this rung keep their float32 delta and stay
      -- readable: a round pending across the upgrade aggregates both kinds.
      ALTER TABLE updates ADD COLUMN quantized bytea NULL;
      ALTER TABLE updates ALTER COLUMN delta DROP NOT NULL;
    `,
  },
  {
    version: 5,
    description: "index of a round's pending updates",
    sql: `
      -- Every ticket request counts its round's updates and every ingestion the waiting ones; without this the
      -- count scanned every update ever stored.
      CREATE INDEX updates_round_pending ON updates (round_id) WHERE consumed_in_version IS NULL;
    `,
  },
  {
    version: 6,
    description: 'secure-aggregation reports and the mechanism of each round',
    sql: `
      -- A secure round's update is a report (src/shared/secure-aggregation/report-wire.ts: the leader's share, uniformly
      -- random on its own, and the helper's sealed seed), kept as it arrived until its round is published. A round
      -- records the mechanism its release was accounted with (jsonb; NULL: the central Gaussian mechanism).
      ALTER TABLE updates ADD COLUMN report bytea NULL;
      ALTER TABLE rounds ADD COLUMN mechanism jsonb NULL;
    `,
  },
  {
    version: 7,
    description: 'vector spaces: item tables published with model versions',
    sql: `
      -- A vector space: shop item ids and a float32 vector of dim values each. Its rows never change once
      -- written; items are only added, as parts (part 0 published with a model version, later parts by the
      -- admin API), and revision counts the parts, so a cached answer can tell the contents it saw.
      CREATE TABLE vector_spaces (
        id          text        PRIMARY KEY,
        dim         integer     NOT NULL CHECK (dim >= 1),
        -- sha256 of part 0's vector bytes and of its ids (JSON): a re-publish of the same table reuses it.
        sha256      text        NOT NULL,
        ids_sha256  text        NOT NULL,
        items       integer     NOT NULL CHECK (items >= 1),
        revision    integer     NOT NULL DEFAULT 1,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE vector_space_parts (
        space       text        NOT NULL REFERENCES vector_spaces (id),
        part        integer     NOT NULL CHECK (part >= 0),
        -- JSON array of the part's item ids, in row order; vectors: float32 little-endian, rows × dim.
        ids         text        NOT NULL,
        vectors     bytea       NOT NULL,
        sha256      text        NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (space, part)
      );
      -- The free-form record of how an imported version was trained (the admin API's training field).
      ALTER TABLE model_versions ADD COLUMN training jsonb NULL;
      -- A version published with its own item table (the admin API) is an import.
      ALTER TABLE version_changes DROP CONSTRAINT version_changes_kind_check;
      ALTER TABLE version_changes ADD CONSTRAINT version_changes_kind_check CHECK (kind IN ('seed', 'aggregate', 'admin', 'import'));
    `,
  },
];

/** Applies every migration newer than the database's; returns the versions applied. */
export async function migrate(
  db: { exec(sql: string): Promise<unknown>; transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> },
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  await db.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version     integer     PRIMARY KEY,
      description text        NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now()
    );
  `);
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const done = await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations WHERE version = $1', [m.version]);
      if (rows.length > 0) return false;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, description) VALUES ($1, $2)', [m.version, m.description]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}

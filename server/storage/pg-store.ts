// The Store on PostgreSQL through `pg`, for several server replicas sharing one database: the same SQL and the
// same class as the PGlite store (pglite-store.ts), over a connection pool. Cross-process safety comes from the
// database, not from this process: every ingestion and round change locks the model's row (`SELECT … FOR
// UPDATE`), so exactly one replica closes a round and publishes its version; the ticket's nonce is unique in
// an index. Migrations run under an advisory lock, so replicas starting together apply each rung once.
// Durability: a commit is on disk (PostgreSQL's WAL, fsync) when its promise resolves.
import pg from 'pg';
import { migrate, type SqlRunner } from './migrations.js';
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { PgliteStore, type SqlDatabase } from './pglite-store.js';
import { pgRateLimitStore } from './pg-rate-limit-store.js';

/** Any 64-bit key only Shelf's migrations take. */
const MIGRATION_LOCK = 0x5e1f_0001;

/** pg sends a Buffer as bytea but a plain Uint8Array as an array: wrap the bytes (no copy). */
const toPg = (params?: unknown[]) =>
  params?.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p));

/**
 * pg returns bytea as a Buffer that may be a slice of a shared pool; the store's codecs expect bytes that own
 * their ArrayBuffer (as PGlite returns them), so copy them out.
 */
function fromPg<T>(rows: Record<string, unknown>[]): T[] {
  for (const row of rows) for (const [k, v] of Object.entries(row)) if (Buffer.isBuffer(v)) row[k] = new Uint8Array(v);
  return rows as T[];
}

function runner(client: pg.PoolClient | pg.Pool): SqlRunner {
  return {
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: fromPg<T>((await client.query(sql, toPg(params))).rows) }),
    exec: (sql: string) => client.query(sql),
  };
}

/** The pool as the SqlDatabase the store uses: one pooled connection per transaction. */
export function poolDatabase(pool: pg.Pool): SqlDatabase {
  const plain = runner(pool);
  return {
    query: plain.query,
    exec: plain.exec,
    async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(runner(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/**
 * Connects to PostgreSQL at `url`, brings the schema up to date (once, whoever starts first) and returns the store.
 * @example
 *   const store = await openPostgresStore('postgres://shelf:…@127.0.0.1:5432/shelf');
 */
export async function openPostgresStore(url: string, o: { poolSize?: number } = {}): Promise<PgliteStore> {
  return (await openPostgres(url, o)).store;
}

/** The store and a rate-limit store class on the same pool, so replicas share both (AppOptions.rateLimitStore). */
export async function openPostgres(url: string, o: { poolSize?: number } = {}): Promise<{ store: PgliteStore; rateLimitStore: FastifyRateLimitStoreCtor }> {
  const pool = new pg.Pool({ connectionString: url, max: o.poolSize ?? 8 });
  const db = poolDatabase(pool);
  try {
    const lock = await pool.connect();
    try {
      await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await migrate(db);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      lock.release();
    }
  } catch (err) {
    await pool.end();
    throw err;
  }
  return { store: PgliteStore.over(db), rateLimitStore: pgRateLimitStore(db) };
}

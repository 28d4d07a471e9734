// A @fastify/rate-limit store in PostgreSQL, so replicas share their counts: one atomic upsert per request
// (a fixed window per key; an expired row restarts at 1). Keys hold a route and a client address or a ticket;
// rows live one window and are swept now and then. Must never log a key (it holds an address).
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { SqlRunner } from './migrations.js';

const UPSERT = `
  INSERT INTO rate_limits (key, count, expires_at) VALUES ($1, 1, now() + $2 * interval '1 millisecond')
  ON CONFLICT (key) DO UPDATE SET
    count      = CASE WHEN rate_limits.expires_at <= now() THEN 1 ELSE rate_limits.count + 1 END,
    expires_at = CASE WHEN rate_limits.expires_at <= now() THEN now() + $2 * interval '1 millisecond' ELSE rate_limits.expires_at END
  RETURNING count, greatest(0, extract(epoch FROM (expires_at - now())) * 1000)::integer AS ttl`;

const READ = `SELECT count, greatest(0, extract(epoch FROM (expires_at - now())) * 1000)::integer AS ttl
  FROM rate_limits WHERE key = $1 AND expires_at > now()`;

/**
 * The store class to pass as AppOptions.rateLimitStore.
 * @example
 *   buildApp(config, store, { rateLimitStore: pgRateLimitStore(db) })
 */
export function pgRateLimitStore(db: Pick<SqlRunner, 'query'>): FastifyRateLimitStoreCtor {
  let calls = 0;
  class PgRateLimitStore implements FastifyRateLimitStore {
    constructor(_options?: unknown, private readonly prefix = '') {}
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      if (++calls % 1000 === 0) void db.query('DELETE FROM rate_limits WHERE expires_at < now()').catch(() => undefined);
      db.query<{ count: number; ttl: number }>(UPSERT, [`${this.prefix}${key}`, timeWindow]).then(
        ({ rows }) => callback(null, { current: rows[0]!.count, ttl: rows[0]!.ttl }),
        (err: Error) => callback(err),
      );
    }
    /** The count without counting this call (admin-auth.ts checks an address before it compares a token). */
    read(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      db.query<{ count: number; ttl: number }>(READ, [`${this.prefix}${key}`]).then(
        ({ rows }) => callback(null, rows[0] ? { current: rows[0].count, ttl: rows[0].ttl } : { current: 0, ttl: timeWindow }),
        (err: Error) => callback(err),
      );
    }
    child(routeOptions: { method?: string | string[]; url?: string }): FastifyRateLimitStore {
      return new PgRateLimitStore(undefined, `${this.prefix}${String(routeOptions.method)}${routeOptions.url ?? ''}:`);
    }
  }
  return PgRateLimitStore as unknown as FastifyRateLimitStoreCtor;
}

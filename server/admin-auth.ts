// The admin API's bearer-token check (admin routes and the dashboard's), with failed attempts limited per client
// address: after ADMIN_FAILURES wrong tokens in ADMIN_FAILURE_WINDOW_MS, every admin request from that address is
// answered 429 until the window ends — the right token too, so guessing learns nothing meanwhile. Counted by
// @fastify/rate-limit (in PostgreSQL when replicas share it), loopback included: local tools send the right token.
// Must never compare tokens in variable time, never log a token, and never let a request that failed through.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.js';

/** Wrong tokens an address may send per window before it is refused. */
export const ADMIN_FAILURES = 10;
export const ADMIN_FAILURE_WINDOW_MS = 10 * 60_000;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const hooks = new WeakMap<FastifyInstance, Map<string, (request: FastifyRequest) => Promise<void>>>();

/**
 * The onRequest hook for admin routes: 401 without a bearer token, 403 with a wrong one, 429 once the address sent
 * too many wrong ones. One counter per app and token, shared by every route that uses it.
 * @example
 *   r.get('/v1/admin/x', { onRequest: adminAuth(app, token) }, handler);
 */
export function adminAuth(app: FastifyInstance, expected: string): (request: FastifyRequest) => Promise<void> {
  const perApp = hooks.get(app) ?? new Map<string, (request: FastifyRequest) => Promise<void>>();
  hooks.set(app, perApp);
  const known = perApp.get(expected);
  if (known) return known;
  const want = digest(expected);
  const failures = app.createRateLimit({ max: ADMIN_FAILURES, timeWindow: ADMIN_FAILURE_WINDOW_MS, keyGenerator: (req) => `admin-failure:${req.ip}` });
  const refuse = (seconds: number) =>
    new HttpError(429, 'rate_limited', `too many wrong admin tokens from this address; retry in ${seconds} seconds`, { 'retry-after': String(seconds) });
  const hook = async (request: FastifyRequest) => {
    const seen = await failures(request, { increment: false });
    if (!seen.isAllowed && seen.remaining === 0) throw refuse(seen.ttlInSeconds);
    const header = request.headers.authorization ?? '';
    const m = /^Bearer (\S+)$/.exec(header);
    if (!m) throw new HttpError(401, 'unauthorized', 'the admin API needs an Authorization: Bearer <token> header', { 'www-authenticate': 'Bearer' });
    if (timingSafeEqual(digest(m[1]!), want)) return;
    const counted = await failures(request);
    if (!counted.isAllowed && counted.isExceeded) throw refuse(counted.ttlInSeconds);
    throw new HttpError(403, 'forbidden', 'wrong admin token');
  };
  perApp.set(expected, hook);
  return hook;
}

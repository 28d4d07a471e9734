// Rate limits on the routes anyone on the internet can call to take part in training (@fastify/rate-limit):
// ticket issuance and update uploads per client address (per minute), and uploads per round ticket (a single-use
// ticket needs one upload; a client hammering one ticket is refused before any decoding or database work).
// The limiter's store is pluggable, so replicas can share counts (AppOptions.rateLimitStore).
// Addresses are held in memory for one window only and never logged (docs/PRIVACY.md).
// Must never limit the read-only model registry (CDN-cacheable) or leak the limit's key in a response.
import rateLimit, { type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { HEADER_BYTES, MAX_TICKET_CHARS, WIRE_MAGIC } from '../src/shared/federated/wire.js';
import { HttpError } from './http-errors.js';

export interface RateLimitConfig {
  /** Ticket requests and uploads per client address per minute, each route counted apart (0: no limit). */
  readonly perAddressPerMinute: number;
  /** Uploads carrying one ticket per 10 minutes (0: no limit). */
  readonly perTicket: number;
  /** Leave loopback clients (127.0.0.1, ::1) unlimited: local tools, tests and benchmarks. Turn off behind a reverse proxy on the same host. */
  readonly exemptLoopback: boolean;
}

export const DEFAULT_RATE_LIMITS: RateLimitConfig = Object.freeze({ perAddressPerMinute: 600, perTicket: 3, exemptLoopback: true });

/** The routes limited per address. */
export const LIMITED_ROUTES: ReadonlySet<string> = new Set(['/v1/rounds/current/ticket', '/v1/updates', '/v1/vectors']);

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const isLoopback = (req: FastifyRequest) => LOOPBACK.has(req.ip);

/** The ticket inside an update body, read without decoding the rest; null when the body is not an update. */
export function ticketOf(body: unknown): string | null {
  if (!Buffer.isBuffer(body) || body.byteLength < HEADER_BYTES || body.toString('latin1', 0, 4) !== WIRE_MAGIC) return null;
  const length = body.readUInt16LE(18);
  if (length < 1 || length > MAX_TICKET_CHARS || body.byteLength < HEADER_BYTES + length) return null;
  return body.toString('latin1', HEADER_BYTES, HEADER_BYTES + length);
}

const tooMany = (what: string, after: string) => new HttpError(429, 'rate_limited', `too many ${what}; retry in ${after}`);

/**
 * A route's `config.rateLimit`: `max` requests per client address per minute, loopback exempt when `exemptLoopback`.
 * The limiter must be registered (registerRateLimits) before the route.
 */
export function perAddressLimit(max: number, exemptLoopback: boolean) {
  return {
    max,
    timeWindow: 60_000,
    ...(exemptLoopback ? { allowList: (req: FastifyRequest) => isLoopback(req) } : {}),
    errorResponseBuilder: (_req: FastifyRequest, ctx: { after: string }) => tooMany('requests from this address', ctx.after),
  };
}

/**
 * Registers the limiter (always: other routes, /v1/rerank and the admin API's failed logins, set their own limits);
 * call before the routes are registered (it hooks route registration).
 * @param store a @fastify/rate-limit store class shared by replicas; default: in-process memory.
 */
export async function registerRateLimits(app: FastifyInstance, cfg: RateLimitConfig, store?: FastifyRateLimitStoreCtor): Promise<void> {
  // Set the per-route config before the plugin's own onRoute hook reads it.
  let perTicket: ReturnType<FastifyInstance['createRateLimit']> | null = null;
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!LIMITED_ROUTES.has(route.url)) return;
    if (cfg.perAddressPerMinute > 0) {
      route.config = { ...(route.config as object), rateLimit: perAddressLimit(cfg.perAddressPerMinute, cfg.exemptLoopback) } as RouteOptions['config'];
    }
    if (route.url === '/v1/updates' && cfg.perTicket > 0) {
      const check = async (req: FastifyRequest) => {
        const ticket = ticketOf(req.body);
        if (ticket === null || !perTicket) return;
        const r = await perTicket(req);
        if (!r.isAllowed && r.isExceeded) throw tooMany('uploads with this ticket', `${r.ttlInSeconds} seconds`);
      };
      const existing = route.preHandler;
      route.preHandler = existing ? [...(Array.isArray(existing) ? existing : [existing]), check] : [check];
    }
  });
  await app.register(rateLimit, { global: false, ...(store ? { store } : {}) });
  if (cfg.perTicket > 0) {
    perTicket = app.createRateLimit({ max: cfg.perTicket, timeWindow: 600_000, keyGenerator: (req) => `ticket:${ticketOf(req.body) ?? ''}` });
  }
}

// CORS for Shelf's script-tag SDK: the shop's page runs on the shop's origin while the SDK files, the model
// files and the update API are served from here, so browsers need Access-Control-* headers. GET/HEAD of
// static and model files are open to every origin by default (they are public, cookie-less); the API can be
// limited to a list of origins. The admin API (/v1/admin/…) gets no CORS headers at all unless its origins are
// configured (SHELF_ADMIN_ORIGINS): the dashboard is served from here, same-origin.
// Must never allow credentials (Shelf sends no cookies), nor answer an admin preflight for an origin not listed.
import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface CorsOptions {
  /** Origins allowed to call the API (POST /v1/updates, …); `'*'` allows any. Default `'*'`. */
  readonly apiOrigins?: readonly string[] | '*';
  /** Origins allowed to call the admin API from a browser (with the bearer token); default none. */
  readonly adminOrigins?: readonly string[];
}

/** True for a request to the admin API, however its path is spelled (percent-encoded letters, say). */
export function isAdminPath(url: string): boolean {
  const raw = url.split('?')[0] ?? '';
  let path = raw;
  try {
    path = decodeURIComponent(raw);
  } catch {
    /* a malformed escape: the router refuses it (400) */
  }
  return /^\/+v1\/+admin(\/|$)/i.test(path);
}

type Resolved = { origin: string | false; allowedHeaders?: string[] };

function resolve(req: FastifyRequest, allowed: readonly string[] | '*', admin: readonly string[]): Resolved {
  const preflight = req.method === 'OPTIONS';
  const method = preflight ? String(req.headers['access-control-request-method'] ?? '') : req.method;
  const origin = typeof req.headers.origin === 'string' ? req.headers.origin : '';
  // An OPTIONS that is not a preflight is an unknown route (404 in the {error, message} shape), not a CORS matter.
  if (preflight && (!origin || !method)) return { origin: false };
  if (isAdminPath(req.url)) return admin.includes(origin) ? { origin, allowedHeaders: ['authorization', 'content-type'] } : { origin: false };
  const open = method === 'GET' || method === 'HEAD' || allowed === '*' || allowed.includes(origin);
  return { origin: open ? '*' : false };
}

/** Registers @fastify/cors: any origin for GET/HEAD, `apiOrigins` for other methods and their preflights, `adminOrigins` for the admin API. */
export async function registerCors(app: FastifyInstance, options: CorsOptions = {}): Promise<void> {
  const allowed = options.apiOrigins ?? '*';
  const admin = options.adminOrigins ?? [];
  await app.register(cors, {
    credentials: false,
    methods: ['GET', 'HEAD', 'POST'],
    maxAge: 600,
    // Per request: reads are public; anything else (and preflights for it) only from allowed origins.
    delegator: (req, cb) => cb(null, resolve(req, allowed, admin)),
  });
}

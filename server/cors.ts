// CORS for Shelf's script-tag SDK: the shop's page runs on the shop's origin while the SDK files, the model
// files and the update API are served from here, so browsers need Access-Control-* headers. GET/HEAD of
// static and model files are open to every origin by default (they are public, cookie-less); the API can be
// limited to a list of origins. Must never allow credentials: Shelf sends no cookies.
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

export interface CorsOptions {
  /** Origins allowed to call the API (POST /v1/updates, …); `'*'` allows any. Default `'*'`. */
  readonly apiOrigins?: readonly string[] | '*';
}

/** Registers @fastify/cors: any origin for GET/HEAD, `apiOrigins` for other methods and their preflights. */
export async function registerCors(app: FastifyInstance, options: CorsOptions = {}): Promise<void> {
  const allowed = options.apiOrigins ?? '*';
  await app.register(cors, {
    credentials: false,
    methods: ['GET', 'HEAD', 'POST'],
    maxAge: 600,
    // Per request: reads are public; anything else (and preflights for it) only from allowed origins.
    delegator: (req, cb) => {
      const method = req.method === 'OPTIONS' ? String(req.headers['access-control-request-method'] ?? '') : req.method;
      const origin = String(req.headers.origin ?? '');
      const open = method === 'GET' || method === 'HEAD' || allowed === '*' || allowed.includes(origin);
      cb(null, { origin: open ? '*' : false });
    },
  });
}

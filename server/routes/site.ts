// Serves the built demo site (vite's output) at `/`, and GET /healthz. When the site has not been built,
// `/` answers 503 saying how to build it rather than an empty 404.
// Files are served pre-compressed (the build writes .br and .gz beside them) and a file whose name carries a
// content hash is cached immutably for a year; every other file is revalidated on each use.
// Must never shadow the API routes: static files are only the fallback for paths no route claims.
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBodySchema } from '../../src/shared/protocol.js';
import { HttpError } from '../http-errors.js';
import type { Store } from '../storage/store.js';

export const HealthSchema = z.object({
  ok: z.literal(true),
  model: z.string(),
  version: z.int().min(1),
});

/** A content-hashed build output (vite's `name-Hash8.js`, the SDK's `shelf-name-Hash8.wasm`), possibly pre-compressed. */
const HASHED = /-[A-Za-z0-9_-]{8}\.(?:js|mjs|css|wasm|svg|png|woff2?)(?:\.br|\.gz)?$/;

/** Cache-Control for a static file: immutable for a hashed name, revalidate (ETag) otherwise. */
export function cacheControlFor(filePath: string): string {
  return HASHED.test(path.basename(filePath)) ? 'public, max-age=31536000, immutable' : 'public, max-age=0, must-revalidate';
}

/** True when `dir` holds a built site (an index.html). */
export function siteIsBuilt(dir: string): boolean {
  return existsSync(path.join(dir, 'index.html'));
}

export async function registerSiteRoutes(app: FastifyInstance, opts: { staticDir: string; store: Store; model: string }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/healthz', { schema: { response: { 200: HealthSchema, 503: ErrorBodySchema } } }, async () => {
    const manifest = await opts.store.current(opts.model);
    if (!manifest) throw new HttpError(503, 'unknown_model', `model '${opts.model}' has no version yet`);
    // Not how many updates the open round holds: that tells who uploaded when (GET /v1/admin/models/:name/round has it).
    return { ok: true as const, model: opts.model, version: manifest.version };
  });

  if (siteIsBuilt(opts.staticDir)) {
    await app.register(fastifyStatic, {
      root: opts.staticDir,
      prefix: '/',
      preCompressed: true,
      setHeaders: (reply, filePath) => void reply.header('cache-control', cacheControlFor(filePath)),
    });
    return;
  }
  r.get('/', { schema: { response: { 503: ErrorBodySchema } } }, async () => {
    throw new HttpError(
      503,
      'site_not_built',
      `the demo site is not built (no index.html in ${opts.staticDir}); run \`npm run build\`, or \`npm start\` to build and serve`,
    );
  });
}

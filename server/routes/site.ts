// Serves the built demo site (vite's output) at `/`, and GET /healthz. When the site has not been built,
// `/` answers 503 saying how to build it rather than an empty 404.
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
  /** Updates waiting for the next aggregation. */
  pending: z.int().min(0),
});

/** True when `dir` holds a built site (an index.html). */
export function siteIsBuilt(dir: string): boolean {
  return existsSync(path.join(dir, 'index.html'));
}

export async function registerSiteRoutes(app: FastifyInstance, opts: { staticDir: string; store: Store; model: string }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/healthz', { schema: { response: { 200: HealthSchema, 503: ErrorBodySchema } } }, async () => {
    const manifest = await opts.store.current(opts.model);
    if (!manifest) throw new HttpError(503, 'unknown_model', `model '${opts.model}' has no version yet`);
    const { pending } = await opts.store.counts(opts.model);
    return { ok: true as const, model: opts.model, version: manifest.version, pending };
  });

  if (siteIsBuilt(opts.staticDir)) {
    await app.register(fastifyStatic, { root: opts.staticDir, prefix: '/' });
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

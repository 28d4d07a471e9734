// The demo shop's own API (not Shelf's): GET /v1/candidates, a ranked candidate list with item vectors, and
// GET /v1/categories. Shelf's worker re-ranks what these return. Must never depend on Shelf's model state.
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CandidatesResponseSchema, ErrorBodySchema } from '../../src/shared/protocol.js';
import type { Catalog } from '../demo/catalog.js';
import { HttpError } from '../http-errors.js';

export const DEFAULT_CANDIDATE_LIMIT = 24;
export const MAX_CANDIDATE_LIMIT = 200;

const CandidatesQuery = z.object({
  list: z.string().min(1, 'list must not be empty').max(200).default('all'),
  limit: z
    .string()
    .regex(/^\d+$/, `limit must be a whole number from 1 to ${MAX_CANDIDATE_LIMIT}`)
    .transform(Number)
    .pipe(z.int().min(1, 'limit must be at least 1').max(MAX_CANDIDATE_LIMIT, `limit must be at most ${MAX_CANDIDATE_LIMIT}`))
    .default(DEFAULT_CANDIDATE_LIMIT),
});

export const CategoriesResponseSchema = z.object({
  categories: z.array(z.object({ slug: z.string(), name: z.string(), count: z.int().min(1) })),
});

/** Candidate lists (a few hundred items with vectors) are 100+ KB of JSON: sent compressed when the client accepts it. */
const COMPRESS_MIN_BYTES = 1024;

/**
 * Compresses a serialised JSON answer with brotli (or gzip) when the request accepts it; an `onSend` hook.
 * Kept to this route's answers: the static files are pre-compressed at build time.
 */
export async function compressJson(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (typeof payload !== 'string' || payload.length < COMPRESS_MIN_BYTES || reply.statusCode !== 200) return payload;
  const accepted = String(request.headers['accept-encoding'] ?? '').toLowerCase();
  reply.header('vary', 'accept-encoding');
  const encoding = /\bbr\b/.test(accepted) ? 'br' : /\bgzip\b/.test(accepted) ? 'gzip' : null;
  if (!encoding) return payload;
  const body =
    encoding === 'br'
      ? brotliCompressSync(payload, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_SIZE_HINT]: payload.length } })
      : gzipSync(payload, { level: 6 });
  reply.header('content-encoding', encoding);
  reply.removeHeader('content-length');
  return body;
}

export function registerShopRoutes(app: FastifyInstance, catalog: Catalog): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/v1/candidates',
    { schema: { querystring: CandidatesQuery, response: { 200: CandidatesResponseSchema, 400: ErrorBodySchema } }, onSend: compressJson },
    async (request) => {
      try {
        return catalog.candidates(request.query.list, request.query.limit);
      } catch (err) {
        if (err instanceof RangeError) throw new HttpError(400, 'invalid_request', err.message);
        throw err;
      }
    },
  );

  r.get('/v1/categories', { schema: { response: { 200: CategoriesResponseSchema } } }, async () => ({
    categories: [...catalog.categories],
  }));
}

// GET /v1/vectors: the vectors of up to 200 shop item ids in a vector space (the current model version's by
// default), for engines that were given ids only. Public, rate-limited like the other public routes, cacheable
// (strong ETag over the space, its contents' revision and the ids asked; 304 on If-None-Match). Ids travel
// percent-encoded one by one and joined by literal commas, so the raw query is split before it is decoded.
// Must never change stored state, and never answer a vector of another space than the one it names.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ErrorBodySchema } from '../../src/shared/protocol.js';
import { MAX_VECTOR_IDS, SpaceIdSchema, isItemId } from '../../src/shared/vector-space.js';
import { HttpError } from '../http-errors.js';
import type { Store } from '../storage/store.js';
import { rowBase64, type VectorIndex } from '../vector-index.js';

const CACHE = 'public, max-age=300';

/** `ids` and `space` from the raw query string; ids split on literal commas, then decoded. */
export function parseVectorsQuery(url: string): { ids: string[]; space: string | null } {
  const q = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
  let rawIds: string | null = null;
  let space: string | null = null;
  const decode = (field: string, s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      throw new HttpError(400, 'invalid_request', `${field}: malformed percent-encoding`);
    }
  };
  for (const pair of q.split('&')) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if (key === 'ids') {
      if (rawIds !== null) throw new HttpError(400, 'invalid_request', 'ids: give the ids once, comma-separated');
      rawIds = value;
    } else if (key === 'space') space = decode('space', value);
  }
  if (rawIds === null || rawIds === '') throw new HttpError(400, 'invalid_request', 'ids: required, 1 to 200 comma-separated item ids');
  const parts = rawIds.split(',');
  if (parts.length > MAX_VECTOR_IDS) throw new HttpError(400, 'invalid_request', `ids: at most ${MAX_VECTOR_IDS} per request, got ${parts.length}`);
  const ids = parts.map((p, i) => {
    const id = decode('ids', p);
    if (!isItemId(id)) throw new HttpError(400, 'invalid_request', `ids: id ${i + 1} is not an item id (1..256 characters, no control characters)`);
    return id;
  });
  if (space !== null && !SpaceIdSchema.safeParse(space).success) throw new HttpError(400, 'invalid_request', `space: '${space.slice(0, 80)}' is not a space id (a-z 0-9 . _ -, at most 64)`);
  return { ids, space };
}

const SpaceInfoSchema = z.object({ space: z.string(), dim: z.int(), items: z.int(), revision: z.int() });

export function registerVectorRoutes(app: FastifyInstance, o: { store: Store; model: string; index: VectorIndex }): void {
  // Whether the server holds a space, before an engine sends any id: a page of a space the server does not hold
  // (one whose pages send their own vectors) never sends its ids.
  app.get(
    '/v1/spaces/:space',
    { schema: { params: z.object({ space: SpaceIdSchema }), response: { 200: SpaceInfoSchema, 400: ErrorBodySchema, 404: ErrorBodySchema } } },
    async (request, reply) => {
      const { space } = request.params as { space: string };
      const head = await o.store.spaceHead(space, o.model);
      if (!head) throw new HttpError(404, 'unknown_space', `no vector space '${space}'`);
      return reply.header('cache-control', 'public, max-age=60').send({ space: head.id, dim: head.dim, items: head.items, revision: head.revision });
    },
  );

  // Untyped reply: the 200 body is a string the handler serialized.
  app.get(
    '/v1/vectors',
    // 200: VectorsResponseSchema (src/shared/vector-space.ts), serialized by the handler itself.
    { schema: { response: { 304: z.null(), 400: ErrorBodySchema, 404: ErrorBodySchema } } },
    async (request, reply) => {
      const { ids, space } = parseVectorsQuery(request.url);
      const head = await o.index.head(space, o.model);
      if (!head) {
        throw new HttpError(404, 'unknown_space', space ? `no vector space '${space}'` : `the current version of model '${o.model}' names no stored vector space`);
      }
      const unique = [...new Set(ids)];
      const etag = `"${createHash('sha256').update(`${head.id}\n${head.revision}\n${[...unique].sort().join('\n')}`).digest('hex').slice(0, 40)}"`;
      reply.header('etag', etag).header('cache-control', CACHE);
      const match = request.headers['if-none-match'];
      if (typeof match === 'string' && match.split(',').some((t) => t.trim() === etag)) return reply.code(304).send(null);
      const index = await o.index.get(head);
      if (!index) throw new HttpError(404, 'unknown_space', `no vector space '${head.id}'`);
      // No prototype: an item id such as __proto__ is a key like any other.
      const vectors = Object.create(null) as Record<string, string>;
      const missing: string[] = [];
      for (const id of unique) {
        const row = index.rowOf.get(id);
        if (row === undefined) missing.push(id);
        else vectors[id] = rowBase64(index, row);
      }
      // Serialized here: a schema serializer would rebuild `vectors` as a plain object and lose such keys.
      return reply.type('application/json; charset=utf-8').send(JSON.stringify({ space: index.id, dim: index.dim, vectors, missing }));
    },
  );
}

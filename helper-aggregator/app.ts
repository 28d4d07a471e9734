// The helper aggregator's HTTP API (fastify + zod): its public key for devices (relayed by the leader), and the
// aggregation of one batch for the leader (bearer token). Errors in the project's `{error, message}` shape.
// Must never log a token, a seed or a share.
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { aggregateBatch, BatchRefused } from './aggregate-batch.js';
import type { BatchStore } from './batch-store.js';
import type { HelperKeyPair } from './keys.js';
import { AggregateRequestSchema, AggregateResponseSchema, HelperKeySchema } from '../src/shared/secure-aggregation/helper-protocol.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export async function buildHelperApp(o: { key: HelperKeyPair; store: BatchStore; leaderToken: string; minBatch: number; logger?: FastifyBaseLogger }): Promise<FastifyInstance> {
  const app = o.logger ? Fastify({ loggerInstance: o.logger, bodyLimit: 64 * 1024 * 1024 }) : Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err: { statusCode?: number; validation?: unknown; message: string; code?: string }, _req, reply) => {
    if (err instanceof BatchRefused) return reply.status(err.status).send({ error: err.code, message: err.message });
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) app.log.error({ err }, 'helper aggregation failed');
    return reply.status(status).send({ error: err.validation ? 'invalid_request' : status === 500 ? 'internal' : (err.code ?? 'bad_request').toLowerCase(), message: status === 500 ? 'internal error' : err.message });
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));
  const want = digest(o.leaderToken);
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/healthz', async () => ({ ok: true, keyId: o.key.keyId }));
  r.get('/v1/key', { schema: { response: { 200: HelperKeySchema } } }, async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=300').send(o.key.published),
  );
  r.post(
    '/v1/aggregate',
    {
      schema: { body: AggregateRequestSchema, response: { 200: AggregateResponseSchema } },
      onRequest: async (req) => {
        const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
        if (!m || !timingSafeEqual(digest(m[1]!), want)) throw new BatchRefused(401, 'unauthorized', 'only the leader may ask for sums');
      },
    },
    async (req) => aggregateBatch(req.body, o.key, o.store, o.minBatch),
  );
  await app.ready();
  return app;
}

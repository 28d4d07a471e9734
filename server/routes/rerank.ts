// POST /v1/rerank: the same re-rank done by the server — what a shop would do instead of Shelf's on-device
// engine — used as the loopback-HTTP baseline by `npm run bench:browser`. Scores with the same model code
// (src/shared/model) and the current published weights, in Node on tfjs (wasm, the fastest that installs here;
// SHELF_RERANK_BACKEND=cpu for plain JS). A server keeps no per-visitor state between requests, so each call
// runs the full forward pass over the events it is sent. tfjs loads on the first request, never at startup.
// Off unless SHELF_RERANK=on (it costs the server CPU per request: ~1 s for 10,000 candidates before the limits
// below); when on, the body is schema-checked (finite numbers only, vectors of the model's item size), at most
// MAX_CANDIDATES candidates in RERANK_BODY_LIMIT bytes, and rate-limited per address.
// Must never change stored state.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EVENT_TYPES, sequenceTypeIndex } from '../../src/shared/events.js';
import { ErrorBodySchema } from '../../src/shared/protocol.js';
import type { ShelfModel } from '../../src/shared/model/model.js';
import { buildSequence } from '../../src/shared/model/sequence.js';
import { HttpError } from '../http-errors.js';
import { perAddressLimit } from '../rate-limits.js';
import type { Store } from '../storage/store.js';

/** Most candidates in one request (bench:browser sends up to 1,000). */
export const MAX_CANDIDATES = 1_000;
/** Most events in one request (the model reads the last maxLen of them). */
export const MAX_EVENTS = 200;
/** Most numbers in one vector (the check against the model's item size comes after parsing). */
const MAX_DIM = 512;
/** 1,000 candidates of 32 float32 values as JSON (≈ 0.7 MB) fit; nothing much larger does. */
export const RERANK_BODY_LIMIT = 1024 * 1024;

const Vector = z.array(z.number().finite()).min(1).max(MAX_DIM);
export const RerankBodySchema = z.object({
  events: z.array(z.object({ type: z.enum(EVENT_TYPES), vector: Vector })).max(MAX_EVENTS),
  candidates: z.array(z.object({ id: z.string().min(1).max(256), vector: Vector })).max(MAX_CANDIDATES),
});
export const RerankResponseSchema = z.object({
  modelVersion: z.int(),
  backend: z.string(),
  items: z.array(z.object({ id: z.string(), score: z.number(), serverRank: z.int() })),
});

export interface RerankRouteOptions {
  readonly store: Store;
  readonly model: string;
  /** SHELF_RERANK=on; off: the route answers 404 saying how to turn it on. */
  readonly enabled: boolean;
  /** Requests per client address per minute (SHELF_RERANK_PER_MINUTE; 0: no limit). */
  readonly perMinute: number;
  /** Leave loopback clients unlimited (SHELF_RATE_LIMIT_LOOPBACK). */
  readonly exemptLoopback: boolean;
}

type Loaded = { version: number; model: ShelfModel; backend: string };

export function registerRerankRoute(app: FastifyInstance, options: RerankRouteOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  if (!options.enabled) {
    r.post('/v1/rerank', { bodyLimit: 1024, schema: { hide: true } }, async () => {
      throw new HttpError(404, 'not_found', 'POST /v1/rerank (server-side re-rank, a benchmark baseline) is off on this server; SHELF_RERANK=on turns it on');
    });
    return;
  }
  let loading: Promise<Loaded> | null = null;

  async function load(): Promise<Loaded> {
    const manifest = await options.store.current(options.model);
    if (!manifest) throw new HttpError(404, 'unknown_model', `no model named '${options.model}'`);
    const current = await loading?.catch(() => null);
    if (current && current.version === manifest.version) return current;
    loading = (async () => {
      const tf = await import('@tensorflow/tfjs');
      const backend = process.env['SHELF_RERANK_BACKEND'] === 'cpu' ? 'cpu' : 'wasm';
      if (backend === 'wasm') {
        await import('@tensorflow/tfjs-backend-wasm');
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      }
      if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} is not available`);
      await tf.ready();
      const { ShelfModel } = await import('../../src/shared/model/model.js');
      const bytes = await options.store.weights(options.model, manifest.version);
      if (!bytes) throw new HttpError(404, 'not_found', `model ${options.model} v${manifest.version} has no weights`);
      const flat = new Float32Array(bytes.slice().buffer);
      current?.model.dispose();
      return { version: manifest.version, model: ShelfModel.fromFlat(manifest.config, manifest.weights, flat), backend: tf.getBackend() };
    })();
    return loading;
  }

  r.post(
    '/v1/rerank',
    {
      bodyLimit: RERANK_BODY_LIMIT,
      schema: { body: RerankBodySchema, response: { 200: RerankResponseSchema, 400: ErrorBodySchema, 404: ErrorBodySchema, 413: ErrorBodySchema, 429: ErrorBodySchema } },
      ...(options.perMinute > 0 ? { config: { rateLimit: perAddressLimit(options.perMinute, options.exemptLoopback) } } : {}),
    },
    async (request) => {
      const body = request.body;
      const { model, version, backend } = await load();
      const d = model.config.itemDim;
      const wrong = [...body.events.map((e, i) => [`events[${i}]`, e.vector.length] as const), ...body.candidates.map((c, i) => [`candidates[${i}]`, c.vector.length] as const)].find(([, n]) => n !== d);
      if (wrong) throw new HttpError(400, 'invalid_request', `${wrong[0]}.vector has ${wrong[1]} values; the model's item vectors have ${d}`);
      const events = body.events.flatMap((e) => (sequenceTypeIndex(e.type) >= 0 ? [{ vector: e.vector, typeIndex: sequenceTypeIndex(e.type) }] : []));
      const ids = body.candidates.map((c) => c.id);
      const vectors = new Float32Array(ids.length * d);
      body.candidates.forEach((c, i) => vectors.set(c.vector, i * d));
      const sequence = buildSequence(events, model.config);
      const scores = await model.score({ sequence, vectors, serverRanks: Float32Array.from(ids, (_, i) => i) });
      const order = ids.map((id, i) => ({ id, score: scores[i]!, serverRank: i })).sort((a, b) => b.score - a.score || a.serverRank - b.serverRank);
      return { modelVersion: version, backend, items: order };
    },
  );
}

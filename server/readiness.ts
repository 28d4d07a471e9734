// Readiness: can the current version of the model be read and trusted, so that a round on it can publish? Checks the
// stored weights against the sha256 and size in the version's manifest. Serves GET /readyz (200, or 503 with what is
// wrong; /healthz stays a liveness check), and refuses ticket requests and uploads with 503 while the answer is no, so
// no visitor is told "accepted" for an update that can never be published.
// Must never change stored state, and never hash the weights on every request (the answer is kept READY_TTL_MS).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WEIGHTS_FILE } from '../src/shared/model/manifest.js';
import { ErrorBodySchema } from '../src/shared/protocol.js';
import { HttpError } from './http-errors.js';
import type { Store } from './storage/store.js';
import { sha256Hex } from './weights-codec.js';

/** `reason` is for anyone (the HTTP answer); `detail`, the database's own error when there was one, for the log. */
export type Readiness = { ok: true; version: number } | { ok: false; reason: string; detail?: string };

/** How long a readiness answer is reused by the gate on ticket and upload requests. */
export const READY_TTL_MS = 5_000;

/** How long /readyz reuses an answer. */
export const READYZ_TTL_MS = 1_000;

/** The routes that open or join a round: refused while the current version cannot publish. */
export const GATED_ROUTES: ReadonlySet<string> = new Set(['/v1/rounds/current/ticket', '/v1/updates']);

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Whether a round on `model`'s current version can publish: its manifest and weights can be read, and the weights
 * have the size and sha256 the manifest lists.
 * @example
 *   const r = await canPublish(store, 'shelf-demo'); // { ok: false, reason: 'model shelf-demo v3: … sha256 …' }
 */
export async function canPublish(store: Store, model: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const r = await readiness(store, model);
  return r.ok ? { ok: true } : { ok: false, reason: r.reason };
}

/** canPublish, with the version it checked. */
export async function readiness(store: Store, model: string): Promise<Readiness> {
  let manifest;
  try {
    manifest = await store.current(model);
  } catch (err) {
    return { ok: false, reason: `model ${model}: the current version's manifest cannot be read from storage`, detail: message(err) };
  }
  if (!manifest) return { ok: false, reason: `model '${model}' has no version yet` };
  const at = `model ${model} v${manifest.version}`;
  const file = manifest.files.find((f) => f.path === WEIGHTS_FILE);
  if (!file) return { ok: false, reason: `${at}: its manifest lists no ${WEIGHTS_FILE}` };
  let weights;
  try {
    weights = await store.weights(model, manifest.version);
  } catch (err) {
    return { ok: false, reason: `${at}: the weights cannot be read from storage`, detail: message(err) };
  }
  if (!weights) return { ok: false, reason: `${at}: no weights are stored` };
  if (weights.byteLength !== file.bytes) return { ok: false, reason: `${at}: the stored weights are ${weights.byteLength} bytes, the manifest says ${file.bytes}` };
  const hash = sha256Hex(weights);
  if (hash !== file.sha256) return { ok: false, reason: `${at}: the stored weights have sha256 ${hash}, the manifest says ${file.sha256}` };
  return { ok: true, version: manifest.version };
}

const ReadySchema = z.object({ ok: z.literal(true), model: z.string(), version: z.int().min(1) });

const notReady = (reason: string) =>
  new HttpError(503, 'not_ready', `the current model version cannot be published: ${reason}. An operator must restore the storage or make an intact version current`, {
    'retry-after': '60',
  });

/**
 * Registers GET /readyz and the gate on GATED_ROUTES. Call before the routes are registered.
 * @returns check, which re-runs the check now and refreshes the gate's answer
 */
export function registerReadiness(app: FastifyInstance, o: { store: Store; model: string; ttlMs?: number }): { check(): Promise<Readiness> } {
  const ttl = o.ttlMs ?? READY_TTL_MS;
  let last: { at: number; result: Promise<Readiness> } | null = null;
  const check = () => {
    const result = readiness(o.store, o.model);
    last = { at: Date.now(), result };
    return result;
  };
  const cached = (ms: number) => (last && Date.now() - last.at < ms ? last.result : check());

  app.addHook('onRequest', async (request) => {
    if (!GATED_ROUTES.has(request.routeOptions.url ?? '')) return;
    const r = await cached(ttl);
    if (!r.ok) throw notReady(r.reason);
  });

  app.withTypeProvider<ZodTypeProvider>().get(
    '/readyz',
    { schema: { response: { 200: ReadySchema, 503: ErrorBodySchema } } },
    async (request, reply) => {
      // At most one hash a second, however often /readyz is asked.
      const r = await cached(Math.min(ttl, READYZ_TTL_MS));
      if (!r.ok) {
        request.log.error({ detail: r.detail }, r.reason);
        throw notReady(r.reason);
      }
      return reply.header('cache-control', 'no-store').send({ ok: true as const, model: o.model, version: r.version });
    },
  );
  return { check };
}

// POST /v1/updates: validates a client's weight delta against the current model version, stores it
// durably, and publishes the next version when enough updates are pending (all in one store transaction).
// Must never store anything from a request it rejects, and never answer 2xx before the update is durable.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorBodySchema, UpdateAcceptedSchema, UpdateUploadSchema, type Manifest } from '../../src/shared/protocol.js';
import { parameterCount } from '../../src/shared/model/weights.js';
import { HttpError } from '../http-errors.js';
import type { Aggregator, Store } from '../storage/store.js';
import { bytesToFloats, decodeBase64 } from '../weights-codec.js';

/**
 * Largest |value| accepted in a delta. Far beyond any honest training step, and small enough that base + mean
 * can never overflow float32, so aggregation can never produce Infinity.
 */
export const MAX_ABS_DELTA = 1e6;

export interface UpdateRouteOptions {
  readonly store: Store;
  readonly minUpdates: number;
  readonly aggregate: Aggregator;
  /** Body limit in bytes, derived from the served model's parameter count. */
  readonly bodyLimit: number;
}

function staleError(model: string, base: number, current: number): HttpError {
  return new HttpError(
    409,
    'stale_version',
    `baseVersion ${base} is not the current version of ${model}; the current version is ${current}: fetch latest.json and train on it`,
    { 'x-shelf-current-version': String(current) },
  );
}

/** Checks the decoded delta against the manifest; returns the bytes to store. */
function checkDelta(manifest: Manifest, base64: string): Uint8Array {
  const bytes = decodeBase64(base64);
  const params = parameterCount(manifest.weights);
  if (bytes.byteLength !== params * 4) {
    throw new HttpError(
      400,
      'invalid_update',
      `delta decodes to ${bytes.byteLength} bytes; ${manifest.name} v${manifest.version} has ${params} float32 parameters, so ${params * 4} bytes are expected`,
    );
  }
  const values = bytesToFloats(bytes);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new HttpError(400, 'invalid_update', `delta value ${i} is ${v}; every value must be a finite number`);
    if (Math.abs(v) > MAX_ABS_DELTA) {
      throw new HttpError(400, 'invalid_update', `delta value ${i} is ${v}; values beyond ±${MAX_ABS_DELTA} are rejected`);
    }
  }
  return bytes;
}

export function registerUpdateRoutes(app: FastifyInstance, opts: UpdateRouteOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/v1/updates',
    {
      bodyLimit: opts.bodyLimit,
      schema: {
        body: UpdateUploadSchema,
        response: {
          200: UpdateAcceptedSchema,
          400: ErrorBodySchema,
          404: ErrorBodySchema,
          409: ErrorBodySchema,
          413: ErrorBodySchema,
        },
      },
    },
    async (request) => {
      const upload = request.body;
      const manifest = await opts.store.current(upload.model);
      if (!manifest) throw new HttpError(404, 'unknown_model', `no model named '${upload.model}'`);
      if (upload.baseVersion !== manifest.version) throw staleError(upload.model, upload.baseVersion, manifest.version);
      const delta = checkDelta(manifest, upload.delta);

      // The checks above read outside the transaction; ingest re-checks the version under the model's lock.
      const result = await opts.store.ingest(
        { model: upload.model, baseVersion: upload.baseVersion, exampleCount: upload.exampleCount, delta },
        { minUpdates: opts.minUpdates, aggregate: opts.aggregate },
      );
      if (result.status === 'unknown_model') throw new HttpError(404, 'unknown_model', `no model named '${upload.model}'`);
      if (result.status === 'stale') throw staleError(upload.model, upload.baseVersion, result.current);
      if (result.published !== null) {
        request.log.info({ model: upload.model, version: result.published }, 'published a new model version');
      }
      return { accepted: true as const, pending: result.pending, published: result.published };
    },
  );
}

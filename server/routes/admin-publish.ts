// The admin API's publishing routes (bearer admin token): publish a trained model version with its vector space,
// and add items to a space (new feed items with content vectors). JSON bodies up to SHELF_ADMIN_BODY_LIMIT.
// Every size, hash, finiteness and uniqueness check runs before anything is written, and the write is one
// transaction. Must never store a vector that failed a check, never change a stored vector, and never accept
// a request that failed authentication.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { makeManifest } from '../../src/shared/model/manifest.js';
import { parameterCount, weightSpecs } from '../../src/shared/model/weights.js';
import { ErrorBodySchema, ModelConfigSchema, ModelNameSchema } from '../../src/shared/protocol.js';
import { ItemIdSchema, SpaceIdSchema } from '../../src/shared/vector-space.js';
import { allFinite } from '../aggregate.js';
import { HttpError } from '../http-errors.js';
import type { Store } from '../storage/store.js';
import { bytesToFloats, decodeBase64, sha256Hex } from '../weights-codec.js';
import { adminAuth } from '../admin-auth.js';

const Base64 = z.string().refine((s) => s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s), 'expected base64 (A-Z a-z 0-9 + /, padded with =)');
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

const PublishBody = z.object({
  config: ModelConfigSchema,
  weights: Base64,
  weightsSha256: Sha256,
  space: z.object({
    id: SpaceIdSchema,
    dim: z.int().min(1).max(512),
    ids: z.array(ItemIdSchema).min(1, 'expected at least one item'),
    vectors: Base64,
    sha256: Sha256,
  }),
  training: z.record(z.string(), z.unknown()).optional(),
  makeCurrent: z.boolean().default(true),
});

const PublishResponse = z.object({ model: z.string(), version: z.int(), space: z.string(), current: z.boolean() });
const ItemsBody = z.object({ ids: z.array(ItemIdSchema).min(1, 'expected at least one item'), vectors: Base64, sha256: Sha256 });
const ItemsResponse = z.object({ space: z.string(), added: z.int() });

const bad = (field: string, message: string) => new HttpError(400, 'invalid_request', `${field}: ${message}`);

/** Decodes float32 LE values of `count` rows × `width`, checking size, hash and finiteness; names `field` when wrong. */
function checkedFloats(field: string, base64: string, sha256: string, shaField: string, expectedValues: number, what: string): { bytes: Uint8Array; values: Float32Array } {
  const bytes = decodeBase64(base64);
  if (bytes.byteLength !== expectedValues * 4) throw bad(field, `expected ${expectedValues * 4} bytes (${what}), got ${bytes.byteLength}`);
  const hash = sha256Hex(bytes);
  if (hash !== sha256) throw bad(shaField, `sha256 of the decoded ${field} is ${hash}, not ${sha256}`);
  const values = bytesToFloats(bytes);
  if (!allFinite(values)) throw bad(field, 'holds a value that is not finite (NaN or ±Infinity)');
  return { bytes, values };
}

/** The first id that occurs twice, with its two positions, or null. */
function firstDuplicate(ids: readonly string[]): string | null {
  const seen = new Map<string, number>();
  for (const [i, id] of ids.entries()) {
    const before = seen.get(id);
    if (before !== undefined) return `duplicate id ${JSON.stringify(id.slice(0, 80))} at ${before} and ${i}`;
    seen.set(id, i);
  }
  return null;
}

export function registerPublishRoutes(app: FastifyInstance, o: { store: Store; token: string; bodyLimit: number; onChange?: () => void }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // The admin API's one authentication (wrong tokens count towards the same lockout as the other admin routes).
  const auth = adminAuth(app, o.token);
  const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 413: ErrorBodySchema, 429: ErrorBodySchema };

  r.post(
    '/v1/admin/models/:name/versions',
    { onRequest: auth, bodyLimit: o.bodyLimit, schema: { params: z.object({ name: ModelNameSchema }), body: PublishBody, response: { 201: PublishResponse, ...errors } } },
    async (request, reply) => {
      const { name } = request.params;
      const b = request.body;
      const specs = weightSpecs(b.config);
      const params = parameterCount(specs);
      const weights = checkedFloats('weights', b.weights, b.weightsSha256, 'weightsSha256', params, `${params} float32 parameters for this config`).bytes;
      if (b.space.dim !== b.config.itemDim) throw bad('space.dim', `is ${b.space.dim}, but config.itemDim is ${b.config.itemDim}`);
      const dup = firstDuplicate(b.space.ids);
      if (dup) throw bad('space.ids', dup);
      const vectors = checkedFloats('space.vectors', b.space.vectors, b.space.sha256, 'space.sha256', b.space.ids.length * b.space.dim, `${b.space.ids.length} ids × ${b.space.dim} float32 values`).bytes;
      const examples = b.training?.['examples'];
      const result = await o.store.importVersion({
        model: name,
        space: { id: b.space.id, dim: b.space.dim, ids: b.space.ids, vectors, sha256: b.space.sha256 },
        makeCurrent: b.makeCurrent,
        training: b.training ?? null,
        build: (version) => ({
          manifest: makeManifest({
            name,
            version,
            parent: null,
            vectorSpace: b.space.id,
            config: b.config,
            weightsSha256: b.weightsSha256,
            weightsBytes: weights.byteLength,
            lineage: { kind: 'import', updates: 0, examples: Number.isInteger(examples) && (examples as number) >= 0 ? (examples as number) : 0 },
          }),
          weights,
        }),
      });
      if (result.status === 'space_exists') throw new HttpError(409, 'space_exists', result.message);
      o.onChange?.();
      request.log.warn({ model: name, version: result.version, space: b.space.id, items: b.space.ids.length, current: result.current, spaceReused: result.spaceReused }, 'admin published an imported model version');
      return reply.code(201).send({ model: name, version: result.version, space: b.space.id, current: result.current });
    },
  );

  r.post(
    '/v1/admin/spaces/:space/items',
    { onRequest: auth, bodyLimit: o.bodyLimit, schema: { params: z.object({ space: SpaceIdSchema }), body: ItemsBody, response: { 200: ItemsResponse, ...errors } } },
    async (request) => {
      const { space } = request.params;
      const b = request.body;
      const head = await o.store.spaceHead(space, '');
      if (!head) throw new HttpError(404, 'unknown_space', `no vector space '${space}'`);
      const dup = firstDuplicate(b.ids);
      if (dup) throw bad('ids', dup);
      const { bytes } = checkedFloats('vectors', b.vectors, b.sha256, 'sha256', b.ids.length * head.dim, `${b.ids.length} ids × ${head.dim} float32 values`);
      const result = await o.store.addSpaceItems(space, b.ids, bytes, b.sha256, head.dim);
      if (result.status === 'unknown_space') throw new HttpError(404, 'unknown_space', `no vector space '${space}'`);
      if (result.status === 'wrong_dim') throw bad('vectors', `the space's vectors have ${result.dim} values each`);
      if (result.status === 'item_exists') {
        throw new HttpError(409, 'item_exists', `ids already in space '${space}' (a vector in use never changes): ${result.ids.map((id) => JSON.stringify(id.slice(0, 80))).join(', ')}`);
      }
      o.onChange?.();
      request.log.warn({ space, added: result.added, revision: result.revision }, 'admin added items to a vector space');
      return { space, added: result.added };
    },
  );
}

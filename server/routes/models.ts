// Model registry routes: the current manifest (`latest.json`, never cached) and each published version's
// manifest and weights (immutable, cached for a year). Same URL layout as static hosting (see `paths`).
// Must never serve a version's files under a cache policy that outlives a change (only versions are immutable), nor
// weights that do not match their manifest's sha256 (503 storage_damaged).
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBodySchema, ManifestSchema, ModelNameSchema, type Manifest } from '../../src/shared/protocol.js';
import { MANIFEST_FILE, WEIGHTS_FILE } from '../../src/shared/model/manifest.js';
import { HttpError } from '../http-errors.js';
import type { Store } from '../storage/store.js';
import { sha256Hex } from '../weights-codec.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

// Names are checked before any work: a name that cannot be a model's (a NUL byte, say) never reaches the database.
const NameParams = z.object({ name: ModelNameSchema });
const VersionParams = z.object({ name: ModelNameSchema, version: z.string() });

/** A version in a URL: a positive integer without leading zeros; anything else is simply not found. */
function parseVersion(name: string, text: string): number {
  if (!/^[1-9]\d{0,8}$/.test(text)) throw new HttpError(404, 'not_found', `model ${name} has no version '${text}'`);
  return Number(text);
}

async function requireManifest(store: Store, name: string, version: number): Promise<Manifest> {
  const manifest = await unreadable(store.manifest(name, version), `the stored manifest of model ${name} v${version}`);
  if (manifest) return manifest;
  if (!(await store.current(name))) throw new HttpError(404, 'unknown_model', `no model named '${name}'`);
  throw new HttpError(404, 'not_found', `model ${name} has no version ${version}`);
}

/** 503: the stored weights of a version are damaged (the operator restores them or makes another version current). */
const damaged = (name: string, version: number, what: string) =>
  new HttpError(503, 'storage_damaged', `the stored weights of model ${name} v${version} ${what}; the server's storage is damaged`);

/**
 * `read`, or 503 storage_damaged when the stored row cannot be read or fails its schema (never a bare 500). The
 * database's own message stays in the server log (GET /readyz and the startup log say more to the operator).
 */
const unreadable = <T>(read: Promise<T>, what: string, log?: FastifyBaseLogger): Promise<T> =>
  read.catch((err: unknown) => {
    log?.error({ err }, `${what} cannot be read from storage`);
    throw new HttpError(503, 'storage_damaged', `${what} cannot be read from storage; the server's storage is damaged`);
  });

export function registerModelRoutes(app: FastifyInstance, store: Store): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/models/:name/latest.json',
    { schema: { params: NameParams, response: { 200: ManifestSchema, 404: ErrorBodySchema } } },
    async (request, reply) => {
      const manifest = await unreadable(store.current(request.params.name), `the current manifest of model ${request.params.name}`, request.log);
      if (!manifest) throw new HttpError(404, 'unknown_model', `no model named '${request.params.name}'`);
      return reply.header('cache-control', 'no-cache').send(manifest);
    },
  );

  r.get(
    `/models/:name/:version/${MANIFEST_FILE}`,
    { schema: { params: VersionParams, response: { 200: ManifestSchema, 404: ErrorBodySchema } } },
    async (request, reply) => {
      const { name } = request.params;
      const manifest = await requireManifest(store, name, parseVersion(name, request.params.version));
      return reply.header('cache-control', IMMUTABLE).send(manifest);
    },
  );

  r.get(
    `/models/:name/:version/${WEIGHTS_FILE}`,
    // No response schema: the body is raw bytes, and errors go through the error handler's ErrorBody.
    { schema: { params: VersionParams } },
    async (request, reply) => {
      const { name } = request.params;
      const version = parseVersion(name, request.params.version);
      const manifest = await requireManifest(store, name, version);
      const weights = await unreadable(store.weights(name, version), `the stored weights of model ${name} v${version}`, request.log);
      if (!weights) throw new HttpError(404, 'not_found', `model ${name} v${version} has no weights`);
      // Never serve bytes under a hash they do not have: clients would cache them as immutable.
      const sha = manifest.files.find((f) => f.path === WEIGHTS_FILE)?.sha256;
      if (sha && sha256Hex(weights) !== sha) throw damaged(name, version, `do not match the sha256 in its manifest`);
      if (sha) reply.header('etag', `"${sha}"`);
      return reply
        .header('cache-control', IMMUTABLE)
        .type('application/octet-stream')
        .send(Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength));
    },
  );
}

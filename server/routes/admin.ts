// The admin API: list a model's versions with their lineage and privacy, and make any stored version current
// (publish a newer one or roll back to an older one). Bearer token from SHELF_ADMIN_TOKEN; without a token
// configured these routes are not registered at all (404); the check and its limit on wrong tokens are in
// server/admin-auth.ts. Must never log a token, and never change anything on a request that failed authentication.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBodySchema, ManifestSchema, ModelNameSchema } from '../../src/shared/protocol.js';
import { adminAuth } from '../admin-auth.js';
import { HttpError } from '../http-errors.js';
import type { Store } from '../storage/store.js';

const NameParams = z.object({ name: ModelNameSchema });
const VersionListSchema = z.object({
  model: z.string(),
  current: z.int(),
  versions: z.array(z.object({ current: z.boolean(), manifest: ManifestSchema })),
});
const SetCurrentBody = z.object({ version: z.int().min(1) });
const SetCurrentResponse = z.object({ model: z.string(), previous: z.int(), current: z.int() });

const RoundInfoSchema = z.object({ model: z.string(), pending: z.int().min(0) });

export function registerAdminRoutes(app: FastifyInstance, o: { store: Store; token: string }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const auth = adminAuth(app, o.token);
  const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 429: ErrorBodySchema };

  r.get(
    '/v1/admin/models/:name/versions',
    { onRequest: auth, schema: { params: NameParams, response: { 200: VersionListSchema, ...errors } } },
    async (request, reply) => {
      const versions = await o.store.versions(request.params.name);
      const current = versions.find((v) => v.current);
      if (!current) throw new HttpError(404, 'unknown_model', `no model named '${request.params.name}'`);
      return reply.header('cache-control', 'no-store').send({ model: request.params.name, current: current.manifest.version, versions });
    },
  );

  // How many updates the live round holds: for the operator only (no public response says it, since it tells who
  // uploaded when; docs/PRIVACY.md).
  r.get(
    '/v1/admin/models/:name/round',
    { onRequest: auth, schema: { params: NameParams, response: { 200: RoundInfoSchema, ...errors } } },
    async (request, reply) => {
      if (!(await o.store.current(request.params.name))) throw new HttpError(404, 'unknown_model', `no model named '${request.params.name}'`);
      const { pending } = await o.store.counts(request.params.name);
      return reply.header('cache-control', 'no-store').send({ model: request.params.name, pending });
    },
  );

  r.post(
    '/v1/admin/models/:name/current',
    { onRequest: auth, bodyLimit: 1024, schema: { params: NameParams, body: SetCurrentBody, response: { 200: SetCurrentResponse, ...errors } } },
    async (request) => {
      const { name } = request.params;
      const { version } = request.body;
      if (!(await o.store.current(name))) throw new HttpError(404, 'unknown_model', `no model named '${name}'`);
      if (!(await o.store.manifest(name, version))) throw new HttpError(404, 'not_found', `model ${name} has no version ${version}`);
      const { previous } = await o.store.setCurrent(name, version);
      request.log.warn({ model: name, previous, current: version }, 'admin changed the current model version');
      return { model: name, previous, current: version };
    },
  );
}

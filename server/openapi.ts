// The server's OpenAPI document, generated from the routes' zod schemas (@fastify/swagger with
// fastify-type-provider-zod's transform) and served at GET /v1/openapi.json. The HTTP fuzzer
// (bench/reliability/http-fuzz.ts) derives its routes and bodies from it. Must be registered before any route
// (it collects them as they are added), and must never describe a route a schema does not back.
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { PROTOCOL_VERSION, UPDATE_MEDIA_TYPE } from '../src/shared/protocol.js';

export const OPENAPI_PATH = '/v1/openapi.json';

/** Registers the document's collector and its route. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Shelf server',
        description: 'Model registry, federated rounds and update uploads, the demo shop, and the admin API. Errors are {error, message}.',
        version: String(PROTOCOL_VERSION),
      },
      components: { securitySchemes: { admin: { type: 'http', scheme: 'bearer' } } },
    },
    // The upload route reads raw bytes (no zod body schema): the document still says what it takes.
    transform: (input) => {
      const out = jsonSchemaTransform(input);
      if (input.url !== '/v1/updates') return out;
      const description = 'One client update in the binary wire format (docs/PRIVACY.md; src/shared/federated/wire.ts).';
      return { ...out, schema: { ...out.schema, consumes: [UPDATE_MEDIA_TYPE], body: { type: 'string', format: 'binary', description } } };
    },
    transformObject: jsonSchemaTransformObject,
  });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async (_request, reply) => reply.header('cache-control', 'no-cache').send(app.swagger()));
}

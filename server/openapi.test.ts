// GET /v1/openapi.json: an OpenAPI 3.1 document generated from the routes' zod schemas, listing every API route
// with its parameters, bodies and error bodies (the fuzzer's source, bench/reliability/openapi-fuzz.ts).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_PATH } from './openapi.js';
import { STORE_TIMEOUT_MS, makeVersion, seededApp, testConfig } from './testing.js';

describe('OpenAPI document', () => {
  let t: Awaited<ReturnType<typeof seededApp>>;
  let doc: { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }; responses?: Record<string, unknown> }>> };
  beforeAll(async () => {
    t = await seededApp(makeVersion('oa', 1), (dir) => ({ ...testConfig({ model: 'oa', staticDir: path.join(dir, 'none'), adminToken: 'o'.repeat(20) }), rerank: { enabled: true, perMinute: 60 } }));
    const res = await t.app.inject({ method: 'GET', url: OPENAPI_PATH });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  }, STORE_TIMEOUT_MS);
  afterAll(() => t?.close());

  it('lists the API routes, from their schemas', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/healthz', '/readyz', '/models/{name}/latest.json', '/models/{name}/{version}/weights.bin', '/v1/rounds/current/ticket', '/v1/updates', '/v1/rerank', '/v1/admin/models/{name}/versions', '/v1/admin/models/{name}/current', '/v1/admin/dashboard', '/v1/candidates']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    expect(Object.keys(doc.paths)).not.toContain(OPENAPI_PATH);
  });

  it('describes bodies by their zod schemas: rerank vectors are numbers, errors are {error, message}', () => {
    const rerank = doc.paths['/v1/rerank']!['post']!;
    const body = rerank.requestBody!.content['application/json']!.schema as { properties: { candidates: { items: { properties: { vector: { items: { type: string } } } } } } };
    expect(body.properties.candidates.items.properties.vector.items.type).toBe('number');
    expect(doc.paths['/v1/updates']!['post']!.requestBody!.content['application/octet-stream']!.schema).toMatchObject({ type: 'string', format: 'binary' });
    const err = JSON.stringify(rerank.responses?.['400']);
    expect(err).toContain('"error"');
    expect(err).toContain('"message"');
  });
});

// Public site keys: with SHELF_SITE_KEYS set, ticket requests and uploads need a known key (header or query)
// and are refused 401 before any work; other routes and a server without keys are unaffected.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { STORE_TIMEOUT_MS, makeVersion, seededApp, testConfig } from './testing.js';

const MODEL = 'sitekeys';
const KEY = 'pk_shop_demo_123';

describe('site keys', () => {
  let t: Awaited<ReturnType<typeof seededApp>>;
  let app: FastifyInstance;

  beforeAll(async () => {
    t = await seededApp(makeVersion(MODEL, 1), (dir) => ({ ...testConfig({ model: MODEL, staticDir: path.join(dir, 'no-site') }), siteKeys: [KEY, 'pk_other_shop_9'] }));
    app = t.app;
  }, STORE_TIMEOUT_MS);
  afterAll(() => t?.close());

  it('issues tickets only with a known key, in the header or the query', async () => {
    const none = await app.inject({ method: 'POST', url: '/v1/rounds/current/ticket' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: 'invalid_site_key' });
    expect((await app.inject({ method: 'POST', url: '/v1/rounds/current/ticket', headers: { 'x-shelf-site-key': 'pk_wrong_key_00' } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/v1/rounds/current/ticket', headers: { 'x-shelf-site-key': KEY } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: `/v1/rounds/current/ticket?siteKey=${KEY}` })).statusCode).toBe(200);
  });

  it('refuses uploads without a key before reading the body, and leaves other routes open', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/updates', payload: Buffer.alloc(10), headers: { 'content-type': 'application/octet-stream' } });
    expect(res.statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: `/models/${MODEL}/latest.json` })).statusCode).toBe(200);
  });

  it('reads SHELF_SITE_KEYS as a comma-separated list', () => {
    expect(loadConfig({}).siteKeys).toEqual([]);
    expect(loadConfig({ SHELF_SITE_KEYS: 'pk_a_12345,pk_b_12345' }).siteKeys).toEqual(['pk_a_12345', 'pk_b_12345']);
    expect(() => loadConfig({ SHELF_SITE_KEYS: 'short' })).toThrow(/SHELF_SITE_KEYS/);
  });
});

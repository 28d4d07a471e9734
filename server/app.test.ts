// The assembled app through inject(): model file routes and their 404s, the demo shop's candidates and
// categories, /healthz, unknown routes, and `/` with and without a built site.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CandidatesResponseSchema, ErrorBodySchema } from '../src/shared/protocol.js';
import { CONTENT_VECTOR_DIM, CONTENT_VECTOR_SPACE } from '../src/shared/item-vectors.js';
import { buildApp } from './app.js';
import { ensureSeeded } from './seed.js';
import { PgliteStore } from './storage/pglite-store.js';
import { STORE_TIMEOUT_MS, makeVersion, tempDir, testConfig, writeSeed } from './testing.js';

const MODEL = 'app-test';
const seed = makeVersion(MODEL, 1);

describe('buildApp', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let store: PgliteStore;
  let app: FastifyInstance;
  const get = (url: string) => app.inject({ method: 'GET', url });
  const expectError = async (url: string, status: number, error: string, message: RegExp) => {
    const res = await get(url);
    expect(res.statusCode).toBe(status);
    const body = ErrorBodySchema.parse(res.json());
    expect(body.error).toBe(error);
    expect(body.message).toMatch(message);
  };

  beforeAll(async () => {
    tmp = await tempDir();
    store = await PgliteStore.open(path.join(tmp.dir, 'db'));
    await writeSeed(path.join(tmp.dir, 'seeds'), seed);
    await ensureSeeded(store, { model: MODEL, seedDir: path.join(tmp.dir, 'seeds') });
    app = await buildApp(testConfig({ model: MODEL, staticDir: path.join(tmp.dir, 'dist') }), store);
  }, STORE_TIMEOUT_MS);
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await tmp?.remove();
  });

  describe('model files', () => {
    it('serves a version manifest and its weights with an immutable cache policy', async () => {
      const m = await get(`/models/${MODEL}/1/manifest.json`);
      expect(m.statusCode).toBe(200);
      expect(m.json()).toEqual(seed.manifest);
      expect(m.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      const w = await get(`/models/${MODEL}/1/weights.bin`);
      expect(w.statusCode).toBe(200);
      expect(new Uint8Array(w.rawPayload)).toEqual(seed.weights);
      expect(w.headers.etag).toBe(`"${seed.manifest.files[0]?.sha256}"`);
    });

    it('404s unknown models, versions and files with an ErrorBody', async () => {
      await expectError('/models/nope/latest.json', 404, 'unknown_model', /no model named 'nope'/);
      await expectError('/models/nope/1/manifest.json', 404, 'unknown_model', /nope/);
      await expectError(`/models/${MODEL}/9/manifest.json`, 404, 'not_found', /has no version 9/);
      await expectError(`/models/${MODEL}/9/weights.bin`, 404, 'not_found', /has no version 9/);
      await expectError(`/models/${MODEL}/01/weights.bin`, 404, 'not_found', /no version '01'/);
      await expectError(`/models/${MODEL}/1/other.bin`, 404, 'not_found', /GET \/models\/app-test\/1\/other.bin/);
    });
  });

  describe('GET /v1/candidates', () => {
    it('returns the whole catalogue ranked by the shop, 24 by default', async () => {
      const res = await get('/v1/candidates?list=all');
      expect(res.statusCode).toBe(200);
      const body = CandidatesResponseSchema.parse(res.json());
      expect(body.listId).toBe('all');
      expect(body.vectorSpace).toBe(CONTENT_VECTOR_SPACE);
      expect(body.items).toHaveLength(24);
      const scores = body.items.map((i) => i.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      for (const item of body.items) expect(item.vector).toHaveLength(CONTENT_VECTOR_DIM);
      expect((await get('/v1/candidates?list=all')).body).toBe(res.body);
    });

    it('filters by category and honours the limit', async () => {
      const body = CandidatesResponseSchema.parse((await get('/v1/candidates?list=category:smartphones&limit=200')).json());
      expect(body.items).toHaveLength(16);
      expect(new Set(body.items.map((i) => i.category))).toEqual(new Set(['smartphones']));
      const all = CandidatesResponseSchema.parse((await get('/v1/candidates?limit=200')).json());
      expect(all.items).toHaveLength(194);
      expect(all.listId).toBe('all');
    });

    it('searches titles, brands and categories, best match first', async () => {
      const body = CandidatesResponseSchema.parse((await get(`/v1/candidates?list=${encodeURIComponent('search:red lipstick')}`)).json());
      expect(body.items[0]?.title).toBe('Red Lipstick');
      const none = CandidatesResponseSchema.parse((await get('/v1/candidates?list=search:zzzzqx')).json());
      expect(none.items).toEqual([]);
    });

    it('400s bad lists and limits with a message', async () => {
      await expectError('/v1/candidates?list=category:unicorns', 400, 'invalid_request', /unknown category 'unicorns'/);
      await expectError('/v1/candidates?list=search:%20', 400, 'invalid_request', /no search words/);
      await expectError('/v1/candidates?list=popular', 400, 'invalid_request', /unknown list 'popular'/);
      await expectError('/v1/candidates?list=', 400, 'invalid_request', /list must not be empty/);
      await expectError('/v1/candidates?limit=0', 400, 'invalid_request', /limit must be at least 1/);
      await expectError('/v1/candidates?limit=201', 400, 'invalid_request', /limit must be at most 200/);
      await expectError('/v1/candidates?limit=ten', 400, 'invalid_request', /limit must be a whole number/);
    });
  });

  it('lists categories with counts', async () => {
    const res = await get('/v1/categories');
    expect(res.statusCode).toBe(200);
    const { categories } = res.json() as { categories: { slug: string; name: string; count: number }[] };
    expect(categories).toContainEqual({ slug: 'mens-shoes', name: 'Mens shoes', count: 5 });
    expect(categories.reduce((n, c) => n + c.count, 0)).toBe(194);
  });

  it('reports health', async () => {
    const res = await get('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, model: MODEL, version: 1 });
  });

  it('404s unknown routes with an ErrorBody', async () => {
    await expectError('/v2/nothing', 404, 'not_found', /GET \/v2\/nothing/);
  });

  it('answers 503 at / until the site is built, then serves it', async () => {
    await expectError('/', 503, 'site_not_built', /npm run build/);
    const dist = path.join(tmp.dir, 'built');
    await mkdir(path.join(dist, 'assets'), { recursive: true });
    await writeFile(path.join(dist, 'index.html'), '<!doctype html><title>Shelf demo</title>');
    await writeFile(path.join(dist, 'assets', 'app.js'), 'export {};');
    const site = await buildApp(testConfig({ model: MODEL, staticDir: dist }), store);
    try {
      const index = await site.inject({ method: 'GET', url: '/' });
      expect(index.statusCode).toBe(200);
      expect(index.headers['content-type']).toMatch(/text\/html/);
      expect(index.body).toContain('Shelf demo');
      expect((await site.inject({ method: 'GET', url: '/assets/app.js' })).statusCode).toBe(200);
      const missing = await site.inject({ method: 'GET', url: '/assets/missing.js' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ error: 'not_found' });
      // API routes win over static files.
      expect((await site.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({ ok: true });
    } finally {
      await site.close();
    }
  });
});

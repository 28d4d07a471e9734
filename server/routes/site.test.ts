import { brotliCompressSync, brotliDecompressSync, gzipSync } from 'node:zlib';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoCatalog } from '../demo/catalog.js';
import type { Store } from '../storage/store.js';
import { tempDir } from '../testing.js';
import { registerShopRoutes } from './shop.js';
import { cacheControlFor, registerSiteRoutes } from './site.js';

describe('static files: pre-compressed and cached by name', () => {
  const app = Fastify();
  let remove: () => Promise<void>;
  const chunk = 'export const x = 1;'.repeat(200);
  beforeAll(async () => {
    const t = await tempDir();
    remove = t.remove;
    await mkdir(path.join(t.dir, 'sdk'));
    await writeFile(path.join(t.dir, 'index.html'), '<!doctype html>');
    for (const name of ['sdk/shelf-dist-AbCd1234.js', 'sdk/shelf-engine.worker.js']) {
      await writeFile(path.join(t.dir, name), chunk);
      await writeFile(path.join(t.dir, `${name}.br`), brotliCompressSync(chunk));
      await writeFile(path.join(t.dir, `${name}.gz`), gzipSync(chunk));
    }
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    await registerSiteRoutes(app, { staticDir: t.dir, store: {} as Store, model: 'm' });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await remove();
  });

  it('sends the brotli file to a browser that accepts it, and a hashed name as immutable', async () => {
    const res = await app.inject({ url: '/sdk/shelf-dist-AbCd1234.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotliDecompressSync(res.rawPayload).toString()).toBe(chunk);
  });

  it('revalidates a pinned name (the SDK entries a shop pins with SRI) and falls back to the plain file', async () => {
    const res = await app.inject({ url: '/sdk/shelf-engine.worker.js' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
    expect(res.body).toBe(chunk);
    expect(cacheControlFor('/x/index-AMFpl5rV.js.gz')).toMatch(/immutable/);
    expect(cacheControlFor('/x/index.html')).not.toMatch(/immutable/);
  });
});

describe('GET /v1/candidates compression', () => {
  const app = Fastify();
  beforeAll(async () => {
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    registerShopRoutes(app, loadDemoCatalog());
    await app.ready();
  });
  afterAll(() => app.close());

  it('answers brotli when accepted, the same JSON as uncompressed', async () => {
    const plain = await app.inject({ url: '/v1/candidates?limit=200' });
    const br = await app.inject({ url: '/v1/candidates?limit=200', headers: { 'accept-encoding': 'gzip, br' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['vary']).toMatch(/accept-encoding/);
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    expect(JSON.parse(brotliDecompressSync(br.rawPayload).toString())).toEqual(plain.json());
  });
});

// The HTTP fuzzer (bench/reliability/http-fuzz.ts) against the whole app on loopback, a few hundred requests
// generated from the server's own OpenAPI document (every documented route among them): no 5xx, no dropped
// connection. `npm run bench:reliability` runs ≥ 10,000 against a server process.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchOpenApi, fuzzSpecs, runFuzz } from '../../bench/reliability/http-fuzz.js';
import { operations } from '../../bench/reliability/openapi-fuzz.js';
import { buildApp } from '../app.js';
import { ensureSeeded } from '../seed.js';
import { PgliteStore } from '../storage/pglite-store.js';
import { STORE_TIMEOUT_MS, makeVersion, tempDir, testConfig, writeSeed } from '../testing.js';

const MODEL = 'fuzz';
const ADMIN = 'a'.repeat(24);
const seed = makeVersion(MODEL, 1);

describe('HTTP fuzz (in-process, loopback)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let store: PgliteStore;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    tmp = await tempDir();
    store = await PgliteStore.open(path.join(tmp.dir, 'db'));
    await writeSeed(path.join(tmp.dir, 'seeds'), seed);
    await ensureSeeded(store, { model: MODEL, seedDir: path.join(tmp.dir, 'seeds') });
    const site = path.join(tmp.dir, 'site');
    await mkdir(site, { recursive: true });
    await writeFile(path.join(site, 'index.html'), '<!doctype html><title>t</title>');
    app = await buildApp({ ...testConfig({ model: MODEL, minUpdates: 4, staticDir: site, adminToken: ADMIN, federated: { clip: 1, noiseMultiplier: 0.5, epsilonBudget: 1e9 } }), dataDir: tmp.dir, rerank: { enabled: true, perMinute: 60 } }, store);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  }, STORE_TIMEOUT_MS);
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await tmp?.remove();
  });

  it('answers 400 generated requests without a 5xx or a dropped connection', async () => {
    const doc = await fetchOpenApi(base);
    const specs = fuzzSpecs(doc, Number(process.env['SHELF_FUZZ_N'] ?? 400), Number(process.env['SHELF_FUZZ_SEED'] ?? 20261123));
    // Driven by the document: every documented operation is among the requests.
    const ops = operations(doc);
    expect(ops.map((o) => `${o.method} ${o.path}`)).toEqual(expect.arrayContaining(['POST /v1/rerank', 'POST /v1/admin/models/{name}/current', 'GET /models/{name}/{version}/weights.bin', 'GET /readyz']));
    for (const op of ops) {
      const re = new RegExp(`^${op.path.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/?]*')}(\\?|$)`);
      expect(specs.some((s) => s.kind === 'raw' && re.test(s.path)), `${op.method} ${op.path}`).toBe(true);
    }
    const report = await runFuzz({ base, model: MODEL, adminToken: ADMIN }, specs, {
      concurrency: 4,
      params: seed.weights.byteLength / 4,
      deadlineMs: Number(process.env["SHELF_FUZZ_MS"] ?? 50_000),
    });
    expect(report.findings).toEqual([]);
    expect(report.status5xx).toBe(0);
    expect(report.networkErrors).toBe(0);
    expect(report.badErrorBodies).toBe(0);
    expect(report.requests).toBeGreaterThanOrEqual(400);
    // The fuzz reached the update route's acceptance path too, not only its rejections.
    expect(report.byStatus['200'] ?? 0).toBeGreaterThan(10);
  });

  it('answers 4xx, not 500, for model names PostgreSQL cannot hold (found by the fuzz: a NUL byte in the name)', async () => {
    const auth = { authorization: `Bearer ${ADMIN}` };
    for (const url of ['/models/%00/latest.json', '/models/%00/1/manifest.json', '/models/a%00b/1/weights.bin', '/v1/admin/models/%00/versions', '/v1/admin/dashboard?model=%00']) {
      // From an address of its own: the fuzz's wrong admin tokens may have locked loopback out (429).
      const res = await app.inject({ method: 'GET', url, headers: auth, remoteAddress: '10.9.9.9' });
      expect([400, 404]).toContain(res.statusCode);
      expect(res.json()).toMatchObject({ error: expect.any(String) });
    }
  });
});

// Vector spaces on PostgreSQL (the same SQL as PGlite, migration 6 included): two replicas on one database; a
// version published with its space through one is served by the other; the same space id with other contents is
// refused whichever replica gets it; items added through one are served by the other once its one-second head
// cache has expired. Needs SHELF_TEST_POSTGRES_URL (`.ci/run` starts Debian's PostgreSQL); skipped without it.
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { decodeVector, fixtureVectors, itemsBody, publishBody } from '../space-fixtures.js';
import { makeVersion, testConfig } from '../testing.js';
import { HEAD_TTL_MS } from '../vector-index.js';
import type { PgliteStore } from './pglite-store.js';
import { openPostgresStore } from './pg-store.js';

const URL_ = process.env['SHELF_TEST_POSTGRES_URL'];
const MODEL = 'pg-spaces';
const TOKEN = 'admin-token-for-tests';
const IDS = ['p-1', 'p,2', 'p 3'];

describe.skipIf(!URL_)('vector spaces on PostgreSQL, two replicas', () => {
  const dbName = `shelf_spaces_${process.pid}_${Date.now()}`;
  let admin: pg.Client;
  const stores: PgliteStore[] = [];
  const apps: FastifyInstance[] = [];
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: URL_ });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    const u = new URL(URL_!);
    u.pathname = `/${dbName}`;
    stores.push(...(await Promise.all([0, 1].map(() => openPostgresStore(u.href, { poolSize: 2 })))));
    await stores[0]!.importSeed(makeVersion(MODEL, 1));
    for (const store of stores) apps.push(await buildApp(testConfig({ model: MODEL, staticDir: '/nonexistent', adminToken: TOKEN }), store));
  }, 60_000);
  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const s of stores) await s.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await admin?.end();
  });

  it('publishes through one replica, serves through the other, refuses other contents under the same id', async () => {
    const vectors = fixtureVectors(IDS.length, 32, 1);
    const res = await apps[0]!.inject({ method: 'POST', url: `/v1/admin/models/${MODEL}/versions`, headers: auth, payload: publishBody({ spaceId: 'pg-a', ids: IDS, vectors }) });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({ model: MODEL, version: 2, space: 'pg-a', current: true });
    const other = await apps[1]!.inject({ method: 'POST', url: `/v1/admin/models/${MODEL}/versions`, headers: auth, payload: publishBody({ spaceId: 'pg-a', ids: IDS, vectors: fixtureVectors(IDS.length, 32, 2) }) });
    expect(other.statusCode).toBe(409);
    const got = await apps[1]!.inject({ url: `/v1/vectors?ids=${IDS.map(encodeURIComponent).join(',')},nope` });
    expect(got.statusCode, got.body).toBe(200);
    const body = got.json() as { space: string; vectors: Record<string, string>; missing: string[] };
    expect(body.space).toBe('pg-a');
    expect(body.missing).toEqual(['nope']);
    expect([...decodeVector(body.vectors['p,2']!)]).toEqual([...vectors.subarray(32, 64)]);
    expect((await stores[1]!.current(MODEL))?.lineage.kind).toBe('import');

    const added = await apps[0]!.inject({ method: 'POST', url: '/v1/admin/spaces/pg-a/items', headers: auth, payload: itemsBody(['p-4'], fixtureVectors(1, 32, 3)) });
    expect(added.json()).toEqual({ space: 'pg-a', added: 1 });
    await new Promise((r) => setTimeout(r, HEAD_TTL_MS + 50));
    const later = (await apps[1]!.inject({ url: '/v1/vectors?space=pg-a&ids=p-4' })).json() as { vectors: Record<string, string> };
    expect([...decodeVector(later.vectors['p-4']!)]).toEqual([...fixtureVectors(1, 32, 3)]);
  });
});

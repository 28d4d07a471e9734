// The store on PostgreSQL with three server replicas (each its own app, pool and loopback port) sharing one
// database: uploads spread over all three, concurrently; exactly one replica publishes each round (every
// version has exactly K updates, no update is consumed twice, no ticket accepted twice). Needs a PostgreSQL
// server: SHELF_TEST_POSTGRES_URL (`.ci/run` starts Debian's); skipped with a message without one.
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketResponseSchema } from '../../src/shared/protocol.js';
import { buildApp } from '../app.js';
import { ensureSeeded } from '../seed.js';
import { makeVersion, testConfig, wireUpdate } from '../testing.js';
import type { PgliteStore } from './pglite-store.js';
import { openPostgres, openPostgresStore } from './pg-store.js';

const URL_ = process.env['SHELF_TEST_POSTGRES_URL'];
const MODEL = 'replicas';
const K = 5;
const seed = makeVersion(MODEL, 1);
const params = seed.weights.byteLength / 4;

if (!URL_) console.warn('[pg-store.test] SHELF_TEST_POSTGRES_URL is not set: the PostgreSQL replica tests are skipped (.ci/run sets it up)');

describe.skipIf(!URL_)('PostgreSQL store, three replicas', () => {
  const dbName = `shelf_test_${process.pid}_${Date.now()}`;
  let admin: pg.Client;
  const stores: PgliteStore[] = [];
  const apps: FastifyInstance[] = [];
  let dbUrl = '';

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: URL_ });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    const u = new URL(URL_!);
    u.pathname = `/${dbName}`;
    dbUrl = u.href;
    // Replicas start together: the migrations run once under the advisory lock.
    stores.push(...(await Promise.all([0, 1, 2].map(() => openPostgresStore(dbUrl, { poolSize: 4 })))));
    await stores[0]!.importSeed(seed);
    for (const store of stores) apps.push(await buildApp(testConfig({ model: MODEL, minUpdates: K, staticDir: '/nonexistent' }), store));
  }, 60_000);
  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const s of stores) await s.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await admin?.end();
  });

  it('publishes each round exactly once when uploads race across replicas', async () => {
    const N = 4 * K + 2;
    const results = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const app = apps[i % 3]!;
        const t = TicketResponseSchema.parse((await app.inject({ method: 'POST', url: '/v1/rounds/current/ticket' })).json());
        const body = wireUpdate(new Array(params).fill(0.001 * (1 + (i % 4))), { baseVersion: t.baseVersion, round: t.round, ticket: t.ticket });
        const res = await apps[(i + 1) % 3]!.inject({ method: 'POST', url: '/v1/updates', payload: body, headers: { 'content-type': 'application/octet-stream' } });
        return { status: res.statusCode, body: res.json() as { accepted?: true; error?: string } };
      }),
    );
    for (const r of results) expect([200, 409]).toContain(r.status);
    const accepted = results.filter((r) => r.status === 200).length;
    // Answers no longer say which upload closed a round: the versions the replicas wrote do. Every round's K updates
    // built exactly one version, with distinct, consecutive version numbers.
    const versions = await stores[2]!.versions(MODEL);
    const published = versions.filter((x) => x.manifest.lineage.kind === 'aggregate').map((x) => x.manifest.version);
    expect(published.length).toBe(Math.floor(accepted / K));
    expect(new Set(published).size).toBe(published.length);
    expect([...published].sort((a, b) => a - b)).toEqual(published.map((_, i) => 2 + i));
    expect(versions.length).toBe(1 + published.length);
    for (const v of versions.filter((x) => x.manifest.lineage.kind === 'aggregate')) expect(v.manifest.lineage.updates).toBe(K);
    const counts = await stores[1]!.counts(MODEL);
    expect(counts.updates).toBe(accepted);
    expect(counts.pending).toBe(accepted - K * published.length);
    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    try {
      const { rows } = await c.query<{ n: number; r: number }>("SELECT count(*)::int AS n, count(DISTINCT round_id)::int AS r FROM updates WHERE consumed_in_version IS NOT NULL");
      expect(rows[0]!.n).toBe(K * published.length);
      const live = await c.query("SELECT id FROM rounds WHERE state IN ('open', 'aggregating')");
      expect(live.rows.length).toBe(1);
    } finally {
      await c.end();
    }
  });

  it('refuses a ticket used on one replica when it is sent to another', async () => {
    const t = TicketResponseSchema.parse((await apps[0]!.inject({ method: 'POST', url: '/v1/rounds/current/ticket' })).json());
    const body = wireUpdate(new Array(params).fill(0.001), { baseVersion: t.baseVersion, round: t.round, ticket: t.ticket });
    const post = (app: FastifyInstance) => app.inject({ method: 'POST', url: '/v1/updates', payload: body, headers: { 'content-type': 'application/octet-stream' } });
    const [a, b] = await Promise.all([post(apps[1]!), post(apps[2]!)]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
  });

  it('imports the seed once when replicas start together on an empty model', async () => {
    const outcomes = await Promise.all(stores.map((s) => ensureSeeded(s, { model: 'seeded-together', seedDir: '/nonexistent' })));
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['existing', 'existing', 'initialised']);
    expect(outcomes.every((o) => o.version === 1)).toBe(true);
    expect((await stores[0]!.versions('seeded-together')).length).toBe(1);
  });

  it('issues tickets for the open round without waiting for a round being closed', async () => {
    const t = await Promise.all(apps.map((app) => app.inject({ method: 'POST', url: '/v1/rounds/current/ticket' })));
    const rounds = t.map((r) => TicketResponseSchema.parse(r.json()).round);
    expect(new Set(rounds).size).toBe(1);
    // Hold the model's row lock from outside, as a closing round does: tickets are still issued meanwhile.
    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    try {
      await c.query('BEGIN');
      await c.query('SELECT 1 FROM models WHERE name = $1 FOR UPDATE', [MODEL]);
      const during = await apps[1]!.inject({ method: 'POST', url: '/v1/rounds/current/ticket' });
      expect(during.statusCode).toBe(200);
      expect(TicketResponseSchema.parse(during.json()).round).toBe(rounds[0]);
    } finally {
      await c.query('ROLLBACK');
      await c.end();
    }
  });

  it('shares rate-limit counts between replicas', async () => {
    const opened = await Promise.all([0, 1].map(() => openPostgres(dbUrl, { poolSize: 2 })));
    const limited = await Promise.all(
      opened.map((o) =>
        buildApp({ ...testConfig({ model: MODEL, minUpdates: K, staticDir: '/nonexistent' }), rateLimit: { perAddressPerMinute: 4, perTicket: 0, exemptLoopback: false } }, o.store, { rateLimitStore: o.rateLimitStore }),
      ),
    );
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await limited[i % 2]!.inject({ method: 'POST', url: '/v1/rounds/current/ticket', remoteAddress: '198.51.100.7' })).statusCode);
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      expect((await limited[1]!.inject({ method: 'POST', url: '/v1/rounds/current/ticket', remoteAddress: '198.51.100.8' })).statusCode).toBe(200);
    } finally {
      for (const a of limited) await a.close();
      for (const o of opened) await o.store.close();
    }
  });
});

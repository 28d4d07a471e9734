// The dashboard's admin endpoints through app.inject(): bearer required, rounds and lineage read from the
// published versions, the norm of each accepted update (and none of a rejected one), quality figures stored
// and kept in the data folder across restarts.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { ensureSeeded } from '../seed.js';
import { PgliteStore } from '../storage/pglite-store.js';
import { STORE_TIMEOUT_MS, makeVersion, tempDir, testConfig, wireUpdate, writeSeed } from '../testing.js';

const MODEL = 'dash-test';
const TOKEN = 'dashboard-token-for-tests';
const seed = makeVersion(MODEL, 1);
const params = seed.weights.byteLength / 4;

describe('dashboard API', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let store: PgliteStore;
  let app: FastifyInstance;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const config = () => ({ ...testConfig({ model: MODEL, staticDir: path.join(tmp.dir, 'none'), minUpdates: 2, adminToken: TOKEN }), dataDir: tmp.dir });
  const upload = async (value: number, round: number, ticket: string, baseVersion = 1) =>
    app.inject({ method: 'POST', url: '/v1/updates', headers: { 'content-type': 'application/octet-stream' }, payload: wireUpdate(new Array(params).fill(value), { baseVersion, round, ticket }) });

  beforeAll(async () => {
    tmp = await tempDir();
    store = await PgliteStore.open(path.join(tmp.dir, 'db'));
    await writeSeed(path.join(tmp.dir, 'seeds'), seed);
    await ensureSeeded(store, { model: MODEL, seedDir: path.join(tmp.dir, 'seeds') });
    app = await buildApp(config(), store);
  }, STORE_TIMEOUT_MS);
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await tmp?.remove();
  });

  it('needs the admin token', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/admin/dashboard' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/v1/admin/dashboard', headers: { authorization: 'Bearer wrong-token-here' } })).statusCode).toBe(403);
  });

  it('shows a published round with its participants and the norms of accepted updates only', async () => {
    const ticket = async () => (await app.inject({ method: 'POST', url: '/v1/rounds/current/ticket' })).json() as { round: number; ticket: string };
    const a = await ticket();
    expect((await upload(0.001, a.round, a.ticket)).statusCode).toBeLessThan(300);
    expect((await upload(0.001, a.round, a.ticket)).statusCode).toBe(409); // reused ticket: not measured
    const b = await ticket();
    expect((await upload(0.002, b.round, b.ticket)).json()).toEqual({ accepted: true });
    const d = (await app.inject({ method: 'GET', url: '/v1/admin/dashboard', headers: auth })).json();
    expect(d.current).toBe(2);
    expect(d.versions.map((v: { version: number; parent: number | null }) => [v.version, v.parent])).toEqual([[2, 1], [1, null]]);
    expect(d.rounds).toEqual([expect.objectContaining({ round: a.round, version: 2, baseVersion: 1, participants: 2 })]);
    // Two accepted updates, each counted in its round's bin; no time or value of a single update is kept.
    const norm = 0.001 * Math.sqrt(params);
    const sum = (rows: { count: number }[]) => rows.reduce((n, r) => n + r.count, 0);
    expect(sum(d.norms)).toBe(2);
    for (const b of d.norms) {
      expect(Object.keys(b).sort()).toEqual(['count', 'hi', 'lo', 'round']);
      expect(b.lo).toBeLessThanOrEqual(2 * norm);
    }
    expect(d.norms).toEqual([expect.objectContaining({ round: a.round, count: 2 })]); // both in round 1 (the second completed it)
    expect(d.norms[0].lo).toBeLessThanOrEqual(norm);
    expect(d.norms[0].hi).toBeGreaterThan(norm);
  });

  it('stores quality figures and keeps them (and the norms) across a restart', async () => {
    const bad = await app.inject({ method: 'POST', url: '/v1/admin/quality', headers: auth, payload: { points: [{ version: 0, metric: 'x', value: 1 }] } });
    expect(bad.statusCode).toBe(400);
    const ok = await app.inject({ method: 'POST', url: '/v1/admin/quality', headers: auth, payload: { points: [{ version: 2, metric: 'hit@5', value: 0.4, source: 'simulation', n: 10 }] } });
    expect(ok.json()).toEqual({ stored: 1 });
    await app.close();
    app = await buildApp(config(), store);
    const d = (await app.inject({ method: 'GET', url: '/v1/admin/dashboard', headers: auth })).json();
    expect(d.quality).toEqual([expect.objectContaining({ version: 2, metric: 'hit@5', value: 0.4, source: 'simulation', n: 10 })]);
    expect(d.norms.reduce((n: number, r: { count: number }) => n + r.count, 0)).toBe(2);
  });
});

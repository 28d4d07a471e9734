// The admin API through app.inject(): absent without a token configured, 401 without a bearer, 403 with a
// wrong one (and nothing changed), 429 for every request from an address after ADMIN_FAILURES wrong ones (the
// right token too, other addresses unaffected), and with the right one lists versions and rolls the current one back.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_FAILURES } from '../admin-auth.js';
import { buildApp } from '../app.js';
import { ensureSeeded } from '../seed.js';
import { PgliteStore } from '../storage/pglite-store.js';
import { STORE_TIMEOUT_MS, makeVersion, tempDir, testConfig, wireUpdate, writeSeed } from '../testing.js';

const MODEL = 'admin-test';
const TOKEN = 'admin-token-for-tests';
const seed = makeVersion(MODEL, 1);
const params = seed.weights.byteLength / 4;

describe('admin API', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let store: PgliteStore;
  let app: FastifyInstance;
  let closed: FastifyInstance;
  const auth = (token = TOKEN) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    tmp = await tempDir();
    store = await PgliteStore.open(path.join(tmp.dir, 'db'));
    await writeSeed(path.join(tmp.dir, 'seeds'), seed);
    await ensureSeeded(store, { model: MODEL, seedDir: path.join(tmp.dir, 'seeds') });
    const staticDir = path.join(tmp.dir, 'none');
    app = await buildApp(testConfig({ model: MODEL, staticDir, minUpdates: 1, adminToken: TOKEN }), store);
    closed = await buildApp(testConfig({ model: MODEL, staticDir, minUpdates: 1 }), store);
    // publish version 2 through the real route
    const t = (await app.inject({ method: 'POST', url: '/v1/rounds/current/ticket' })).json() as { round: number; ticket: string };
    const res = await app.inject({
      method: 'POST',
      url: '/v1/updates',
      headers: { 'content-type': 'application/octet-stream' },
      payload: wireUpdate(new Array(params).fill(0.01), { baseVersion: 1, round: t.round, ticket: t.ticket }),
    });
    expect(res.json()).toEqual({ accepted: true });
    expect((await store.current(MODEL))?.version).toBe(2);
  }, STORE_TIMEOUT_MS);
  afterAll(async () => {
    await app?.close();
    await closed?.close();
    await store?.close();
    await tmp?.remove();
  });

  it('does not exist when no token is configured', async () => {
    const res = await closed.inject({ method: 'GET', url: `/v1/admin/models/${MODEL}/versions`, headers: auth() });
    expect(res.statusCode).toBe(404);
  });

  it('401s without a bearer token and 403s a wrong one, changing nothing', async () => {
    const url = `/v1/admin/models/${MODEL}/current`;
    const none = await app.inject({ method: 'POST', url, payload: { version: 1 } });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect((await app.inject({ method: 'POST', url, payload: { version: 1 }, headers: auth('not-the-token-at-all') })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url, payload: { version: 1 }, headers: { authorization: `Basic ${TOKEN}` } })).statusCode).toBe(401);
    expect((await store.current(MODEL))?.version).toBe(2);
  });

  it("tells the operator, and only the operator, how many updates the open round holds", async () => {
    const url = `/v1/admin/models/${MODEL}/round`;
    expect((await app.inject({ method: 'GET', url })).statusCode).toBe(401);
    const res = await app.inject({ method: 'GET', url, headers: auth() });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ model: MODEL, pending: 0 });
    expect(Object.keys((await app.inject({ method: 'GET', url: '/healthz' })).json())).not.toContain('pending');
  });

  it('lists versions with lineage, newest first', async () => {
    const res = await app.inject({ method: 'GET', url: `/v1/admin/models/${MODEL}/versions`, headers: auth() });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { current: number; versions: { current: boolean; manifest: { version: number; parent: number | null; lineage: { kind: string } } }[] };
    expect(body.current).toBe(2);
    expect(body.versions.map((v) => [v.manifest.version, v.manifest.parent, v.manifest.lineage.kind, v.current])).toEqual([
      [2, 1, 'aggregate', true],
      [1, null, 'seed', false],
    ]);
  });

  it('rolls back to an earlier version and forward again; 404s a missing version', async () => {
    const url = `/v1/admin/models/${MODEL}/current`;
    const back = await app.inject({ method: 'POST', url, payload: { version: 1 }, headers: auth() });
    expect(back.json()).toEqual({ model: MODEL, previous: 2, current: 1 });
    expect((await app.inject({ method: 'GET', url: `/models/${MODEL}/latest.json` })).json()).toMatchObject({ version: 1 });
    const ticket = (await app.inject({ method: 'POST', url: '/v1/rounds/current/ticket' })).json() as { baseVersion: number };
    expect(ticket.baseVersion).toBe(1);
    expect((await app.inject({ method: 'POST', url, payload: { version: 2 }, headers: auth() })).json()).toMatchObject({ current: 2 });
    expect((await app.inject({ method: 'POST', url, payload: { version: 9 }, headers: auth() })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url, payload: { version: 'x' }, headers: auth() })).statusCode).toBe(400);
  });

  it('refuses an address that sent too many wrong tokens, even with the right one, for a while', async () => {
    const from = (remoteAddress: string, token: string) =>
      app.inject({ method: 'GET', url: `/v1/admin/models/${MODEL}/versions`, headers: auth(token), remoteAddress });
    for (let i = 0; i < ADMIN_FAILURES; i++) expect((await from('10.1.1.1', `guess-${i}-xxxxxxxxxxxx`)).statusCode).toBe(403);
    const wrong = await from('10.1.1.1', 'guess-last-xxxxxxxxxxxx');
    expect(wrong.statusCode).toBe(429);
    expect(wrong.json()).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/too many wrong admin tokens/) });
    expect(Number(wrong.headers['retry-after'])).toBeGreaterThan(0);
    expect((await from('10.1.1.1', TOKEN)).statusCode).toBe(429);
    expect((await from('10.1.1.2', TOKEN)).statusCode).toBe(200);
    // The dashboard's routes share the count.
    const dash = await app.inject({ method: 'GET', url: '/v1/admin/dashboard', headers: auth(), remoteAddress: '10.1.1.1' });
    expect(dash.statusCode).toBe(429);
  });
});

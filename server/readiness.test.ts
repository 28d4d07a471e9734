// Damaged model storage is noticed: with the current version's weights garbled or cut in the database, /readyz
// answers 503 saying what is wrong, ticket requests and uploads are refused with 503 (never "accepted" for an update
// that cannot publish), weights.bin answers 503 storage_damaged, and /healthz (liveness) still answers. Real PGlite.
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorBodySchema, UPDATE_MEDIA_TYPE } from '../src/shared/protocol.js';
import { buildApp } from './app.js';
import { canPublish } from './readiness.js';
import { ensureSeeded } from './seed.js';
import { PgliteStore } from './storage/pglite-store.js';
import { STORE_TIMEOUT_MS, makeVersion, tempDir, testConfig, wireUpdate, writeSeed } from './testing.js';

const MODEL = 'ready-test';
const seed = makeVersion(MODEL, 1);

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

/** A seeded database; `damage` runs SQL on it (with the store closed) before the app starts on it. */
async function start(damage: string | null): Promise<{ app: FastifyInstance; store: PgliteStore }> {
  const tmp = await tempDir();
  const dbDir = path.join(tmp.dir, 'db');
  let store = await PgliteStore.open(dbDir);
  await writeSeed(path.join(tmp.dir, 'seeds'), seed);
  await ensureSeeded(store, { model: MODEL, seedDir: path.join(tmp.dir, 'seeds') });
  if (damage) {
    await store.close();
    const db = await PGlite.create(dbDir);
    await db.exec(damage);
    await db.close();
    store = await PgliteStore.open(dbDir);
  }
  const app = await buildApp(testConfig({ model: MODEL, minUpdates: 2, staticDir: path.join(tmp.dir, 'dist') }), store);
  cleanup = async () => {
    await app.close();
    await store.close();
    await tmp.remove();
  };
  return { app, store };
}

const errorOf = (res: { statusCode: number; json(): unknown }) => ({ status: res.statusCode, ...ErrorBodySchema.parse(res.json()) });

describe('readiness', () => {
  it('is ready, and accepts tickets and uploads, when the weights match their manifest', async () => {
    const { app, store } = await start(null);
    expect(await canPublish(store, MODEL)).toEqual({ ok: true });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ ok: true, model: MODEL, version: 1 });
    const t = await app.inject({ method: 'POST', url: '/v1/rounds/current/ticket' });
    expect(t.statusCode).toBe(200);
  }, STORE_TIMEOUT_MS);

  for (const [what, sql, reason] of [
    ['garbled', `UPDATE model_versions SET weights = overlay(weights placing '\\xdeadbeef'::bytea from 9) WHERE model = '${MODEL}'`, /sha256 [0-9a-f]{64}, the manifest says/],
    ['truncated', `UPDATE model_versions SET weights = substring(weights from 1 for 10) WHERE model = '${MODEL}'`, /10 bytes, the manifest says/],
  ] as const) {
    it(`notices ${what} weights: /readyz 503 says why, tickets and uploads 503, weights.bin 503, /healthz alive`, async () => {
      const { app, store } = await start(sql);
      const r = await canPublish(store, MODEL);
      expect(r.ok).toBe(false);

      const ready = errorOf(await app.inject({ method: 'GET', url: '/readyz' }));
      expect(ready).toMatchObject({ status: 503, error: 'not_ready' });
      expect(ready.message).toMatch(new RegExp(`model ${MODEL} v1`));
      expect(ready.message).toMatch(reason);

      const ticket = errorOf(await app.inject({ method: 'POST', url: '/v1/rounds/current/ticket' }));
      expect(ticket).toMatchObject({ status: 503, error: 'not_ready' });
      // An upload with a ticket signed by the server's key (as one issued before the damage would be) is refused
      // too, before anything is stored.
      const { ticketSigner } = await import('./federated/tickets.js');
      const body = wireUpdate([0.1], { baseVersion: 1, round: 1, ticket: ticketSigner('t'.repeat(32)).issue(MODEL, 1) });
      const up = await app.inject({ method: 'POST', url: '/v1/updates', headers: { 'content-type': UPDATE_MEDIA_TYPE }, payload: body });
      expect(errorOf(up)).toMatchObject({ status: 503, error: 'not_ready' });
      expect((await store.counts(MODEL)).updates).toBe(0);

      const w = errorOf(await app.inject({ method: 'GET', url: `/models/${MODEL}/1/weights.bin` }));
      expect(w).toMatchObject({ status: 503, error: 'storage_damaged' });
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    }, STORE_TIMEOUT_MS);
  }
});

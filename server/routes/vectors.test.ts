// Vector spaces end to end through app.inject(): a model version published with its space (checks on every field,
// nothing half-written, the same space reused, another one refused), GET /v1/vectors (default and named space,
// missing ids, %2C inside an id, ETag and 304, bad input) and items added to a space (new ones only).
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { ensureSeeded } from '../seed.js';
import { decodeVector, fixtureVectors, itemsBody, publishBody } from '../space-fixtures.js';
import { PgliteStore } from '../storage/pglite-store.js';
import { STORE_TIMEOUT_MS, makeVersion, tempDir, testConfig, writeSeed } from '../testing.js';

const MODEL = 'space-test';
const TOKEN = 'admin-token-for-tests';
const IDS = ['sku-1', 'sku-2', 'a,b', 'ü ñ/?&=', '__proto__'];
const VECTORS = fixtureVectors(IDS.length, 32);

describe('vector spaces', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let store: PgliteStore;
  let app: FastifyInstance;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const publish = (body: unknown, model = MODEL) => app.inject({ method: 'POST', url: `/v1/admin/models/${model}/versions`, headers: auth, payload: body as object });
  const vectors = (query: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: `/v1/vectors?${query}`, headers });

  beforeAll(async () => {
    tmp = await tempDir();
    store = await PgliteStore.open(path.join(tmp.dir, 'db'));
    await writeSeed(path.join(tmp.dir, 'seeds'), makeVersion(MODEL, 1));
    await ensureSeeded(store, { model: MODEL, seedDir: path.join(tmp.dir, 'seeds') });
    app = await buildApp(testConfig({ model: MODEL, staticDir: path.join(tmp.dir, 'none'), adminToken: TOKEN }), store);
  }, STORE_TIMEOUT_MS);
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await tmp?.remove();
  });

  it('refuses bad bodies naming the field, and writes nothing', async () => {
    const good = publishBody({ spaceId: 'shop-a', ids: IDS, vectors: VECTORS });
    const cases: [unknown, RegExp][] = [
      [{ ...good, weightsSha256: '0'.repeat(64) }, /^weightsSha256: /],
      [{ ...good, weights: good.weights.slice(0, -8) }, /^weights: expected \d+ bytes/],
      [{ ...good, space: { ...good.space, dim: 16 } }, /^space\.dim: /],
      [{ ...good, space: { ...good.space, ids: [...IDS.slice(0, -1), 'sku-1'] } }, /^space\.ids: duplicate id "sku-1" at 0 and 4/],
      [{ ...good, space: { ...good.space, ids: IDS.slice(1) } }, /^space\.vectors: expected/],
      [{ ...good, space: { ...good.space, sha256: 'f'.repeat(64) } }, /^space\.sha256: /],
      [{ ...good, space: { ...good.space, id: 'Bad Space' } }, /space\.id/],
      [{ ...good, space: { ...good.space, ids: ['ok', 'x\u0001'] } }, /space\.ids\.1/],
      [{ ...good, weights: '###' }, /weights/],
    ];
    for (const [body, message] of cases) {
      const res = await publish(body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(message) });
    }
    const nan = new Float32Array(VECTORS);
    nan[3] = Number.NaN;
    const res = await publish(publishBody({ spaceId: 'shop-a', ids: IDS, vectors: nan }));
    expect(res.json().message).toMatch(/^space\.vectors: .*not finite/);
    expect((await store.versions(MODEL)).length).toBe(1);
    expect(await store.spaceHead('shop-a', MODEL)).toBeNull();
  });

  it('401s without the admin token', async () => {
    const res = await app.inject({ method: 'POST', url: `/v1/admin/models/${MODEL}/versions`, payload: publishBody({ spaceId: 'shop-a', ids: IDS, vectors: VECTORS }) });
    expect(res.statusCode).toBe(401);
  });

  it('publishes a version with its space, current, with a round open on it', async () => {
    const res = await publish(publishBody({ spaceId: 'shop-a', ids: IDS, vectors: VECTORS, training: { examples: 1234, seed: 1 } }));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({ model: MODEL, version: 2, space: 'shop-a', current: true });
    const manifest = await store.current(MODEL);
    expect(manifest).toMatchObject({ version: 2, parent: null, vectorSpace: 'shop-a', lineage: { kind: 'import', updates: 0, examples: 1234 } });
    expect((await store.openRound(MODEL)).round?.baseVersion).toBe(2);
    const latest = await app.inject({ method: 'GET', url: `/models/${MODEL}/latest.json` });
    expect(latest.json()).toMatchObject({ version: 2, vectorSpace: 'shop-a' });
  });

  it('serves vectors of the current space by default, in order, with the missing ids', async () => {
    const ids = ['sku-2', 'nope', 'a,b', 'ü ñ/?&=', '__proto__'];
    const res = await vectors(`ids=${ids.map(encodeURIComponent).join(',')}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { space: string; dim: number; vectors: Record<string, string>; missing: string[] };
    expect(body.space).toBe('shop-a');
    expect(body.dim).toBe(32);
    expect(body.missing).toEqual(['nope']);
    expect(Object.keys(body.vectors).sort()).toEqual(['__proto__', 'a,b', 'sku-2', 'ü ñ/?&='].sort());
    for (const id of ['sku-2', 'a,b', 'ü ñ/?&=', '__proto__']) {
      const row = IDS.indexOf(id);
      expect([...decodeVector(body.vectors[id]!)]).toEqual([...VECTORS.subarray(row * 32, row * 32 + 32)]);
    }
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const etag = res.headers['etag'] as string;
    expect(etag).toMatch(/^"[0-9a-f]{40}"$/);
    // The same ids in another order: the same tag, and 304 when the client has it.
    const again = await vectors(`space=shop-a&ids=${[...ids].reverse().map(encodeURIComponent).join(',')}`, { 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('answers 400 for bad queries and 404 for an unknown space', async () => {
    const cases: [string, RegExp][] = [
      ['', /^ids: required/],
      ['ids=', /^ids: required/],
      [`ids=${Array.from({ length: 201 }, (_, i) => `i${i}`).join(',')}`, /^ids: at most 200/],
      ['ids=a,,b', /^ids: id 2 /],
      ['ids=%E0%A4%A', /^ids: malformed/],
      ['space=Bad!&ids=a', /^space: /],
      [`ids=${'x'.repeat(257)}`, /^ids: id 1 /],
    ];
    for (const [q, message] of cases) {
      const res = await vectors(q);
      expect(res.statusCode, q).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(message) });
    }
    expect((await app.inject({ url: '/v1/spaces/shop-a' })).json()).toEqual({ space: 'shop-a', dim: 32, items: IDS.length, revision: 1 });
    expect((await app.inject({ url: '/v1/spaces/nowhere' })).json()).toMatchObject({ error: 'unknown_space' });
    expect((await app.inject({ url: '/v1/spaces/Bad!' })).statusCode).toBe(400);
    const unknown = await vectors('space=nowhere&ids=a');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'unknown_space' });
  });

  it('reuses a space published again with the same contents, and refuses other contents under its id', async () => {
    const same = await publish(publishBody({ spaceId: 'shop-a', ids: IDS, vectors: VECTORS, seed: 2, makeCurrent: false }));
    expect(same.statusCode, same.body).toBe(201);
    expect(same.json()).toEqual({ model: MODEL, version: 3, space: 'shop-a', current: false });
    expect((await store.current(MODEL))?.version).toBe(2);
    const other = await publish(publishBody({ spaceId: 'shop-a', ids: IDS, vectors: fixtureVectors(IDS.length, 32, 99) }));
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ error: 'space_exists' });
    expect((await store.versions(MODEL)).length).toBe(3);
  });

  it('adds new items to a space (the ETag changes), refusing ids already there', async () => {
    const before = await vectors('ids=sku-9');
    expect(before.json().missing).toEqual(['sku-9']);
    const url = '/v1/admin/spaces/shop-a/items';
    const clash = await app.inject({ method: 'POST', url, headers: auth, payload: itemsBody(['sku-9', 'sku-1'], fixtureVectors(2, 32, 5)) });
    expect(clash.statusCode).toBe(409);
    expect(clash.json()).toMatchObject({ error: 'item_exists', message: expect.stringContaining('"sku-1"') });
    const wrong = await app.inject({ method: 'POST', url, headers: auth, payload: itemsBody(['sku-9'], fixtureVectors(1, 16, 5)) });
    expect(wrong.json().message).toMatch(/^vectors: expected 128 bytes/);
    const missing = await app.inject({ method: 'POST', url: '/v1/admin/spaces/nowhere/items', headers: auth, payload: itemsBody(['x'], fixtureVectors(1, 32)) });
    expect(missing.statusCode).toBe(404);
    const added = await app.inject({ method: 'POST', url, headers: auth, payload: itemsBody(['sku-9'], fixtureVectors(1, 32, 5)) });
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json()).toEqual({ space: 'shop-a', added: 1 });
    const after = await vectors('ids=sku-9', { 'if-none-match': before.headers['etag'] as string });
    expect(after.statusCode).toBe(200);
    expect([...decodeVector(after.json().vectors['sku-9'])]).toEqual([...fixtureVectors(1, 32, 5)]);
  });
});

// POST /v1/updates through app.inject() on a real PGlite store: every rejection leaves the database unchanged,
// and the K-th update publishes base + weighted mean as the next version, served with a matching hash.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestSchema, UpdateAcceptedSchema, type UpdateUpload } from '../../src/shared/protocol.js';
import { buildApp } from '../app.js';
import { ensureSeeded } from '../seed.js';
import { PgliteStore } from '../storage/pglite-store.js';
import { STORE_TIMEOUT_MS, encodeDelta, makeVersion, tempDir, writeSeed } from '../testing.js';
import { bytesToFloats, sha256Hex, updateBodyLimit } from '../weights-codec.js';

const MODEL = 'updates-test';
const K = 3;
const seed = makeVersion(MODEL, 1);
const params = seed.weights.byteLength / 4;
const baseWeights = bytesToFloats(seed.weights);

const upload = (over: Partial<UpdateUpload> = {}, values: ArrayLike<number> = new Array(params).fill(0.5)): UpdateUpload => ({
  protocol: 1,
  model: MODEL,
  baseVersion: 1,
  exampleCount: 10,
  delta: encodeDelta(values),
  ...over,
});

describe('POST /v1/updates', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let store: PgliteStore;
  let app: FastifyInstance;

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/v1/updates', payload: payload as object, headers });
  const stored = async () => (await store.counts(MODEL)).updates;

  /** Sends a bad request and checks the status, the ErrorBody, and that nothing was stored. */
  async function rejects(payload: unknown, status: number, error: string, message: RegExp, headers?: Record<string, string>) {
    const before = await store.counts(MODEL);
    const res = await post(payload, headers);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ error, message: expect.stringMatching(message) });
    expect(await store.counts(MODEL)).toEqual(before);
    return res;
  }

  beforeAll(async () => {
    tmp = await tempDir();
    store = await PgliteStore.open(path.join(tmp.dir, 'db'));
    const seedDir = path.join(tmp.dir, 'seeds');
    await writeSeed(seedDir, seed);
    await ensureSeeded(store, { model: MODEL, seedDir });
    app = await buildApp({ model: MODEL, minUpdates: K, staticDir: path.join(tmp.dir, 'no-site') }, store);
  }, STORE_TIMEOUT_MS);
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await tmp?.remove();
  });

  it('400s a malformed body with the zod message', async () => {
    await rejects({ ...upload(), exampleCount: 0 }, 400, 'invalid_request', /exampleCount/);
    await rejects({ ...upload(), delta: 'not base64!' }, 400, 'invalid_request', /delta/);
    await rejects({ ...upload(), protocol: 2 }, 400, 'invalid_request', /protocol/);
    const { model: _drop, ...noModel } = upload();
    await rejects(noModel, 400, 'invalid_request', /model/);
    await rejects('{"protocol":1,', 400, 'invalid_request', /JSON/i, { 'content-type': 'application/json' });
  });

  it('400s a delta of the wrong length', async () => {
    await rejects(upload({}, new Array(params - 1).fill(0)), 400, 'invalid_update', new RegExp(`${params} float32 parameters`));
    await rejects(upload({}, new Array(params + 1).fill(0)), 400, 'invalid_update', /bytes are expected/);
    await rejects(upload({ delta: Buffer.from([1, 2, 3]).toString('base64') }), 400, 'invalid_update', /decodes to 3 bytes/);
  });

  it('400s NaN, Infinity and absurd values', async () => {
    const withValue = (v: number) => Array.from({ length: params }, (_, i) => (i === 5 ? v : 0));
    await rejects(upload({}, withValue(Number.NaN)), 400, 'invalid_update', /value 5 is NaN/);
    await rejects(upload({}, withValue(Number.POSITIVE_INFINITY)), 400, 'invalid_update', /value 5 is Infinity/);
    await rejects(upload({}, withValue(Number.NEGATIVE_INFINITY)), 400, 'invalid_update', /value 5 is -Infinity/);
    await rejects(upload({}, withValue(1e9)), 400, 'invalid_update', /beyond/);
  });

  it('413s a body over the limit derived from the parameter count', async () => {
    const limit = updateBodyLimit(params);
    const huge = upload({}, new Array(Math.ceil(limit / 4) + 16).fill(0));
    expect(JSON.stringify(huge).length).toBeGreaterThan(limit);
    await rejects(huge, 413, 'payload_too_large', new RegExp(`limit of ${limit} bytes`));
  });

  it('404s an unknown model and 409s a stale base version', async () => {
    await rejects(upload({ model: 'no-such-model' }), 404, 'unknown_model', /no-such-model/);
    const res = await rejects(upload({ baseVersion: 2 }), 409, 'stale_version', /current version is 1/);
    expect(res.headers['x-shelf-current-version']).toBe('1');
  });

  it('415s a body that is not JSON, and 400s plain text (parsed as a string, not an object)', async () => {
    await rejects('<update/>', 415, 'unsupported_media_type', /application\/xml.*application\/json/, { 'content-type': 'application/xml' });
    await rejects('hello', 400, 'invalid_request', /expected object, received string/, { 'content-type': 'text/plain' });
  });

  it('publishes base + weighted mean after K updates', async () => {
    expect(await stored()).toBe(0);
    const deltas = [
      { values: Array.from({ length: params }, (_, i) => i / 100), examples: 1 },
      { values: Array.from({ length: params }, () => 0.5), examples: 2 },
      { values: Array.from({ length: params }, (_, i) => -i / 50), examples: 5 },
    ];
    const answers = [];
    for (const d of deltas) {
      const res = await post(upload({ exampleCount: d.examples }, d.values));
      expect(res.statusCode).toBe(200);
      answers.push(UpdateAcceptedSchema.parse(res.json()));
    }
    expect(answers).toEqual([
      { accepted: true, pending: 1, published: null },
      { accepted: true, pending: 2, published: null },
      { accepted: true, pending: 0, published: 2 },
    ]);

    const latest = await app.inject({ method: 'GET', url: `/models/${MODEL}/latest.json` });
    expect(latest.statusCode).toBe(200);
    expect(latest.headers['cache-control']).toBe('no-cache');
    const manifest = ManifestSchema.parse(latest.json());
    expect(manifest).toMatchObject({ version: 2, parent: 1, lineage: { kind: 'aggregate', updates: 3, examples: 8 } });

    const bin = await app.inject({ method: 'GET', url: `/models/${MODEL}/2/weights.bin` });
    expect(bin.statusCode).toBe(200);
    expect(bin.headers['content-type']).toBe('application/octet-stream');
    expect(bin.headers['cache-control']).toContain('immutable');
    const bytes = new Uint8Array(bin.rawPayload);
    expect(manifest.files[0]).toEqual({ path: 'weights.bin', bytes: bytes.byteLength, sha256: sha256Hex(bytes) });

    const weights = bytesToFloats(bytes);
    for (let i = 0; i < params; i++) {
      const mean = (1 * (i / 100) + 2 * 0.5 + 5 * (-i / 50)) / 8;
      expect(weights[i]).toBeCloseTo(baseWeights[i]! + mean, 5);
    }
  });

  it('409s an upload on the old version after a publish, and accepts one on the new', async () => {
    await rejects(upload({ baseVersion: 1 }), 409, 'stale_version', /current version is 2/);
    const res = await post(upload({ baseVersion: 2 }));
    expect(res.json()).toEqual({ accepted: true, pending: 1, published: null });
  });
});

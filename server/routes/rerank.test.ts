// POST /v1/rerank through app.inject() on a real PGlite store: off unless enabled (404 saying how); when on, the
// server's order and scores are the model's own (ShelfModel.score on the same weights and input), malformed bodies
// (string vectors, wrong sizes, too many candidates) are a 400 in the {error, message} shape, a body over the
// limit a 413, and an address past its limit a 429.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequenceTypeIndex } from '../../src/shared/events.js';
import { DEMO_MODEL_CONFIG } from '../../src/shared/model/manifest.js';
import { ShelfModel } from '../../src/shared/model/model.js';
import { buildSequence } from '../../src/shared/model/sequence.js';
import { flatten, initialWeights, weightSpecs } from '../../src/shared/model/weights.js';
import { ErrorBodySchema } from '../../src/shared/protocol.js';
import { STORE_TIMEOUT_MS, makeVersion, seededApp, testConfig } from '../testing.js';
import { MAX_CANDIDATES, RERANK_BODY_LIMIT } from './rerank.js';

const MODEL = 'rerank-test';
const c = DEMO_MODEL_CONFIG;
const flat = flatten(weightSpecs(c), initialWeights(c, 11));
const vec = (s: number) => Array.from({ length: c.itemDim }, (_, i) => Math.sin(s * 3.7 + i * 0.41));

describe('POST /v1/rerank', () => {
  let t: Awaited<ReturnType<typeof seededApp>>;
  let app: FastifyInstance;
  beforeAll(async () => {
    t = await seededApp(makeVersion(MODEL, 1, c, (i) => flat[i]!), (dir) => ({
      ...testConfig({ model: MODEL, staticDir: path.join(dir, 'no-site') }),
      rerank: { enabled: true, perMinute: 5 },
      rateLimit: { perAddressPerMinute: 0, perTicket: 0, exemptLoopback: false },
    }));
    app = t.app;
  }, STORE_TIMEOUT_MS);
  afterAll(() => t?.close());

  it("scores like the model code on the same weights, in the model's order", async () => {
    const events = [1, 2, 3].map((s) => ({ type: 'view_item' as const, vector: vec(s) }));
    const candidates = Array.from({ length: 30 }, (_, i) => ({ id: `p${i}`, vector: vec(100 + i) }));
    const res = await app.inject({ method: 'POST', url: '/v1/rerank', payload: { events, candidates }, remoteAddress: '10.0.0.9' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { modelVersion: number; items: { id: string; score: number; serverRank: number }[] };
    expect(body.modelVersion).toBe(1);
    const model = ShelfModel.fromFlat(c, weightSpecs(c), flat);
    const vectors = new Float32Array(candidates.length * c.itemDim);
    candidates.forEach((x, i) => vectors.set(x.vector, i * c.itemDim));
    const sequence = buildSequence(events.map((e) => ({ vector: e.vector, typeIndex: sequenceTypeIndex(e.type) })), c);
    const want = await model.score({ sequence, vectors, serverRanks: Float32Array.from(candidates, (_, i) => i) });
    model.dispose();
    for (const item of body.items) expect(item.score).toBeCloseTo(want[item.serverRank]!, 4);
    const scores = body.items.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('rejects malformed bodies with 400 and says what is wrong: string vectors, wrong sizes, too many', async () => {
    const post = (payload: unknown) => app.inject({ method: 'POST', url: '/v1/rerank', payload: payload as object, remoteAddress: '10.0.0.1' });
    const cases: [unknown, RegExp][] = [
      [{ events: 1, candidates: [] }, /events/],
      [{ events: [], candidates: [{ id: 'a', vector: vec(1).map(String) }] }, /candidates\.0\.vector\.0/],
      [{ events: [{ type: 'nope', vector: vec(1) }], candidates: [] }, /events\.0\.type/],
      [{ events: [], candidates: [{ id: 'a', vector: [1, 2, 3] }] }, /candidates\[0\]\.vector has 3 values; the model's item vectors have/],
      [{ events: [], candidates: Array.from({ length: MAX_CANDIDATES + 1 }, (_, i) => ({ id: `p${i}`, vector: [0] })) }, /candidates/],
    ];
    for (const [payload, message] of cases) {
      const res = await post(payload);
      expect(res.statusCode).toBe(400);
      const body = ErrorBodySchema.parse(res.json());
      expect(body.error).toBe('invalid_request');
      expect(body.message).toMatch(message);
    }
  });

  it('refuses a body over its limit with 413', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/rerank', headers: { 'content-type': 'application/json' }, payload: ' '.repeat(RERANK_BODY_LIMIT + 1), remoteAddress: '10.0.0.2' });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('limits requests per address (429 past the limit)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await app.inject({ method: 'POST', url: '/v1/rerank', payload: { events: [], candidates: [] }, remoteAddress: '10.0.0.3' })).statusCode);
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });
});

describe('POST /v1/rerank when not enabled', () => {
  it('answers 404 saying how to turn it on', async () => {
    const t = await seededApp(makeVersion(MODEL, 1), (dir) => testConfig({ model: MODEL, staticDir: path.join(dir, 'no-site') }));
    try {
      const res = await t.app.inject({ method: 'POST', url: '/v1/rerank', payload: { events: [], candidates: [] } });
      expect(res.statusCode).toBe(404);
      expect(ErrorBodySchema.parse(res.json()).message).toMatch(/SHELF_RERANK=on/);
    } finally {
      await t.close();
    }
  }, STORE_TIMEOUT_MS);
});

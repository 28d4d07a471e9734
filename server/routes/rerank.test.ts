// POST /v1/rerank through app.inject() on a real PGlite store: the server's order and scores are the model's
// own (ShelfModel.score on the same weights and input), and malformed bodies are a 400.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequenceTypeIndex } from '../../src/shared/events.js';
import { DEMO_MODEL_CONFIG } from '../../src/shared/model/manifest.js';
import { ShelfModel } from '../../src/shared/model/model.js';
import { buildSequence } from '../../src/shared/model/sequence.js';
import { flatten, initialWeights, weightSpecs } from '../../src/shared/model/weights.js';
import { STORE_TIMEOUT_MS, makeVersion, seededApp, testConfig } from '../testing.js';

const MODEL = 'rerank-test';
const c = DEMO_MODEL_CONFIG;
const flat = flatten(weightSpecs(c), initialWeights(c, 11));
const vec = (s: number) => Array.from({ length: c.itemDim }, (_, i) => Math.sin(s * 3.7 + i * 0.41));

describe('POST /v1/rerank', () => {
  let t: Awaited<ReturnType<typeof seededApp>>;
  let app: FastifyInstance;
  beforeAll(async () => {
    t = await seededApp(makeVersion(MODEL, 1, c, (i) => flat[i]!), (dir) => testConfig({ model: MODEL, staticDir: path.join(dir, 'no-site') }));
    app = t.app;
  }, STORE_TIMEOUT_MS);
  afterAll(() => t?.close());

  it("scores like the model code on the same weights, in the model's order", async () => {
    const events = [1, 2, 3].map((s) => ({ type: 'view_item' as const, vector: vec(s) }));
    const candidates = Array.from({ length: 30 }, (_, i) => ({ id: `p${i}`, vector: vec(100 + i) }));
    const res = await app.inject({ method: 'POST', url: '/v1/rerank', payload: { events, candidates } });
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

  it('rejects a body without arrays', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/rerank', payload: { events: 1 } });
    expect(res.statusCode).toBe(400);
  });
});

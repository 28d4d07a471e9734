import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoCatalog } from '../server/demo/catalog.js';
import { sequenceTypeIndex } from '../src/shared/events.js';
import { ShelfModel } from '../src/shared/model/model.js';
import { buildSequence } from '../src/shared/model/sequence.js';
import { ManifestSchema, type CandidateItem, type ModelConfig } from '../src/shared/protocol.js';
import { useNodeBackend } from '../trainer/tf-node.js';
import { orderByScores, prepareCandidates } from './ranking.js';
import { RECENT_EVENTS, RESEMBLANCE_FULL, RESEMBLANCE_NONE, modelWeight, rankingGuard, recentResemblance } from './resemblance-guard.js';

const tiny: ModelConfig = { itemDim: 2, hidden: 2, maxLen: 10, ffn: 2, eventTypes: 5 };
const seq = (vectors: number[][], c: ModelConfig = tiny) => buildSequence(vectors.map((vector) => ({ vector, typeIndex: 1 })), c);

describe('the ranking guard rule', () => {
  it('is the best cosine of any candidate to any of the last RECENT_EVENTS events, whatever the lengths', () => {
    expect(recentResemblance(seq([[2, 0]]), 2, Float32Array.of(0, 3, 5, 5))).toBeCloseTo(Math.SQRT1_2, 6);
    // An event older than the last RECENT_EVENTS is not compared: only the recent [0, 1]s are.
    const old = seq([[1, 0], ...Array.from({ length: RECENT_EVENTS }, () => [0, 1])]);
    expect(recentResemblance(old, 2, Float32Array.of(1, 0))).toBeCloseTo(0, 6);
    expect(recentResemblance(seq([[1, 0], [0, 1]]), 2, Float32Array.of(1, 0))).toBeCloseTo(1, 6);
  });

  it('leaves zero vectors out and says −Infinity when nothing can be compared', () => {
    expect(recentResemblance(seq([[0, 0]]), 2, Float32Array.of(1, 0))).toBe(Number.NEGATIVE_INFINITY);
    expect(recentResemblance(seq([[1, 0]]), 2, Float32Array.of(0, 0, -1, 0))).toBeCloseTo(-1, 6);
    expect(rankingGuard(seq([[1, 0]]), 2, new Float32Array(0))).toMatchObject({ weight: 0, note: expect.stringContaining('best cosine none') });
  });

  it('weighs the model 0 up to RESEMBLANCE_NONE, 1 from RESEMBLANCE_FULL, linearly between', () => {
    expect(modelWeight(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(modelWeight(Number.NaN)).toBe(0);
    expect(modelWeight(RESEMBLANCE_NONE)).toBe(0);
    expect(modelWeight((RESEMBLANCE_NONE + RESEMBLANCE_FULL) / 2)).toBeCloseTo(0.5, 9);
    expect(modelWeight(RESEMBLANCE_FULL)).toBe(1);
    expect(modelWeight(1)).toBe(1);
    expect(rankingGuard(seq([[1, 0]]), 2, Float32Array.of(1, 0.01)).note).toBeNull();
    expect(rankingGuard(seq([[1, 0]]), 2, Float32Array.of(0, 1)).note).toMatch(/no candidate resembles the visitor's recent items \(best cosine 0\.00.*weighs 0\.00/);
    // Thresholds are measured only for the content space: a learned or precomputed space keeps the model at full weight.
    expect(rankingGuard(seq([[1, 0]]), 2, Float32Array.of(0, 1), 'learned-beauty-42')).toMatchObject({ weight: 1, note: null });
    expect(rankingGuard(seq([[1, 0]]), 2, Float32Array.of(0, 1), 'content-hash-v1').weight).toBe(0);
  });
});

/**
 * The shipped seed model on the demo's recall (the 194 products in the shop's order, content vectors), as the engine
 * scores it: the guard's weight, the model's scores from the cached state, the order they give.
 */
describe('the ranking guard with the shipped seed model and the demo catalogue', () => {
  const catalog = loadDemoCatalog();
  const recall = catalog.candidates('all', 200).items;
  const categories = [...new Set(recall.map((c) => c.category))];
  let model: ShelfModel;
  beforeAll(async () => {
    await useNodeBackend('wasm');
    const dir = new URL('../public/models/shelf-demo/1/', import.meta.url);
    const manifest = ManifestSchema.parse(JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')));
    const bytes = readFileSync(new URL('weights.bin', dir));
    model = ShelfModel.fromFlat(manifest.config, manifest.weights, new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
  });
  afterAll(() => model.dispose());

  /** One product view as the SDK records it (select_item, then view_item), for each viewed product. */
  const sequenceOf = (viewed: readonly CandidateItem[]) =>
    buildSequence(viewed.flatMap((p) => (['select_item', 'view_item'] as const).map((type) => ({ vector: p.vector, typeIndex: sequenceTypeIndex(type) }))), model.config);

  /** The engine's ranking of `pool` for a visitor who viewed `viewed`: with the guard, or the model's scores alone. */
  async function rank(viewed: readonly CandidateItem[], pool: readonly CandidateItem[], guarded = true) {
    const prepared = prepareCandidates(pool, model.config.itemDim);
    const sequence = sequenceOf(viewed);
    const guard = rankingGuard(sequence, model.config.itemDim, prepared.matrix);
    const scores = await model.scoreFast({ sequence, vectors: prepared.matrix, serverRanks: prepared.ranks }, guarded ? guard.weight : 1);
    const ranking = orderByScores(prepared, scores);
    const order = Array.from(ranking.idx);
    /** The most places any item of Shelf's top 24 rose above its place in the shop's order. */
    const maxLift = Math.max(...order.slice(0, 24).map((serverRank, k) => serverRank - k));
    return { guard, order, maxLift, scores: Array.from(order, (i) => ranking.scoreOf![i]!) };
  }

  it('after one product of a category, with none of that category in the pool, keeps the shop order (each of the 24)', async () => {
    let unguardedLifts = 0;
    for (const category of categories) {
      const viewed = recall.filter((c) => c.category === category).slice(0, 1);
      const pool = recall.filter((c) => c.category !== category);
      const r = await rank(viewed, pool);
      expect(r.guard.weight, category).toBe(0);
      expect(r.guard.note, category).toMatch(/no candidate resembles/);
      expect(r.order, category).toEqual(pool.map((_, i) => i));
      // The scores the engine returns are the order: non-increasing down the list.
      for (let k = 1; k < r.scores.length; k++) expect(r.scores[k]!).toBeLessThanOrEqual(r.scores[k - 1]!);
      // Without the guard the model lifts some unrelated item into the top 24 by 16 places or more (the testers' "↑16").
      if ((await rank(viewed, pool, false)).maxLift >= 16) unguardedLifts++;
    }
    expect(unguardedLifts).toBeGreaterThanOrEqual(categories.length - 2);
  });

  it('keeps the model whole when the pool holds related items, and they move up', async () => {
    for (const category of categories) {
      const items = recall.filter((c) => c.category === category);
      const viewed = items.slice(0, 1);
      // The viewed product is not offered again; another of its category sits near the end of the shop's order.
      const pool = [...recall.filter((c) => c.category !== category).slice(0, 120), items[1]!];
      const r = await rank(viewed, pool);
      expect(r.guard.weight, category).toBe(1);
      expect(r.guard.note).toBeNull();
      expect(r.order, category).toEqual((await rank(viewed, pool, false)).order);
      // From the shop's last place (120) into the top 24 the storefront shows.
      expect(r.order.indexOf(pool.length - 1), category).toBeLessThan(24);
    }
    // The whole recall: the viewed category fills Shelf's top 5 as it did without the guard.
    for (const category of categories) {
      const r = await rank(recall.filter((c) => c.category === category).slice(0, 1), recall);
      expect(r.guard.weight).toBe(1);
      expect(r.order.slice(0, 5).filter((i) => recall[i]!.category === category).length, category).toBeGreaterThanOrEqual(Math.min(3, recall.filter((c) => c.category === category).length));
    }
  });
});

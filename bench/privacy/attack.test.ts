// Keeps the privacy benchmark's measuring stick honest on a small slice (the demo model, 5 simulated shoppers, the
// worker's real local training job): the attack names the visitor's items from one plain upload far above chance,
// reads a share-encoded observation the same way, finds nothing in what either secure-aggregation server holds of
// one report, and nothing in a random vector.
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../trainer/tf-node.js';
import { gaussianFrom } from '../../src/shared/federated/aggregate.js';
import { mulberry32 } from '../../src/shared/model/weights.js';
import { ATTACK_VARIANTS, rankItems, type AttackVariant } from './attack.js';
import { demoSetting } from './demo-setting.js';
import { attackView } from './harness.js';
import { mean, scoreRanking } from './scores.js';
import { visitorUpdates, type Setting } from './setting.js';
import { VIEWS, decodeObservation, plainUpload, type View, type ViewContext } from './views.js';

const h = { clip: 0.35, chunk: 256, seed: 5 };
const plain = VIEWS.find((v) => v.name === 'plain-upload')!;
const staged = ATTACK_VARIANTS.find((v) => v.method === 'staged')!;
const greedyInput: AttackVariant = { block: 'input', method: 'greedy' };
let s: Setting;
let updates: Float32Array[];
let chance: number;

const precision = async (view: View, variant: AttackVariant) =>
  mean((await attackView(s, updates, view, variant, h, 1)).map((x) => x!.itemPrecision));

describe('privacy attack on plain uploads (demo model, 5 shoppers)', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
    s = demoSetting({ visitors: 5, seed: 11 });
    updates = await visitorUpdates(s);
    chance = mean(s.visitors.map((v) => v.truth.length / s.catalogue.count));
  });

  it('names most of the visitor\'s items from one clipped, int8 upload', async () => {
    expect(chance).toBeLessThan(0.1);
    expect(await precision(plain, staged)).toBeGreaterThanOrEqual(0.8);
    expect(await precision(plain, greedyInput)).toBeGreaterThanOrEqual(0.8);
  });

  it('reads a two\'s-complement fixed-point share as the decoded update', async () => {
    const asShare: View = {
      name: 'plain-upload-as-share',
      party: 'test',
      cohort: 1,
      z: 0,
      observe: ([u], ctx) => {
        const values = plainUpload(u!, ctx);
        const scale = 2 ** 20;
        return { share: Uint32Array.from(values, (x) => Math.round(x * scale) >>> 0), scale };
      },
    };
    const ctx = { clip: h.clip, chunk: h.chunk, layout: s.layout, base: s.base, random: mulberry32(1), gaussian: gaussianFrom(mulberry32(2)) } satisfies ViewContext;
    const decoded = decodeObservation(await asShare.observe([updates[0]!], ctx));
    expect(decoded.some((x) => x < 0)).toBe(true);
    expect(await precision(asShare, staged)).toBeGreaterThanOrEqual(0.8);
  });

  it("finds nothing in what either aggregator holds of one secure-aggregation report", async () => {
    for (const name of ['server', 'aggregator-2']) {
      const view = VIEWS.find((v) => v.name === name)!;
      // Five visitors, each a one-report observation: the attack's precision stays near chance.
      expect(await precision(view, staged), name).toBeLessThan(chance + 0.1);
    }
  });

  it('finds nothing in random vectors (precision near m / catalogue size)', () => {
    const g = gaussianFrom(mulberry32(3));
    const scores = Array.from({ length: 20 }, () => {
      const noise = Float32Array.from({ length: s.base.length }, () => g());
      return s.visitors.map((v) => scoreRanking(rankItems(noise, s.layout, s.catalogue, staged, 20), v.truth, s.catalogue, 20).itemPrecision);
    }).flat();
    expect(mean(scores)).toBeLessThan(chance + 0.05);
  });
});

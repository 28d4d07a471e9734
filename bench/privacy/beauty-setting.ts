// The benchmark setting of the privacy benchmark: the benchmark-size device model (2 blocks, width 64, maxLen 50:
// ≈78k parameters, scripts/train.ts's defaults) on real Amazon Beauty histories. The public item vectors are a
// short-trained item table: the quality trainer run for a few epochs (learned jointly with the device weights),
// whose device weights are the base every visitor starts from. Visitors are Beauty users; each device trains on
// its user's training prefix (last maxLen+1 items, all purchases, as the federated benchmark does) with 64 sampled
// negatives. Categories: each item's commonest attribute across the catalogue (in effect the top-level Amazon
// category; the ids are anonymised). Never lets the attack see a visitor's events.
import type { ModelConfig } from '../../src/shared/protocol.js';
import { SEQUENCE_TYPES } from '../../src/shared/events.js';
import { initialWeights, flatten, mulberry32, parameterCount, weightSpecs } from '../../src/shared/model/weights.js';
import { loadAttributes, loadDataset, splitLeaveOneOut, type Dataset } from '../../trainer/data.js';
import { trainModel } from '../../trainer/trainer.js';
import type { Catalogue } from './attack.js';
import type { Setting, Visitor } from './setting.js';

export const BENCHMARK_CONFIG: ModelConfig = { itemDim: 64, hidden: 64, maxLen: 50, ffn: 128, eventTypes: SEQUENCE_TYPES.length, blocks: 2 };
const PURCHASE = SEQUENCE_TYPES.indexOf('purchase');

export interface BeautyOptions {
  readonly dataDir: string;
  readonly visitors: number;
  readonly seed: number;
  /** Epochs of the short training of the item table and device weights. */
  readonly epochs: number;
  readonly log: (line: string) => void;
}

export interface BeautySettings {
  /** Base = the short-trained device weights. */
  readonly trained: Setting;
  /** The same catalogue and visitors, base = the untrained initial weights (to show the figure hardly depends on them). */
  readonly init: Setting;
  readonly trainSeconds: number;
}

/** Category per item: its commonest attribute over the whole catalogue (−1 without attributes). */
function categoriesOf(attributes: readonly (readonly number[])[], count: number): Int32Array {
  const freq = new Map<number, number>();
  for (const attrs of attributes) for (const a of attrs) freq.set(a, (freq.get(a) ?? 0) + 1);
  return Int32Array.from({ length: count }, (_, i) => {
    const attrs = attributes[i + 1] ?? [];
    let best = -1;
    for (const a of attrs) if (best < 0 || freq.get(a)! > freq.get(best)!) best = a;
    return best;
  });
}

/** The Beauty setting for given public item vectors [(itemCount+1)·itemDim] (row 0 padding) and base weights. */
export function beautySetting(o: { dataDir: string; visitors: number; seed: number }, ds: Dataset, table: Float32Array, base: Float32Array, about: { weights: string; vectors: string }): Setting {
  const c = BENCHMARK_CONFIG;
  const d = c.itemDim;
  const count = ds.itemCount;
  // Row 0 of the trainer's table is padding; catalogue index i is item id i + 1.
  const vectors = table.slice(d, (count + 1) * d);
  const catalogue: Catalogue = { vectors, count, dim: d, categories: categoriesOf(loadAttributes('beauty', o.dataDir, count), count) };
  const random = mulberry32(o.seed ^ 0x7a11);
  const clients = ds.sequences.map((s) => splitLeaveOneOut(s).train).filter((t) => t.length >= 2);
  const visitors: Visitor[] = [];
  const used = new Set<number>();
  while (visitors.length < Math.min(o.visitors, clients.length)) {
    const k = Math.floor(random() * clients.length);
    if (used.has(k)) continue;
    used.add(k);
    const window = clients[k]!.subarray(Math.max(0, clients[k]!.length - (c.maxLen + 1)));
    const events = Array.from(window, (id) => ({ vector: vectors.subarray((id - 1) * d, id * d), typeIndex: PURCHASE, targetWeight: 1 }));
    const own = new Set(clients[k]!);
    const negatives: Float32Array[] = [];
    const drawn = new Set<number>();
    while (negatives.length < 64) {
      const id = 1 + Math.floor(random() * count);
      if (own.has(id) || drawn.has(id)) continue;
      drawn.add(id);
      negatives.push(vectors.subarray((id - 1) * d, id * d));
    }
    visitors.push({ truth: Int32Array.from(new Set(window), (id) => id - 1), events, negatives });
  }
  const specs = weightSpecs(c);
  return {
    model: 'benchmark',
    layout: { config: c, specs },
    base,
    catalogue,
    visitors,
    recallBudget: 20,
    about: {
      model: `2 blocks, width 64, maxLen 50 (${parameterCount(specs)} parameters); base weights: ${about.weights}`,
      catalogue: `Amazon Beauty (S3-Rec files): ${count} items; item vectors: ${about.vectors}; categories: each item's commonest attribute`,
      visitors: `${visitors.length} Beauty users (training prefix, last ${c.maxLen + 1} items, 64 sampled negatives), seed ${o.seed}`,
    },
  };
}

export async function beautySettings(o: BeautyOptions): Promise<BeautySettings> {
  const c = BENCHMARK_CONFIG;
  const ds = loadDataset('beauty', o.dataDir);
  const t0 = performance.now();
  const trained = await trainModel(ds, {
    config: c, epochs: o.epochs, minutes: 30, batchSize: 128, negatives: 1024, negativeSampler: 'mixed', learningRate: 0.003,
    decayEpochs: o.epochs, dropout: 0.5, seed: o.seed, fixedItemVectors: null, validUsers: 500, log: (l) => o.log(`short training: ${l}`),
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  const vectors = `a short-trained item table (${trained.history.length} epochs of the quality trainer, learned jointly with the device weights; validation sampled NDCG@10 ${trained.history.at(-1)?.valid.ndcg10.toFixed(4)})`;
  return {
    trained: beautySetting(o, ds, trained.itemVectors, trained.device, { weights: 'the short-trained device weights', vectors }),
    init: beautySetting(o, ds, trained.itemVectors, flatten(weightSpecs(c), initialWeights(c, o.seed)), { weights: 'untrained initial weights', vectors }),
    trainSeconds,
  };
}

// The demo setting of the privacy benchmark: the shipped demo model (public/models/shelf-demo, version 1), the demo
// shop's catalogue with its content vectors, and simulated shoppers in Node with the tastes of `npm run simulate`
// (scripts/simulate/taste.ts). A shopper opens products from the shop's lists as the browser simulation does, and
// the device records what the storefront sends: select_item + view_item per product, add_to_cart a quarter of the
// time, and the lists shown (home 36, the category page when needed, 12 related per product page).
// Never starts a browser or a server; never reads the visitor's data back into the attack.
import { readFileSync } from 'node:fs';
import { loadDemoCatalog } from '../../server/demo/catalog.js';
import type { EventType } from '../../src/shared/events.js';
import { contentVector } from '../../src/shared/item-vectors.js';
import { ManifestSchema } from '../../src/shared/protocol.js';
import { mulberry32 } from '../../src/shared/model/weights.js';
import { negativeVectors, trainingEvents } from '../../workers/local-trainer.js';
import { choose, eligibleCategories, makeTaste, wantedAt } from '../../scripts/simulate/taste.js';
import type { Setting, Visitor } from './setting.js';

const MODEL_DIR = new URL('../../public/models/shelf-demo/1/', import.meta.url);

export interface DemoOptions {
  readonly visitors: number;
  readonly seed: number;
  /** Product views per shopper, drawn uniformly from this range. */
  readonly views?: readonly [number, number];
  /** Share of shoppers whose taste shifts half-way (npm run simulate's default). */
  readonly shift?: number;
}

export function demoSetting(o: DemoOptions): Setting {
  const manifest = ManifestSchema.parse(JSON.parse(readFileSync(new URL('manifest.json', MODEL_DIR), 'utf8')));
  const bytes = readFileSync(new URL('weights.bin', MODEL_DIR));
  const base = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const catalog = loadDemoCatalog();
  const products = catalog.products;
  const d = manifest.config.itemDim;
  const vectors = new Float32Array(products.length * d);
  products.forEach((p, i) => vectors.set(contentVector(p, d), i * d));
  const categoryNames = [...new Set(products.map((p) => p.category))].sort();
  const categories = Int32Array.from(products, (p) => categoryNames.indexOf(p.category));
  const index = new Map(products.map((p, i) => [p.id, i]));
  const byId = new Map(products.map((p) => [p.id, p]));
  const vectorOf = (id: string) => vectors.subarray(index.get(id)! * d, index.get(id)! * d + d);
  const eligible = eligibleCategories(products);
  const random = mulberry32(o.seed);
  const [lo, hi] = o.views ?? [3, 12];
  const ids = (listId: string, limit: number) => catalog.candidates(listId, limit).items.map((c) => c.id);

  const visitors: Visitor[] = [];
  while (visitors.length < o.visitors) {
    const views = lo + Math.floor(random() * (hi - lo + 1));
    const taste = makeTaste(random, eligible, views, o.shift ?? 0.5);
    const history: { type: EventType; itemId: string }[] = [];
    const known = new Map<string, Float32Array>();
    const shown = new Set<string>();
    const see = (list: readonly string[]) => {
      for (const id of list) {
        shown.add(id);
        known.set(id, vectorOf(id));
      }
    };
    const home = ids('all', 36);
    see(home);
    const seen = new Set<string>();
    for (let v = 0; v < views; v++) {
      const want = wantedAt(taste, v);
      const all = (list: readonly string[]) => list.map((id) => byId.get(id)!);
      let pick = choose(all(home), want, taste.band, seen, products, 12);
      if (!pick) {
        const category = ids(`category:${want}`, 50);
        see(category);
        pick = choose(all(category), want, taste.band, seen, products, 50) ?? byId.get(category[0]!)!;
      }
      seen.add(pick.id);
      history.push({ type: 'select_item', itemId: pick.id }, { type: 'view_item', itemId: pick.id });
      if (random() < 0.25) history.push({ type: 'add_to_cart', itemId: pick.id });
      see(ids(`related:${pick.id}`, 12));
    }
    const events = trainingEvents(history, known);
    const engaged = new Set(history.map((e) => e.itemId));
    const window = history.slice(-(manifest.config.maxLen + 1));
    const truth = Int32Array.from(new Set(window.map((e) => index.get(e.itemId)!)));
    if (truth.length < 2) continue;
    visitors.push({ truth, events, negatives: negativeVectors(shown, engaged, known) });
  }
  return {
    model: 'demo',
    layout: { config: manifest.config, specs: manifest.weights },
    base,
    catalogue: { vectors, count: products.length, dim: d, categories },
    visitors,
    recallBudget: 20,
    about: {
      model: `public/models/shelf-demo v${manifest.version} (${base.length} parameters, trained seed weights)`,
      catalogue: `demo catalogue (server/demo/catalog.json): ${products.length} items, ${categoryNames.length} categories, content vectors (${manifest.vectorSpace})`,
      visitors: `${visitors.length} simulated shoppers (scripts/simulate/taste.ts tastes, ${lo}–${hi} product views, half shift category half-way), seed ${o.seed}`,
    },
  };
}

// Trains the demo's seed model (version 1 of `shelf-demo`) on simulated shoppers browsing the demo catalogue,
// and writes it where the server imports it from: public/models/shelf-demo/1/{manifest.json,weights.bin}.
// Simulated shoppers prefer one category (sometimes switching mid-session), as the demo's simulation does.
// Run: npm run train:seed [-- --steps 400 --seed 7]
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { contentVector } from '../src/shared/item-vectors.js';
import { POSITIVE_WEIGHT, SEQUENCE_TYPES } from '../src/shared/events.js';
import { buildTrainingBatch, type TrainingEvent } from '../src/shared/model/examples.js';
import { DEMO_MODEL_CONFIG, DEMO_MODEL_NAME, makeManifest, MANIFEST_FILE, WEIGHTS_FILE } from '../src/shared/model/manifest.js';
import { ShelfModel } from '../src/shared/model/model.js';
import { buildSequence } from '../src/shared/model/sequence.js';
import { initialWeights, mulberry32, weightSpecs } from '../src/shared/model/weights.js';
import { useNodeBackend } from '../trainer/tf-node.js';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string', default: '400' },
    seed: { type: 'string', default: '7' },
    out: { type: 'string', default: 'public/models' },
  },
});
const steps = Number(args.steps);
const rand = mulberry32(Number(args.seed));
const config = DEMO_MODEL_CONFIG;

interface Product { id: string; title: string; brand: string | null; category: string; price: number; rating: number }
const catalog = (JSON.parse(readFileSync('server/demo/catalog.json', 'utf8')) as { products: Product[] }).products;
const vectors = catalog.map((p) => contentVector(p, config.itemDim));
const categories = [...new Set(catalog.map((p) => p.category))];
const byCategory = new Map(categories.map((c) => [c, catalog.flatMap((p, i) => (p.category === c ? [i] : []))]));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** One simulated session: mostly items of a preferred category, with noise and an occasional change of taste. */
function simulateSession(): { events: TrainingEvent[]; category: string } {
  let category = pick(categories);
  const length = 4 + Math.floor(rand() * 20);
  const events: TrainingEvent[] = [];
  for (let i = 0; i < length; i++) {
    if (rand() < 0.08) category = pick(categories);
    const item = rand() < 0.8 ? pick(byCategory.get(category)!) : Math.floor(rand() * catalog.length);
    const r = rand();
    const type = r < 0.6 ? 'view_item' : r < 0.85 ? 'select_item' : r < 0.95 ? 'add_to_cart' : 'purchase';
    events.push({ vector: vectors[item]!, typeIndex: SEQUENCE_TYPES.indexOf(type), targetWeight: POSITIVE_WEIGHT[type] });
  }
  return { events, category };
}

/** Share of held-out sessions whose next item's category is in the model's top 10 of the whole catalogue. */
async function evaluate(model: ShelfModel | null, sessions: ReturnType<typeof simulateSession>[]): Promise<number> {
  const flat = new Float32Array(catalog.length * config.itemDim);
  vectors.forEach((v, i) => flat.set(v, i * config.itemDim));
  const popularity = catalog.map((p, i) => ({ i, r: p.rating })).sort((a, b) => b.r - a.r);
  const ranks = new Float32Array(catalog.length);
  popularity.forEach((p, rank) => (ranks[p.i] = rank));
  let hits = 0;
  for (const s of sessions) {
    const history = s.events.slice(0, -1);
    const target = catalog[vectors.indexOf(s.events.at(-1)!.vector as Float32Array)]!;
    const scores = model
      ? await model.score({ sequence: buildSequence(history, config), vectors: flat, serverRanks: ranks })
      : Float32Array.from(ranks, (r) => -r);
    const top = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]!).slice(0, 10);
    if (top.some((i) => catalog[i]!.category === target.category)) hits++;
  }
  return hits / sessions.length;
}

const backend = await useNodeBackend('wasm');
const model = new ShelfModel(config, weightSpecs(config), initialWeights(config, Number(args.seed)));
const heldOut = Array.from({ length: 300 }, simulateSession);
console.log(`backend ${backend}; ${model.parameterCount} parameters; ${catalog.length} items`);
console.log(`category hit@10 before training: ${(await evaluate(model, heldOut)).toFixed(3)}; popularity: ${(await evaluate(null, heldOut)).toFixed(3)}`);
const started = performance.now();
for (let step = 1; step <= steps; step++) {
  const sessions = Array.from({ length: 32 }, () => simulateSession().events);
  const negatives = Array.from({ length: 64 }, () => pick(vectors));
  const loss = await model.trainStep(buildTrainingBatch(sessions, negatives, config), 0.005);
  if (step % 100 === 0 || step === 1) console.log(`step ${step} loss ${loss.toFixed(4)}`);
}
console.log(`trained ${steps} steps in ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(`category hit@10 after training: ${(await evaluate(model, heldOut)).toFixed(3)}`);

const weights = await model.toFlat();
const bytes = Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength);
const manifest = makeManifest({
  name: DEMO_MODEL_NAME,
  version: 1,
  parent: null,
  config,
  weightsSha256: createHash('sha256').update(bytes).digest('hex'),
  weightsBytes: bytes.byteLength,
  lineage: { kind: 'seed', updates: 0, examples: steps * 32 },
});
const dir = join(args.out, DEMO_MODEL_NAME, '1');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, WEIGHTS_FILE), bytes);
writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
writeFileSync(join(args.out, DEMO_MODEL_NAME, 'latest.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(`wrote ${dir}`);
model.dispose();

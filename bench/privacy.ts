// Privacy benchmark: what each party that receives model updates can learn of a visitor's items. Builds the two
// settings (the demo model on the demo catalogue with simulated shoppers; the benchmark-size model on real Amazon
// Beauty histories), computes every visitor's real update with the worker's local training job, picks the
// strongest attack variant on plain uploads, runs it on every view of bench/privacy/views.ts, and writes
// bench/results/privacy.json and the ## Privacy section of docs/BENCHMARKS.md. Seeded; the short training of the
// Beauty model is not bit-for-bit repeatable between runs, so its figures move a little from run to run.
// Run: npm run bench:privacy [-- --visitors 200 --benchmark-visitors 40 --variant-visitors 10 --epochs 2 --benchmark-sensitivity]; only the docs section from a results
// file: npm run bench:privacy -- --docs-from bench/results/privacy.json
import { reportBytes } from '../src/shared/secure-aggregation/report-wire.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_FEDERATED } from '../server/config.js';
import { parameterCount, weightSpecs } from '../src/shared/model/weights.js';
import { useNodeBackend } from '../trainer/tf-node.js';
import { writeDocSection } from '../scripts/lib/docs-output.js';
import { defaultDataDir } from '../trainer/data.js';
import { ATTACK_VARIANTS, variantLabel, type AttackVariant } from './privacy/attack.js';
import { BENCHMARK_CONFIG, beautySettings } from './privacy/beauty-setting.js';
import { demoSetting } from './privacy/demo-setting.js';
import { attackView, chanceScores, summarise, type HarnessContext, type PrivacyRow } from './privacy/harness.js';
import { privacySection, type PrivacyResult } from './privacy/report.js';
import { mean } from './privacy/scores.js';
import { visitorUpdates, type Schedule, type Setting } from './privacy/setting.js';
import { VIEWS } from './privacy/views.js';

const { values: a } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: defaultDataDir() },
    visitors: { type: 'string', default: '200' },
    /** Visitors of the benchmark setting (the demo setting has --visitors). */
    'benchmark-visitors': { type: 'string', default: '40' },
    'variant-visitors': { type: 'string', default: '10' },
    epochs: { type: 'string', default: '2' },
    seed: { type: 'string', default: '2026' },
    out: { type: 'string', default: 'bench/results/privacy.json' },
    docs: { type: 'string', default: 'docs/BENCHMARKS.md' },
    /** Only rewrite the docs section from an existing results file (e.g. after editing it by hand). */
    'docs-from': { type: 'string' },
    /** Also probe the benchmark setting's sensitivity to the recipe and the base weights (slow on shared cores). */
    'benchmark-sensitivity': { type: 'boolean', default: false },
  },
});
if (a['docs-from']) {
  writeDocSection(a.docs!, 'Privacy', privacySection(JSON.parse(readFileSync(a['docs-from'], 'utf8')) as PrivacyResult));
  console.error(`[bench:privacy] rewrote the ## Privacy section of ${a.docs} from ${a['docs-from']}`);
  process.exit(0);
}
const num = (k: keyof typeof a) => {
  const v = Number(a[k]);
  if (!Number.isFinite(v)) throw new Error(`--${k} must be a number, got ${String(a[k])}`);
  return v;
};
const log = (l: string) => console.error(`[bench:privacy] ${l}`);
const started = performance.now();
const seed = num('seed');
const h: HarnessContext = { clip: DEFAULT_FEDERATED.clip, chunk: DEFAULT_FEDERATED.chunk, seed };

await useNodeBackend('wasm');
const demo = demoSetting({ visitors: num('visitors'), seed });
log(`demo: ${demo.visitors.length} shoppers, ${demo.catalogue.count} items`);
const beauty = await beautySettings({ dataDir: a['data-dir']!, visitors: num('benchmark-visitors'), seed, epochs: num('epochs'), log });
log(`benchmark: ${beauty.trained.visitors.length} Beauty users, ${beauty.trained.catalogue.count} items (short training ${beauty.trainSeconds.toFixed(0)} s)`);
const settings = [demo, beauty.trained];
const updates = new Map<Setting, Float32Array[]>();
for (const s of settings) updates.set(s, await visitorUpdates(s, 'once', log));

const plain = VIEWS.find((v) => v.name === 'plain-upload')!;
const first = (s: Setting, n: number): Setting => ({ ...s, visitors: s.visitors.slice(0, n) });
const nVar = num('variant-visitors');
/** Mean precision of a variant on plain uploads of the first visitors of a setting. */
async function probe(s: Setting, ups: readonly Float32Array[], variant: AttackVariant): Promise<number> {
  const sub = first(s, nVar);
  const scores = await attackView(sub, ups.slice(0, nVar), plain, variant, h, 7);
  return mean(scores.flatMap((x) => (x ? [x.itemPrecision] : [])));
}
const variants: { attack: string; demo: number; benchmark: number }[] = [];
for (const v of ATTACK_VARIANTS) {
  const [d, b] = [await probe(demo, updates.get(demo)!, v), await probe(beauty.trained, updates.get(beauty.trained)!, v)];
  variants.push({ attack: variantLabel(v), demo: d, benchmark: b });
  log(`variant ${variantLabel(v)}: plain-upload precision demo ${d.toFixed(3)}, benchmark ${b.toFixed(3)}`);
}
const best = ATTACK_VARIANTS[variants.reduce((bi, v, i) => (v.demo + v.benchmark > variants[bi]!.demo + variants[bi]!.benchmark ? i : bi), 0)]!;
log(`attack used in every row: ${variantLabel(best)}`);

// Does the figure depend on the recipe or the base weights? The chosen attack on plain uploads of the same visitors.
const sensitivity: { model: string; case: string; itemPrecision: number }[] = [];
const sens = async (label: string, s: Setting, schedule: Schedule) => {
  const sub = first(s, nVar);
  const ups = await visitorUpdates(sub, schedule);
  sensitivity.push({ model: s.model, case: label, itemPrecision: await probe(sub, ups, best) });
  log(`${s.model}, ${label}: precision ${sensitivity.at(-1)!.itemPrecision.toFixed(3)}`);
};
await sens('one step (the rows)', demo, 'once');
await sens("the engine's schedule: a step after every 5 positive events, all uploaded together", demo, 'every-5');
if (a['benchmark-sensitivity']) {
  await sens('one step (the rows)', beauty.trained, 'once');
  await sens("the engine's schedule: a step after every 5 positive events, all uploaded together", beauty.trained, 'every-5');
  await sens('untrained initial base weights instead of the short-trained ones', beauty.init, 'once');
}

const rows: PrivacyRow[] = [];
for (const s of settings) {
  const chance = chanceScores(s, seed);
  for (const [i, view] of VIEWS.entries()) {
    if (view.cohort > s.visitors.length) {
      log(`${s.model} / ${view.name}: skipped (a cohort of ${view.cohort}, ${s.visitors.length} visitors)`);
      continue;
    }
    const t = performance.now();
    const row = summarise(s, view, best, await attackView(s, updates.get(s)!, view, best, h, 100 + i), chance);
    rows.push(row);
    log(`${s.model} / ${view.name}: precision ${row.itemPrecision} (chance ${row.chance}), recall@${row.recallBudget} ${row.itemRecall}, category ${row.categoryPrecision} (chance ${row.categoryChance}) — ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
}

// The upload of the 78k-parameter model under the protocol that ships: one secure-aggregation report (4 bytes a
// value, over the 64 KiB keepalive cap: sent without keepalive, queued first; e2e/secure-upload-large.spec.ts).
const upload78kBytes = reportBytes(parameterCount(weightSpecs(BENCHMARK_CONFIG)), 69);
const result = {
  generatedBy: `npm run bench:privacy${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  seconds: Math.round((performance.now() - started) / 1000),
  settings: Object.fromEntries(settings.map((s) => [s.model, s.about])),
  clip: h.clip,
  chunk: h.chunk,
  attack: { used: variantLabel(best), variants, sensitivity },
  rows,
  upload78kBytes,
};
mkdirSync('bench/results', { recursive: true });
writeFileSync(a.out!, `${JSON.stringify(result, null, 2)}\n`);
writeDocSection(a.docs!, 'Privacy', privacySection(result));
log(`wrote ${a.out} and the ## Privacy section of ${a.docs} (${result.seconds} s)`);

// The quality benchmark: evaluates the trained models on the protocols of ../shared/data/REFERENCE_RESULTS.md
// and writes bench/results/quality.json, the '## Quality' section of docs/BENCHMARKS.md and its chart.
// Reads data from --data-dir (default ../shared/data) and the committed models (bench/models/); never copies data.
// Trains only when asked: --retrain first re-runs the command each committed model records (model.json), which
// writes the same model again (the budget is in epochs and every draw is seeded; about 30–90 minutes per model).
// Run: npm run bench:quality [-- --datasets games,beauty,sports --seed 2026 --retrain]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ShelfModel } from '../src/shared/model/model.js';
import { buildSequence } from '../src/shared/model/sequence.js';
import { useNodeBackend, type NodeBackend } from '../trainer/tf-node.js';
import { DATASETS, defaultDataDir, loadDataset, type DatasetName } from '../trainer/data.js';
import { modelDir, readModel } from '../trainer/device-model-files.js';
import { evaluateDataset, type ResultRow } from './quality/evaluate.js';
import { PUBLISHED } from './quality/published.js';
import { markdownSection, renderPlot, writeJson, writeSection, type QualityResults } from './quality/report.js';
import { PURCHASE_TYPE } from '../trainer/training-data.js';
import { DEFAULTS } from '../src/options.js';
import type { ShownKind } from './quality/personal-replay.js';

const { values: a } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: defaultDataDir() },
    datasets: { type: 'string', default: DATASETS.join(',') },
    seed: { type: 'string', default: '2026' },
    'max-users': { type: 'string' },
    'check-every': { type: 'string', default: '500' },
    /** The personal-learning-lift rows (scripts/quality/personal-lift.ts): test users sampled (0 = skip), what the shop shows, list size. */
    'lift-users': { type: 'string', default: '500' },
    'lift-shown': { type: 'string', default: 'global-top' },
    'lift-list-size': { type: 'string', default: '10' },
    backend: { type: 'string', default: 'wasm' },
    /** The committed models: <models-root>/shelf-<data set>/1/ (trainer/device-model-files.ts). */
    'models-root': { type: 'string', default: 'bench/models' },
    out: { type: 'string', default: 'bench/results/quality.json' },
    docs: { type: 'string', default: 'docs/BENCHMARKS.md' },
    plot: { type: 'string', default: 'docs/quality-ndcg10.svg' },
    /** Re-run each committed model's recorded training command before evaluating. */
    retrain: { type: 'boolean', default: false },
    /** Re-render the docs section and chart from an existing results file, without evaluating anything. */
    'report-only': { type: 'boolean', default: false },
  },
});

const plotRel = a.plot!.startsWith('docs/') ? a.plot!.slice('docs/'.length) : a.plot!;
if (a['report-only']) {
  const saved = JSON.parse(readFileSync(a.out!, 'utf8')) as QualityResults;
  await renderPlot(saved.rows, a.plot!);
  writeSection(a.docs!, markdownSection(saved, plotRel));
  console.log(`re-rendered ${a.docs} (## Quality) and ${a.plot} from ${a.out}`);
  process.exit(0);
}

const datasets = a.datasets!.split(',').map((s) => s.trim()) as DatasetName[];
for (const d of datasets) if (!DATASETS.includes(d)) throw new Error(`unknown data set ${d}; expected one of ${DATASETS.join(', ')}`);
const seed = Number(a.seed);
const maxUsers = a['max-users'] ? Number(a['max-users']) : null;
const backend = await useNodeBackend(a.backend as NodeBackend);
const log = (l: string) => console.log(l);
const shown = a['lift-shown'] as ShownKind;
if (shown !== 'global-top' && shown !== 'uniform') throw new Error(`--lift-shown must be global-top or uniform, not ${shown}`);
const lift = { users: Number(a['lift-users']), shown, listSize: Number(a['lift-list-size']), trainEvery: DEFAULTS.trainEvery };
const options = { dataDir: a['data-dir']!, seed, modelsRoot: a['models-root']!, checkEvery: Number(a['check-every']), lift, log };


if (a.retrain) {
  for (const name of datasets) {
    for (const model of [`shelf-${name}`, `shelf-${name}-content`]) {
      const dir = modelDir(model, 1, options.modelsRoot);
      let command: string;
      try {
        command = readModel(dir).record.command;
      } catch (e) {
        log(`not retraining ${model}: ${(e as Error).message}`);
        continue;
      }
      const prefix = 'npm run train -- ';
      if (!command.startsWith(prefix)) throw new Error(`${dir}: recorded command ${JSON.stringify(command)} is not an npm run train command`);
      const args = command.slice(prefix.length).split(/\s+/).filter(Boolean);
      log(`retraining ${model}: ${command}`);
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/train.ts', ...args, '--models-root', options.modelsRoot, '--data-dir', options.dataDir, '--fresh'], { stdio: 'inherit' });
      if (run.status !== 0) throw new Error(`retraining ${model} failed (exit ${run.status})`);
    }
  }
}

const rows: ResultRow[] = [];
for (const name of datasets) {
  const ds = loadDataset(name, options.dataDir, maxUsers);
  log(`${name}: ${ds.sequences.length} users, ${ds.itemCount} items`);
  rows.push(...(await evaluateDataset(ds, options)));
  for (const p of PUBLISHED.filter((p) => p.dataset === name)) {
    rows.push({ ...p, seed: null, trainSeconds: null, deviceModelBytes: null });
  }
}

/** Latency of one re-rank of 200 candidates through ShelfModel.score, with the first model found. */
async function rerankLatency(): Promise<QualityResults['rerank200Ms']> {
  for (const name of datasets) {
    let m;
    try {
      m = readModel(modelDir(`shelf-${name}`, 1, options.modelsRoot));
    } catch {
      continue;
    }
    const model = ShelfModel.fromFlat(m.manifest.config, m.manifest.weights, m.device);
    const d = m.manifest.config.itemDim;
    const vec = (id: number) => m.itemVectors.subarray(id * d, id * d + d);
    const events = Array.from({ length: 30 }, (_, i) => ({ vector: vec(1 + i), typeIndex: PURCHASE_TYPE }));
    const vectors = new Float32Array(200 * d);
    for (let i = 0; i < 200; i++) vectors.set(vec(1 + ((i * 7) % (m.itemVectors.length / d - 1))), i * d);
    const input = { sequence: buildSequence(events, m.manifest.config), vectors, serverRanks: Float32Array.from({ length: 200 }, (_, i) => i) };
    for (let i = 0; i < 20; i++) await model.score(input);
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = performance.now();
      await model.score(input);
      times.push(performance.now() - t);
    }
    model.dispose();
    times.sort((x, y) => x - y);
    return { median: times[150]!, p95: times[285]!, calls: times.length, model: `shelf-${name}` };
  }
  return null;
}

const argv = process.argv.slice(2).join(' ');
const results: QualityResults = {
  generatedBy: `npm run bench:quality${argv ? ` -- ${argv}` : ''}`,
  generatedAt: new Date().toISOString(),
  backend,
  rerank200Ms: await rerankLatency(),
  backends: existsSync('bench/results/backends.json') ? (JSON.parse(readFileSync('bench/results/backends.json', 'utf8')) as QualityResults['backends']) : null,
  rows,
};
writeJson(a.out!, results);
await renderPlot(rows, a.plot!);
writeSection(a.docs!, markdownSection(results, plotRel));
log(`wrote ${a.out}, ${a.docs} (## Quality) and ${a.plot}`);

// Trains Shelf's model on a benchmark data set from the shared data folder and writes it where the benchmark
// models are committed (bench/models/<name>/<version>/: the device part and the server's item vectors, float16).
// The budget is counted in epochs, never in minutes: the same command and seed give the same model. A checkpoint is
// written after every epoch (.shelf-train/, not committed); the same command run again continues from it.
// Never writes data into the repository.
// Run: npm run train -- <games|beauty|sports> [--decay-epochs 24 --item-vectors learned|content ...]
import { parseArgs } from 'node:util';
import type { ModelConfig } from '../src/shared/protocol.js';
import { weightSpecs } from '../src/shared/model/weights.js';
import { SEQUENCE_TYPES } from '../src/shared/events.js';
import { useNodeBackend, type NodeBackend } from '../trainer/tf-node.js';
import { readFileSync, rmSync } from 'node:fs';
import { attributeVectors, parseItemVectorsJson } from '../trainer/content-vectors.js';
import { DATASETS, defaultDataDir, loadAttributes, loadDataset, type DatasetName } from '../trainer/data.js';
import { withoutLiftUsers } from '../trainer/protocols.js';
import { calibrateServerBlend, withBlend1 } from '../trainer/calibrate.js';
import { assertTrainedOn, modelDir, readModel, writeModel, type TrainingRecord } from '../trainer/device-model-files.js';
import { fileCheckpoints } from '../trainer/checkpoint.js';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DeviceScorer } from '../trainer/device-scoring.js';
import { trainModel } from '../trainer/trainer.js';
import { chooseSmoothing } from '../trainer/smooth-items.js';
import { PLAN } from './quality/evaluate.js';

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'data-dir': { type: 'string', default: defaultDataDir() },
    name: { type: 'string' },
    version: { type: 'string', default: '1' },
    'item-vectors': { type: 'string', default: 'learned' },
    epochs: { type: 'string', default: '200' },
    patience: { type: 'string', default: '0' },
    batch: { type: 'string', default: '128' },
    negatives: { type: 'string', default: '1024' },
    /** sampled: a softmax over the target and shared negatives; full: over every item. */
    loss: { type: 'string', default: 'sampled' },
    /** The validation figure that picks the epoch kept: sampled (100 negatives) or all-items. */
    select: { type: 'string', default: 'sampled' },
    /** uniform, or mixed: half uniform, half by training count^0.75, with the log q correction. */
    'negative-sampler': { type: 'string', default: 'mixed' },
    lr: { type: 'string', default: '0.003' },
    /** Cosine-anneal the learning rate to 0 over this many epochs, then stop (0 = constant rate). */
    'decay-epochs': { type: 'string', default: '24' },
    /** From this epoch on, the mean of the epochs' weights competes for the one kept (0 = off). */
    'average-from': { type: 'string', default: '0' },
    dropout: { type: 'string', default: '0.5' },
    /** Standard deviation of the learned item table's initial rows. */
    'item-init-std': { type: 'string', default: '0.05' },
    /** Smooth the item table over its neighbours in the training part while learning (α; 0 = off). */
    'neighbour-alpha': { type: 'string', default: '0' },
    'neighbour-window': { type: 'string', default: '3' },
    neighbours: { type: 'string', default: '16' },
    /** position: every target position weighs the same; batch: the mean within each length-bucketed batch. */
    'loss-weighting': { type: 'string', default: 'position' },
    seed: { type: 'string', default: '42' },
    dim: { type: 'string', default: '64' },
    hidden: { type: 'string', default: '64' },
    ffn: { type: 'string', default: '128' },
    blocks: { type: 'string', default: '2' },
    'max-len': { type: 'string', default: '50' },
    'max-users': { type: 'string' },
    /** Leave the personal-lift sample's users (bench:quality --lift-users N, --seed S) out of training entirely. */
    'hold-out-lift-users': { type: 'string', default: '0' },
    'hold-out-seed': { type: 'string', default: '2026' },
    'valid-users': { type: 'string', default: '3000' },
    backend: { type: 'string', default: 'wasm' },
    /** Where the model is written: <models-root>/<name>/<version>/. */
    'models-root': { type: 'string', default: 'bench/models' },
    /** The checkpoint file (default .shelf-train/<name>-v<version>.json); a run of the same command continues from it. */
    checkpoint: { type: 'string' },
    /** Start from scratch even where a checkpoint of the same run exists. */
    fresh: { type: 'boolean', default: false },
    /** Skip the validation search of the server-side item-vector smoothing (see smooth-items.ts). */
    'no-smoothing': { type: 'boolean', default: false },
    /** Validation users for the smoothing search. */
    'smoothing-users': { type: 'string', default: '10000' },
    /** Skip training: re-run the validation steps after it (smoothing, calibration of blend[1]) on an exported model. */
    'calibrate-only': { type: 'boolean', default: false },
    /** Use tfjs's own matMul gradient (for measuring the speed-up of the untransposed one). */
    'plain-matmul-grad': { type: 'boolean', default: false },
  },
});

const dataset = positionals[0] as DatasetName | undefined;
if (!dataset || !DATASETS.includes(dataset)) {
  console.error(`usage: npm run train -- <${DATASETS.join('|')}> [options]`);
  process.exit(2);
}
const num = (k: keyof typeof a) => {
  const v = Number(a[k]);
  if (!Number.isFinite(v)) throw new Error(`--${k} must be a number, got ${String(a[k])}`);
  return v;
};
// learned: the server's table is trained jointly; content: attribute vectors; any other value: a JSON file of
// the shop's precomputed embeddings (see docs/ITEM-VECTORS.md).
const vectorsArg = a['item-vectors']!;
const kind = vectorsArg === 'learned' || vectorsArg === 'content' ? vectorsArg : 'precomputed';
const name = a.name ?? `shelf-${dataset}${kind === 'learned' ? '' : `-${kind}`}`;
const version = num('version');
const config: ModelConfig = {
  itemDim: num('dim'),
  hidden: num('hidden'),
  maxLen: num('max-len'),
  ffn: num('ffn'),
  eventTypes: SEQUENCE_TYPES.length,
  blocks: num('blocks'),
};
const backend = await useNodeBackend(a.backend as NodeBackend);
const maxUsers = a['max-users'] ? num('max-users') : null;
const loaded = loadDataset(dataset, a['data-dir']!, maxUsers);
const ds = num('hold-out-lift-users') > 0 ? withoutLiftUsers(loaded, num('hold-out-lift-users'), num('hold-out-seed')) : loaded;
function fixedVectors(): Float32Array | null {
  if (kind === 'content') return attributeVectors(loadAttributes(dataset!, a['data-dir']!, ds.itemCount), config.itemDim);
  if (kind === 'precomputed') {
    const { vectors, missing } = parseItemVectorsJson(readFileSync(vectorsArg, 'utf8'), vectorsArg, ds.itemCount, config.itemDim);
    if (missing > 0) console.log(`${vectorsArg}: ${missing} of ${ds.itemCount} items have no vector (zero vector used)`);
    return vectors;
  }
  return null;
}
const fixed = fixedVectors();
console.log(`train ${name} v${version} on ${dataset}: ${ds.sequences.length} users, ${ds.itemCount} items; backend ${backend}; item vectors ${kind}`);

const hyper = {
  epochs: num('epochs'), batchSize: num('batch'), negatives: num('negatives'),
  learningRate: num('lr'), decayEpochs: num('decay-epochs'), dropout: num('dropout'), itemInitStd: num('item-init-std'), validUsers: num('valid-users'), patience: num('patience'),
  averageFrom: num('average-from'),
  neighbourAlpha: num('neighbour-alpha'), neighbourWindow: num('neighbour-window'), neighbourCount: num('neighbours'),
  lossWeighting: oneOf('loss-weighting', ['position', 'batch'] as const),
  negativeSampler: oneOf('negative-sampler', ['uniform', 'mixed'] as const),
  loss: oneOf('loss', ['sampled', 'full'] as const),
  select: oneOf('select', ['sampled', 'all-items'] as const),
};
function oneOf<T extends string>(k: keyof typeof a, choices: readonly T[]): T {
  const v = String(a[k]);
  if (!(choices as readonly string[]).includes(v)) throw new Error(`--${k} must be ${choices.join(' or ')}, got ${v}`);
  return v as T;
}
const seed = num('seed');
const dir = modelDir(name, version, a['models-root']);
let trained: { device: Float32Array; itemVectors: Float32Array; record: TrainingRecord };
if (a['calibrate-only']) {
  const m = readModel(dir);
  assertTrainedOn(m.record, ds.fingerprint);
  trained = { device: m.device, itemVectors: m.itemVectors, record: m.record };
} else {
  // Everything that shapes the trajectory; a checkpoint of another run (other flags, data or seed) is ignored. The
  // budget (--epochs, --patience) is left out: epoch n of a run is the same whatever its budget (the cosine is set by
  // --decay-epochs), so a longer budget continues a shorter run's checkpoint, and a shorter one starts afresh.
  const { epochs: _budget, patience: _stop, ...trajectory } = hyper;
  const runId = createHash('sha256').update(JSON.stringify({ hyper: trajectory, config, seed, data: ds.fingerprint, vectors: vectorsArg, plain: a['plain-matmul-grad'] })).digest('hex');
  const checkpointPath = a.checkpoint ?? join('.shelf-train', `${name}-v${version}.json`);
  if (a.fresh) rmSync(checkpointPath, { force: true });
  const result = await trainModel(ds, {
    config, ...hyper, seed, fixedItemVectors: fixed, plainMatMulGradient: a['plain-matmul-grad'], log: (l) => console.log(l),
    checkpoints: fileCheckpoints(checkpointPath), runId,
  });
  trained = {
    device: result.device,
    itemVectors: result.itemVectors,
    record: {
      model: name, version, itemVectors: kind, data: ds.fingerprint, seed, trainSeconds: result.trainSeconds,
      bestEpoch: result.bestEpoch, keptAveraged: result.keptAveraged, backend, hyper: { ...hyper, ...config }, history: result.history,
      command: `npm run train -- ${process.argv.slice(2).join(' ')}`,
    },
  };
  console.log(`trained in ${result.trainSeconds.toFixed(0)} s (best epoch ${result.bestEpoch}${result.keptAveraged ? `, the mean of epochs ${hyper.averageFrom}..${result.bestEpoch}` : ''})`);
}
const specs = weightSpecs(config);
if (kind === 'learned' && !a['no-smoothing']) {
  if (trained.record.smoothing && trained.record.smoothing.alpha > 0) {
    console.log(`item vectors already smoothed (window ${trained.record.smoothing.window}, α ${trained.record.smoothing.alpha}): kept as they are`);
  } else {
    console.log('server-side smoothing of the item vectors over the training part, chosen on validation:');
    const { choice, vectors } = await chooseSmoothing(ds, (v) => new DeviceScorer(config, specs, trained.device, v), trained.itemVectors, config.itemDim, {
      select: (trained.record.hyper['select'] as 'sampled' | 'all-items' | undefined) ?? hyper.select, negatives: PLAN[dataset]!.sampled, users: num('smoothing-users'), seed: 7, log: (l) => console.log(l),
    });
    console.log(choice.alpha > 0 ? `smoothing kept: window ${choice.window}, α ${choice.alpha}` : 'no smoothing kept (α 0 scored best)');
    trained = { ...trained, itemVectors: vectors, record: { ...trained.record, smoothing: choice } };
  }
}
const scorer = new DeviceScorer(config, specs, trained.device, trained.itemVectors);
const calibration = await calibrateServerBlend(ds, scorer, Math.min(3000, ds.sequences.length));
scorer.dispose();
console.log(`server-rank weight blend[1] = ${calibration.blend1} (validation re-rank NDCG@10 by weight: ${calibration.grid.map((g) => `${g.blend1}→${g.ndcg10.toFixed(4)}`).join(', ')})`);
const written = writeModel(dir, {
  name,
  version,
  config,
  vectorSpace: kind === 'content' ? `attr-hash-${dataset}` : kind === 'precomputed' ? `precomputed-${dataset}` : `learned-${dataset}-${seed}`,
  device: withBlend1(specs, trained.device, calibration.blend1),
  itemVectors: trained.itemVectors,
  examples: ds.sequences.reduce((n, s) => n + Math.max(0, s.length - 3), 0),
  record: { ...trained.record, calibration },
});
console.log(`${dir}: device part ${written.deviceBytes} bytes and item vectors ${written.itemBytes} bytes (float16)`);

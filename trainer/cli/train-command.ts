// `shelf train`: learns the item vectors and the device model from the imported history with the benchmarks'
// trainer, smooths and calibrates them on validation targets as `npm run train` does, gives the feed's items
// without history content vectors in the learned space, and writes the bundle. Resumable (a checkpoint after
// every epoch in the workspace) and deterministic given --seed. Must never read a test target.
import { rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { SEQUENCE_TYPES } from '../../src/shared/events.js';
import type { ModelConfig } from '../../src/shared/protocol.js';
import { weightSpecs } from '../../src/shared/model/weights.js';
import { calibrateServerBlend, withBlend1 } from '../calibrate.js';
import { fileCheckpoints } from '../checkpoint.js';
import { DeviceScorer } from '../device-scoring.js';
import { readFeed, readHistory, readMeta, sha256Hex } from '../import/workspace.js';
import { buildShopData } from '../shop/shop-data.js';
import { contentVector, learnContentFeatures } from '../shop/content-features.js';
import { writeBundle } from '../shop/bundle.js';
import { chooseSmoothing } from '../smooth-items.js';
import { useNodeBackend, type NodeBackend } from '../tf-node.js';
import { trainModel } from '../trainer.js';

export interface TrainCommandOptions {
  workspace: string;
  out: string;
  name: string;
  version: number;
  space: string | null;
  seed: number;
  epochs: number;
  minutes: number;
  config: ModelConfig;
  batch: number;
  negatives: number;
  lr: number;
  dropout: number;
  validUsers: number;
  smoothing: boolean;
  /** Ignore (and replace) a checkpoint of the same run instead of continuing from it. */
  fresh?: boolean;
  backend: NodeBackend;
  command: string;
  log: (line: string) => void;
  onStep?: (done: number, total: number) => void;
}

export async function trainShop(o: TrainCommandOptions) {
  const history = readHistory(o.workspace);
  const feed = readFeed(o.workspace);
  const shop = buildShopData(o.name, history, feed);
  const ds = shop.dataset;
  const backend = await useNodeBackend(o.backend);
  const d = o.config.itemDim;
  o.log(`${ds.sequences.length} users or sessions, ${shop.historyItems} items with history, ${shop.ids.length - 1 - shop.historyItems} feed items without; ${shop.events.kept} events in sequences (${shop.events.dropped} dropped); backend ${backend}`);
  const hyper = {
    epochs: o.epochs, minutes: o.minutes, batchSize: o.batch, negatives: Math.min(o.negatives, ds.itemCount - 1), learningRate: o.lr, decayEpochs: o.epochs,
    dropout: o.dropout, validUsers: o.validUsers, negativeSampler: 'mixed' as const, select: 'all-items' as const, loss: 'sampled' as const, lossWeighting: 'position' as const,
  };
  const runId = sha256Hex(JSON.stringify({ history: history.sha256, hyper, config: o.config, seed: o.seed }));
  const checkpointFile = join(o.workspace, 'train-checkpoint.json');
  if (o.fresh) rmSync(checkpointFile, { force: true });
  const result = await trainModel(ds, {
    config: o.config, ...hyper, seed: o.seed, fixedItemVectors: null, log: o.log, onStep: o.onStep,
    checkpoints: fileCheckpoints(checkpointFile), runId,
  });
  const specs = weightSpecs(o.config);
  let items = result.itemVectors;
  let smoothing = null;
  if (o.smoothing) {
    const s = await chooseSmoothing(ds, (v) => new DeviceScorer(o.config, specs, result.device, v), items, d, {
      select: 'all-items', negatives: 100, users: Math.min(10000, ds.sequences.length), seed: 7, log: o.log,
    });
    items = s.vectors;
    smoothing = s.choice;
  }
  const scorer = new DeviceScorer(o.config, specs, result.device, items);
  const calibration = await calibrateServerBlend(ds, scorer, Math.min(3000, ds.sequences.length));
  scorer.dispose();
  o.log(`server-rank weight blend[1] = ${calibration.blend1}`);

  // The space: learned rows 1..historyItems, then content vectors for the feed's items without history.
  const rows = shop.ids.length - 1;
  const vectors = new Float32Array(rows * d);
  vectors.set(items.subarray(d, (shop.historyItems + 1) * d));
  const features = learnContentFeatures(items, d, shop.ids, shop.historyItems, feed);
  const byId = new Map(feed.map((f) => [f.id, f]));
  let matched = 0;
  for (let r = shop.historyItems + 1; r <= rows; r++) {
    const v = contentVector(features, byId.get(shop.ids[r]!)!);
    if (v) {
      vectors.set(v, (r - 1) * d);
      matched++;
    }
  }
  const contentItems = rows - shop.historyItems;
  o.log(`content vectors: ${matched} of ${contentItems} feed items without history share a feature with learned items (${features.means.size} features)`);
  const spaceId = o.space ?? `${o.name}-${sha256Hex(new Uint8Array(vectors.buffer)).slice(0, 12)}`;
  const meta = readMeta(o.workspace);
  const training = {
    model: o.name, version: o.version, data: ds.fingerprint, seed: o.seed,
    // What was imported, by file name and hash only: the record travels to the server with the model.
    feed: meta.feed ? { ...meta.feed, source: basename(meta.feed.source) } : null, historySource: meta.history ? { ...meta.history, source: basename(meta.history.source) } : null,
    trainSeconds: result.trainSeconds, bestEpoch: result.bestEpoch, backend, hyper: { ...hyper, ...o.config }, history: result.history,
    smoothing, calibration, contentItems, contentMatched: matched, contentFeatures: features.means.size, command: o.command,
  };
  const written = writeBundle(o.out, {
    name: o.name, version: o.version, config: o.config, spaceId, device: withBlend1(specs, result.device, calibration.blend1),
    ids: shop.ids.slice(1), vectors, contentItems, examples: ds.sequences.reduce((n, s) => n + Math.max(0, s.length - 3), 0), training, contentFeatures: features,
  });
  o.log(`bundle → ${resolve(o.out)} (model ${o.name} v${o.version}, space ${spaceId}: ${rows} items × ${d})`);
  return { ...written, bestEpoch: result.bestEpoch, trainSeconds: result.trainSeconds };
}

/** The device model's shape for a shop (small enough for a phone; the vector length is the space's dim). */
export function shopConfig(o: { dim: number; hidden: number; ffn: number; blocks: number; maxLen: number }): ModelConfig {
  return { itemDim: o.dim, hidden: o.hidden, maxLen: o.maxLen, ffn: o.ffn, eventTypes: SEQUENCE_TYPES.length, blocks: o.blocks };
}

// Trains Shelf's on-device encoder on a leave-one-out training split, jointly with the server's item-vector
// table (or against fixed content vectors), with a sampled softmax over many shared negatives (uniform, or mixed
// with popular ones and corrected by log q). Batches group users of similar length and trim padding; only positions
// with a target reach the loss, each with the same weight whatever its batch.
// Must never read validation or test targets except the validation target used to pick the best epoch.
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../src/shared/protocol.js';
import { encode } from '../src/shared/model/encoder.js';
import { smoothedTable, topNeighbours } from './item-neighbours.js';
import { flatten, initialWeights, weightSpecs, type WeightArrays } from '../src/shared/model/weights.js';
import type { Dataset } from './data.js';
import { fullSoftmaxCrossEntropy } from './full-softmax.js';
import { gatherRows, installFastMatMulGradient, logSumExpRows, uninstallFastMatMulGradient } from './fast-grads.js';
import type { Metrics } from './metrics.js';
import { validateOn } from './validation.js';
import { seeded } from './rng.js';
import type { CheckpointStore } from './checkpoint.js';
import { eventTypeAt, examples, makeBatches, negativeSampler, targetHits, validationSet, type Example } from './training-data.js';

/** Largest logit matrix (positions × items) of one full-softmax part: 128 MB of float32. */
const fullSoftmaxCells = 2 ** 25;

export interface TrainOptions {
  config: ModelConfig;
  /** Stop after this many epochs (the budget of a reproducible run). */
  epochs: number;
  /**
   * Also stop after this many minutes (a shop's safety cap; absent = none). A run stopped by the clock depends on
   * how busy the machine was, so the benchmarks never set it.
   */
  minutes?: number;
  batchSize: number;
  /** Shared negatives per step. */
  negatives: number;
  /**
   * How negatives are drawn: `uniform` over all items, or `mixed` (half uniform, half in proportion to training
   * count^0.75, with replacement), whose logits are corrected by −log q(item) as in sampled softmax (Jean et al., 2015).
   */
  negativeSampler?: 'uniform' | 'mixed';
  learningRate: number;
  /** Anneal the learning rate to 0 by a cosine over this many epochs (and stop there); 0 keeps it constant. */
  decayEpochs?: number;
  dropout: number;
  seed: number;
  /** Standard deviation of the learned item table's initial rows (truncated normal; default 0.05). */
  itemInitStd?: number;
  /** Learn the item table jointly (null), or fixed item vectors [(itemCount+1)·itemDim] (row 0 unused). */
  fixedItemVectors: Float32Array | null;
  /** Users sampled for the per-epoch validation score that picks the best epoch. */
  validUsers: number;
  log: (line: string) => void;
  /** Continue from this store's checkpoint of the same run, and hand it one after every epoch. */
  checkpoints?: CheckpointStore;
  /** Identifies the run for the checkpoint (data and options); a checkpoint of another run is ignored. */
  runId?: string;
  /** Called after every optimiser step with the steps done and the planned total (for a progress bar). */
  onStep?: (done: number, total: number) => void;
  /** Stop after this many epochs without a better validation NDCG@10 (0 = never stop early). */
  patience?: number;
  /**
   * Which validation figure picks the epoch kept: NDCG@10 among 100 sampled negatives (`sampled`, the default) or
   * among all items (`all-items`, the harder protocol, closer to re-ranking a server's list).
   */
  select?: 'sampled' | 'all-items';
  /**
   * How the loss weighs target positions: `position` = every position of the epoch alike (the step's loss is
   * its sum over the mean number of positions per batch); `batch` = the mean within each batch, so a position
   * in a batch of short sequences weighs as much as a whole long sequence.
   */
  lossWeighting?: 'position' | 'batch';
  /**
   * `sampled`: a softmax over the target and the shared negatives; `full`: over every item (no negatives drawn;
   * `negatives` and `negativeSampler` are unused).
   */
  loss?: 'sampled' | 'full';
  /** Keep tfjs's own BatchMatMul gradient (slow on wasm); only for measuring what the fast one saves. */
  plainMatMulGradient?: boolean;
  /**
   * From this epoch on, also keep the mean of the weights at the end of every epoch since (device weights and item
   * table alike, as in stochastic weight averaging, Izmailov et al., 2018), validate it each epoch, and let it compete
   * with the epoch's own weights for the one kept. 0 = off.
   */
  averageFrom?: number;
  /**
   * Smooth the item table over the items' neighbours in the training part while learning: every lookup uses
   * (1 − α)·vᵢ + α·(weighted mean of its `neighbourCount` most frequent neighbours within `neighbourWindow`
   * positions), and that smoothed table is what is exported. 0 = off.
   */
  neighbourAlpha?: number;
  neighbourWindow?: number;
  neighbourCount?: number;
}

export interface EpochLog {
  epoch: number;
  loss: number;
  seconds: number;
  /** Sampled-100 metrics on the validation users (what picks the best epoch unless `select` says all-items). */
  valid: Metrics;
  /** The same users' validation targets ranked among all items, history excluded (picks the epoch with `select: 'all-items'`). */
  validAllItems: Metrics;
  /** With `averageFrom`: the same figures for the mean of the weights of epochs averageFrom..epoch. */
  averaged?: { from: number; valid: Metrics; validAllItems: Metrics };
}

export interface TrainResult {
  /** Device weights, flat in weightSpecs order (what weights.bin holds). */
  device: Float32Array;
  /** Server item vectors [(itemCount+1)·itemDim]; row 0 is padding. */
  itemVectors: Float32Array;
  trainSeconds: number;
  bestEpoch: number;
  /** Whether the weights kept are the mean of epochs averageFrom..bestEpoch rather than bestEpoch's own. */
  keptAveraged: boolean;
  history: EpochLog[];
}

export async function trainModel(ds: Dataset, o: TrainOptions): Promise<TrainResult> {
  if (o.plainMatMulGradient) uninstallFastMatMulGradient();
  else installFastMatMulGradient();
  const c = o.config;
  const d = c.itemDim;
  const stream = seeded(o.seed);
  let randCalls = 0;
  const rand = () => (randCalls++, stream());
  const specs = weightSpecs(c);
  const init = initialWeights(c, o.seed);
  const vars: Record<string, tf.Variable> = {};
  for (const s of specs) vars[s.name] = tf.variable(tf.tensor(init[s.name]!, s.shape), true, `train/${s.name}`);
  const n = ds.itemCount + 1;
  const table: tf.Tensor2D = o.fixedItemVectors
    ? tf.tensor2d(o.fixedItemVectors, [n, d])
    : tf.variable(tf.mul(tf.truncatedNormal([n, d], 0, o.itemInitStd ?? 0.05, 'float32', o.seed), tf.concat([tf.zeros([1, 1]), tf.ones([n - 1, 1])])) as tf.Tensor2D, true, 'train/items');
  const trainable = [...Object.values(vars), ...(o.fixedItemVectors ? [] : [table as tf.Variable])];
  const alpha = o.fixedItemVectors ? 0 : (o.neighbourAlpha ?? 0);
  const nb = alpha > 0 ? topNeighbours(ds, o.neighbourWindow ?? 3, o.neighbourCount ?? 16) : null;
  const nbT = nb ? { ids: tf.tensor2d(nb.ids, [n, nb.k], 'int32'), weights: tf.tensor2d(nb.weights, [n, nb.k]), self: tf.tensor1d(Float32Array.from(nb.has, (h) => 1 - alpha * h)) } : null;
  /** The rows `ids` of the item table as the model sees them (smoothed over the neighbours when asked). */
  const rows = (ids: tf.Tensor1D): tf.Tensor2D => {
    const own = gatherRows(table, ids);
    if (!nbT) return own;
    const m = ids.shape[0];
    const nIds = tf.reshape(tf.gather(nbT.ids, ids), [-1]) as tf.Tensor1D;
    const nVec = tf.reshape(gatherRows(table, nIds), [m, nbT.ids.shape[1], d]);
    const w = tf.mul(tf.expandDims(tf.gather(nbT.weights, ids), 2), alpha);
    return tf.add(tf.mul(own, tf.expandDims(tf.gather(nbT.self, ids), 1)), tf.sum(tf.mul(nVec, w), 1)) as tf.Tensor2D;
  };
  const optimizer = tf.train.adam(o.learningRate, 0.9, 0.999, 1e-7);

  const ex = examples(ds, c.maxLen);
  const positionsPerBatch = ex.reduce((n, e) => n + e.seq.length - 1, 0) / Math.ceil(ex.length / o.batchSize);
  const reduce = (perPosition: tf.Tensor1D): tf.Scalar =>
    (o.lossWeighting === 'batch' ? tf.mean(perPosition) : tf.div(tf.sum(perPosition), positionsPerBatch)) as tf.Scalar;
  const sampler = negativeSampler(o.negativeSampler ?? 'uniform', ex, ds.itemCount, o.negatives, rand);
  const logQT = sampler.logQ ? tf.tensor1d(sampler.logQ) : null;
  const valid = validationSet(ds, o.validUsers, o.seed);
  const history: EpochLog[] = [];
  let best: { score: number; device: Float32Array; items: Float32Array; epoch: number; averaged: boolean } | null = null;
  const mean = { device: null as Float64Array | null, items: null as Float64Array | null, count: 0 };
  const lastEpochOf = o.decayEpochs ? Math.min(o.epochs, o.decayEpochs) : o.epochs;
  const found = o.checkpoints?.load(o.runId ?? '') ?? null;
  // A checkpoint past this run's budget holds epochs the budget excludes (its best may be one of them): start afresh.
  const resumed = found && found.epoch <= lastEpochOf ? found : null;
  if (found && !resumed) o.log(`the checkpoint is after epoch ${found.epoch}, past this run's ${lastEpochOf}: starting afresh`);
  const started = performance.now() - (resumed?.elapsedSeconds ?? 0) * 1000;
  const outOfTime = () => o.minutes !== undefined && (performance.now() - started) / 60000 > o.minutes;

  const lastEpoch = lastEpochOf;
  const batchesPerEpoch = Math.ceil(ex.length / o.batchSize);
  let totalSteps = 0;
  /** Forward passes within the current step (a full-softmax step makes several), for the dropout seeds. */
  let part = 0;
  try {
    if (resumed) {
      for (const s of specs) vars[s.name]!.assign(tf.tensor(resumed.vars[s.name]!, s.shape));
      if (table instanceof tf.Variable) table.assign(tf.tensor2d(resumed.table, [n, d]));
      await optimizer.setWeights(resumed.optimizer.map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape) })));
      while (randCalls < resumed.randCalls) rand();
      totalSteps = resumed.totalSteps;
      best = resumed.best;
      Object.assign(mean, resumed.mean);
      history.push(...resumed.history);
      o.log(`continuing from the checkpoint after epoch ${resumed.epoch}`);
    }
    const stoppedEarly = resumed && best && o.patience && resumed.epoch - best.epoch >= o.patience;
    if (stoppedEarly) o.log(`the checkpoint's run had already stopped: no better validation score for ${o.patience} epochs`);
    for (let epoch = (resumed?.epoch ?? 0) + 1; epoch <= lastEpoch && !stoppedEarly && !outOfTime(); epoch++) {
      let lossSum = 0;
      let steps = 0;
      for (const batch of makeBatches(ex, o.batchSize, rand)) {
        if (o.decayEpochs) setLearningRate(optimizer, (o.learningRate * (1 + Math.cos((Math.PI * totalSteps) / (o.decayEpochs * batchesPerEpoch)))) / 2);
        totalSteps++;
        part = 0;
        const loss = step(batch, sampler.draw());
        lossSum += (await loss.data())[0]!;
        loss.dispose();
        steps++;
        o.onStep?.(totalSteps, lastEpoch * batchesPerEpoch);
        if (outOfTime()) break;
      }
      const snapshot = await snapshotWeights();
      const { sampled: metrics, allItems } = await validate(snapshot.device, snapshot.items);
      const seconds = (performance.now() - started) / 1000;
      const log: EpochLog = { epoch, loss: lossSum / steps, seconds, valid: metrics, validAllItems: allItems };
      history.push(log);
      o.log(`epoch ${epoch} loss ${(lossSum / steps).toFixed(4)} valid NDCG@10 ${metrics.ndcg10.toFixed(4)} HR@10 ${metrics.hr10.toFixed(4)}, all items NDCG@10 ${allItems.ndcg10.toFixed(4)} (${seconds.toFixed(0)} s)`);
      const pick = (m: { sampled: Metrics; allItems: Metrics }) => (o.select === 'all-items' ? m.allItems.ndcg10 : m.sampled.ndcg10);
      const score = pick({ sampled: metrics, allItems });
      if (!best || score > best.score) best = { score, device: snapshot.device, items: snapshot.items, epoch, averaged: false };
      if (o.averageFrom && epoch >= o.averageFrom) {
        const avg = addToMean(snapshot);
        const m = await validate(avg.device, avg.items);
        log.averaged = { from: o.averageFrom, valid: m.sampled, validAllItems: m.allItems };
        o.log(`  mean of epochs ${o.averageFrom}..${epoch}: valid NDCG@10 ${m.sampled.ndcg10.toFixed(4)} HR@10 ${m.sampled.hr10.toFixed(4)}, all items NDCG@10 ${m.allItems.ndcg10.toFixed(4)}`);
        const avgScore = pick(m);
        if (avgScore > best.score) best = { score: avgScore, device: avg.device, items: avg.items, epoch, averaged: true };
      }
      if (o.checkpoints) await saveCheckpoint(epoch);
      if (o.patience && epoch - best.epoch >= o.patience) {
        o.log(`no better validation score for ${o.patience} epochs: stopping (best epoch ${best.epoch})`);
        break;
      }
    }
  } finally {
    for (const v of trainable) v.dispose();
    table.dispose();
    logQT?.dispose();
    if (nbT) for (const t of Object.values(nbT)) t.dispose();
    optimizer.dispose();
  }
  const trainSeconds = (performance.now() - started) / 1000;
  if (!best) throw new Error('training ran no epoch (time budget too small?)');
  return { device: best.device, itemVectors: best.items, trainSeconds, bestEpoch: best.epoch, keptAveraged: best.averaged, history };

  async function saveCheckpoint(epoch: number): Promise<void> {
    const saved: Record<string, Float32Array> = {};
    for (const s of specs) saved[s.name] = (await vars[s.name]!.data()) as Float32Array;
    const opt = await optimizer.getWeights();
    const optimizerState = await Promise.all(opt.map(async (w) => ({ name: w.name, shape: w.tensor.shape, values: Float32Array.from(await w.tensor.data()) })));
    o.checkpoints!.save({
      run: o.runId ?? '', epoch, totalSteps, randCalls, elapsedSeconds: (performance.now() - started) / 1000,
      vars: saved, table: Float32Array.from(await table.data()), optimizer: optimizerState, best, mean: { ...mean }, history,
    });
  }

  /** Adds one epoch's weights to the running mean and returns the mean as float32. */
  function addToMean(w: { device: Float32Array; items: Float32Array }): { device: Float32Array; items: Float32Array } {
    mean.device ??= new Float64Array(w.device.length);
    mean.items ??= new Float64Array(w.items.length);
    mean.count++;
    const out = (sum: Float64Array, x: Float32Array) => {
      const r = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) r[i] = (sum[i]! += x[i]!) / mean.count;
      return r;
    };
    return { device: out(mean.device, w.device), items: out(mean.items, w.items) };
  }

  /** One optimiser step: the sampled softmax against shared negatives, or the full softmax (see fullStep). */
  function step(batch: Example[], negIds: Int32Array): tf.Scalar {
    if (o.loss === 'full') return fullStep(batch);
    return tf.tidy(() => optimizer.minimize(() => batchLoss(batch, negIds), true, trainable) as tf.Scalar);
  }

  /**
   * The full softmax over every item: the batch is cut into parts of at most `fullSoftmaxCells` logits
   * (positions × items) so that one logit matrix fits in wasm memory, and their gradients are summed before one
   * Adam step, so the step is the same as for the whole batch.
   */
  function fullStep(batch: Example[]): tf.Scalar {
    const len = Math.max(...batch.map((e) => e.seq.length - 1));
    const usersPerPart = Math.max(1, Math.floor(fullSoftmaxCells / (len * ds.itemCount)));
    let sum: Record<string, tf.Tensor> | null = null;
    let loss = tf.scalar(0);
    for (let i = 0; i < batch.length; i += usersPerPart) {
      const part = batch.slice(i, i + usersPerPart);
      const { value, grads } = tf.variableGrads(() => batchLoss(part, null), trainable);
      const next = tf.add(loss, value) as tf.Scalar;
      loss.dispose();
      value.dispose();
      loss = next;
      if (!sum) sum = grads;
      else {
        for (const [k, g] of Object.entries(grads)) {
          const added = tf.add(sum[k]!, g);
          sum[k]!.dispose();
          g.dispose();
          sum[k] = added;
        }
      }
    }
    optimizer.applyGradients(sum! as unknown as Parameters<typeof optimizer.applyGradients>[0]);
    for (const g of Object.values(sum!)) g.dispose();
    return loss;
  }

  /**
   * The loss of a batch (before the optimiser): each target position's softmax cross-entropy against the shared
   * negatives `negIds` (sampled), or against every item when `negIds` is null (full), reduced as lossWeighting says.
   */
  function batchLoss(batch: Example[], negIds: Int32Array | null): tf.Scalar {
    const b = batch.length;
    const len = Math.max(...batch.map((e) => e.seq.length - 1));
    const ids = new Int32Array(b * len);
    const mask = new Float32Array(b * len);
    const types = new Float32Array(b * len * c.eventTypes);
    const validIdx: number[] = [];
    const targets: number[] = [];
    batch.forEach((e, r) => {
      const inputs = e.seq.length - 1;
      const start = len - inputs;
      for (let i = 0; i < inputs; i++) {
        const p = r * len + start + i;
        ids[p] = e.seq[i]!;
        mask[p] = 1;
        types[p * c.eventTypes + eventTypeAt(e.seq, i)] = 1;
        validIdx.push(p);
        targets.push(e.seq[i + 1]!);
      }
    });
    const idsT = tf.tensor1d(ids, 'int32');
    const maskT = tf.tensor2d(mask, [b, len]);
    const typesT = tf.tensor3d(types, [b, len, c.eventTypes]);
    const validT = tf.tensor1d(Int32Array.from(validIdx), 'int32');
    const items = tf.reshape(rows(idsT), [b, len, d]) as tf.Tensor3D;
    const pe = vars['position_embedding']!;
    const w = { ...vars, position_embedding: tf.slice(pe, [c.maxLen - len, 0], [len, c.hidden]) };
    const states = encode(w, c, { items, types: typesT, mask: maskT }, { dropout: o.dropout, dropoutSeed: (o.seed * 7919 + totalSteps * 131 + part++ * 17) % 2 ** 31 });
    const sv = gatherRows(tf.reshape(states, [b * len, d]) as tf.Tensor2D, validT);
    const scale = tf.slice(vars['blend']!, [0], [1]) as tf.Tensor1D;
    if (!negIds) {
      // Every item but the padding row 0: column j is item j + 1.
      const itemsT = tf.transpose(nbT ? rows(tf.range(1, n, 1, 'int32') as tf.Tensor1D) : tf.slice(table, [1, 0], [n - 1, d])) as tf.Tensor2D;
      const column = tf.tensor1d(Int32Array.from(targets, (t) => t - 1), 'int32');
      return reduce(fullSoftmaxCrossEntropy(sv, itemsT, column, scale));
    }
    const targetT = tf.tensor1d(Int32Array.from(targets), 'int32');
    const negT = tf.tensor1d(negIds, 'int32');
    const hitT = tf.tensor2d(targetHits(targets, negIds), [targets.length, negIds.length + 1]);
    let pos = tf.mul(tf.sum(tf.mul(sv, rows(targetT)), 1), scale);
    let neg = tf.mul(tf.matMul(sv, tf.transpose(rows(negT))), scale);
    if (logQT) {
      // Sampled softmax's correction for a non-uniform proposal: every logit less log q of its item.
      pos = tf.sub(pos, tf.gather(logQT, targetT));
      neg = tf.sub(neg, tf.reshape(tf.gather(logQT, negT), [1, -1]));
    }
    const logits: tf.Tensor2D = tf.add(tf.concat([tf.reshape(pos, [-1, 1]), neg], 1), hitT) as tf.Tensor2D;
    return reduce(tf.sub(logSumExpRows(logits), tf.reshape(tf.slice(logits, [0, 0], [-1, 1]), [-1])));
  }

  async function snapshotWeights(): Promise<{ device: Float32Array; items: Float32Array }> {
    const arrays: WeightArrays = {};
    for (const s of specs) arrays[s.name] = (await vars[s.name]!.data()) as Float32Array;
    const raw = Float32Array.from(await table.data());
    return { device: flatten(specs, arrays), items: nb ? smoothedTable(raw, d, nb, alpha) : raw };
  }

  /** The epoch's figures on the fixed validation users (validation.ts). */
  function validate(device: Float32Array, items: Float32Array): Promise<{ sampled: Metrics; allItems: Metrics }> {
    return validateOn(valid, c, specs, device, items);
  }
}

/** tfjs's Adam reads its rate from this field at every step. */
function setLearningRate(optimizer: tf.AdamOptimizer, rate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = rate;
}

// Federated simulation on the quality benchmark's data: every user is a client holding only their own
// training prefix; each round Poisson-samples clients, each runs the worker's own local training job
// (workers/local-recipe.ts localTrainJob → workers/trainer-core.ts → ShelfModel.sgdStep) from the global weights, clips and
// int8-quantises its delta exactly as the uploader does, and the server applies the shared DP mean and
// server optimiser. A central baseline trains the same architecture with the same objective on minibatches.
// Never lets a client see another client's data, a validation target or a test target.
import type { ModelConfig } from '../../src/shared/protocol.js';
import { clipToNorm } from '../../src/shared/federated/clip.js';
import { addInto, decodeFixedPoint, encodeFixedPoint, fixedPointBits } from '../../src/shared/secure-aggregation/fixed-point.js';
import { deviceNoiseVariance } from '../../src/shared/secure-aggregation/client-report.js';
import { addSkellamNoise } from '../../src/shared/secure-aggregation/skellam.js';
import { dequantize, quantizeInt8, DEFAULT_CHUNK } from '../../src/shared/federated/quantize.js';
import { gaussianFrom, noisyMean, serverStep, type OptimizerState, type ServerOptimizer } from '../../src/shared/federated/aggregate.js';
import * as tf from '@tensorflow/tfjs-core';
import { buildTrainingBatch, countExamples, type TrainingEvent } from '../../src/shared/model/examples.js';
import { ShelfModel } from '../../src/shared/model/model.js';
import { flatten, initialWeights, weightSpecs } from '../../src/shared/model/weights.js';
import { localTrainJob } from '../../workers/local-recipe.js';
import { createTrainerCore } from '../../workers/trainer-core.js';
import type { BackendName } from '../../src/shared/engine-api.js';
import { splitLeaveOneOut, type Dataset } from '../../trainer/data.js';
import { DeviceScorer } from '../../trainer/device-scoring.js';
import type { Metrics } from '../../trainer/metrics.js';
import { deviceRanker, evalUsers, sampled, sampledNegatives, subset, type EvalUser } from '../../trainer/protocols.js';
import { sampleNegatives, seeded, shuffle, type Rand } from '../../trainer/rng.js';
import { PURCHASE_TYPE } from '../../trainer/training-data.js';

export interface SimData {
  readonly config: ModelConfig;
  /** Fixed item vectors the shop sends with its candidates, row = item id. */
  readonly items: Float32Array;
  readonly itemCount: number;
  /** Training prefix of every client with at least 2 events (what lives in that visitor's browser). */
  readonly clients: readonly Int32Array[];
  /** All users, for the sampled protocol's negatives. */
  readonly test: { users: EvalUser[]; negatives: Int32Array[] };
  readonly valid: { users: EvalUser[]; negatives: Int32Array[] };
}

/** Builds the clients and the evaluation sets (sampled protocol with `negatives` per user, on `evalUsers` users). */
export function simData(ds: Dataset, config: ModelConfig, items: Float32Array, negatives: number, evalCount: number, seed: number): SimData {
  const clients = ds.sequences.map((s) => splitLeaveOneOut(s).train).filter((t) => t.length >= 2);
  const pick = (part: 'test' | 'valid', salt: number) => {
    const users = subset(evalUsers(ds, part), evalCount, seed + salt);
    return { users, negatives: sampledNegatives(users, ds.itemCount, negatives, seed + salt) };
  };
  return { config, items, itemCount: ds.itemCount, clients, test: pick('test', 0), valid: pick('valid', 1) };
}

const vectorOf = (items: Float32Array, d: number, id: number) => items.subarray(id * d, id * d + d);

/** A client's training events: its last maxLen+1 items as purchases (what these data sets record). */
export function clientEvents(train: Int32Array, items: Float32Array, c: ModelConfig): TrainingEvent[] {
  return Array.from(train.subarray(Math.max(0, train.length - (c.maxLen + 1))), (id) => ({
    vector: vectorOf(items, c.itemDim, id),
    typeIndex: PURCHASE_TYPE,
    targetWeight: 1,
  }));
}

/** Items the client was "shown and passed over": uniform items outside its own sequence. */
function negativesFor(rand: Rand, d: SimData, exclude: Int32Array, count: number): Float32Array[] {
  return Array.from(sampleNegatives(rand, d.itemCount, count, new Set(exclude)), (id) => vectorOf(d.items, d.config.itemDim, id));
}

export async function evaluate(d: SimData, flat: Float32Array, part: 'test' | 'valid'): Promise<Metrics> {
  const set = d[part];
  const scorer = new DeviceScorer(d.config, weightSpecs(d.config), flat, d.items);
  try {
    return sampled(await deviceRanker(scorer, set.users), set.users, set.negatives).metrics;
  } finally {
    scorer.dispose();
  }
}

export function initialFlat(c: ModelConfig, seed: number): Float32Array {
  return flatten(weightSpecs(c), initialWeights(c, seed));
}

export interface CentralOptions {
  epochs: number;
  batchSize: number;
  negatives: number;
  learningRate: number;
  seed: number;
  log: (line: string) => void;
  /** Stop after this many minibatch steps (a central run with a federated run's budget); default: all epochs. */
  maxSteps?: number;
}

/** Central baseline: minibatch Adam on every client's prefix, the same objective and model; best epoch on validation. */
export async function trainCentral(d: SimData, o: CentralOptions): Promise<{ flat: Float32Array; epochs: number; seconds: number; curve: { epoch: number; valid: number }[] }> {
  const rand = seeded(o.seed);
  const model = ShelfModel.fromFlat(d.config, weightSpecs(d.config), initialFlat(d.config, o.seed));
  const started = performance.now();
  let best = { score: -1, flat: await model.toFlat(), epoch: 0 };
  const curve: { epoch: number; valid: number }[] = [];
  let steps = 0;
  try {
    for (let epoch = 1; epoch <= o.epochs && steps < (o.maxSteps ?? Infinity); epoch++) {
      const order = shuffle([...d.clients.keys()], rand);
      for (let i = 0; i < order.length && steps < (o.maxSteps ?? Infinity); i += o.batchSize, steps++) {
        const batch = order.slice(i, i + o.batchSize).map((k) => clientEvents(d.clients[k]!, d.items, d.config));
        const negs = Array.from(sampleNegatives(rand, d.itemCount, o.negatives, new Set()), (id) => vectorOf(d.items, d.config.itemDim, id));
        await model.trainStep(buildTrainingBatch(batch, negs, d.config), o.learningRate);
      }
      const flat = await model.toFlat();
      const valid = (await evaluate(d, flat, 'valid')).ndcg10;
      curve.push({ epoch, valid });
      o.log(`central epoch ${epoch}: valid NDCG@10 ${valid.toFixed(4)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      if (valid > best.score) best = { score: valid, flat, epoch };
    }
  } finally {
    model.dispose();
  }
  return { flat: best.flat, epochs: best.epoch, seconds: (performance.now() - started) / 1000, curve };
}

export interface FederatedOptions {
  rounds: number;
  /** The trainer job's optimiser: 'sgd' (default, what the worker runs) or 'adam' (the earlier recipe: a fresh Adam per version). */
  localOptimizer?: 'sgd' | 'adam';
  /** Poisson sampling rate: each client joins a round with this probability. */
  sampleRate: number;
  localSteps: number;
  localLearningRate: number;
  negatives: number;
  clip: number;
  noiseMultiplier: number;
  server: ServerOptimizer;
  /** Values per int8 scale in the simulated wire format. */
  chunk?: number;
  /**
   * central (default): int8 uploads, the server re-clips, sums and adds Gaussian noise z·C. secure: what the secure
   * protocol computes — each device's clipped update in fixed point with its share of Skellam noise (calibrated to
   * the expected cohort K; the leader tops up a smaller cohort), summed mod 2^32 and decoded. The two secret shares
   * cancel exactly in the sum (src/shared/secure-aggregation tests), so they are not drawn here.
   */
  protocol?: 'central' | 'secure';
  seed: number;
  /** Evaluate on validation every this many rounds (0 = only at the end). */
  evalEvery: number;
  /** A probe: stop after this many of the `rounds` (the noise and the schedule stay those of the full run). */
  stopAfter?: number;
  log: (line: string) => void;
}

export interface FederatedRun {
  /** Final global weights. */
  flat: Float32Array;
  /** The trained checkpoint (round ≥ 1) with the best validation NDCG@10, and its round. */
  best: Float32Array;
  bestRound: number;
  curve: { round: number; valid: number }[];
  seconds: number;
  meanCohort: number;
  clippedShare: number;
  /** L2 norms of the clients' updates before clipping (for choosing the clip bound). */
  updateNorms: { p10: number; median: number; p90: number };
}

function l2(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** The secure protocol's round constants: fixed-point bits and the Skellam variance each device adds, for cohort K. */
function secureSetup(cohort: number, z: number, params: number) {
  const bits = fixedPointBits(cohort, z);
  return { cohort, bits, deviceVariance: deviceNoiseVariance({ bits, cohort, noiseMultiplier: z }), sum: new Uint32Array(params) };
}

/** Runs DP-FedAvg (noiseMultiplier 0: plain FedAvg with clipping) and returns the final global weights. */
export async function trainFederated(d: SimData, o: FederatedOptions): Promise<FederatedRun> {
  const rand = seeded(o.seed);
  const gaussian = gaussianFrom(seeded(o.seed ^ 0x9e3779b9));
  const specs = weightSpecs(d.config);
  let global = initialFlat(d.config, o.seed);
  let state: OptimizerState | null = null;
  // The worker's trainer (the in-thread core the training worker wraps); a new key per client = a page that
  // just loaded the published version and trains from it.
  const trainer = createTrainerCore(async () => tf.getBackend() as BackendName);
  let jobs = 0;
  const expected = o.sampleRate * d.clients.length;
  const curve: { round: number; valid: number }[] = [];
  const started = performance.now();
  let cohortSum = 0;
  let clipped = 0;
  let seen = 0;
  const norms: number[] = [];
  const initialValid = (await evaluate(d, global, 'valid')).ndcg10;
  curve.push({ round: 0, valid: initialValid });
  // Like the central baseline's best epoch, the best trained round: round 0 (untrained) is never picked.
  let best = { score: -1, flat: global, round: 0 };
  const secure = o.protocol === 'secure' ? secureSetup(Math.max(1, Math.round(expected)), o.noiseMultiplier, global.length) : null;
  const last = Math.min(o.rounds, o.stopAfter ?? o.rounds);
  try {
    for (let round = 1; round <= last; round++) {
      const cohort = d.clients.filter(() => rand() < o.sampleRate);
      const updates = [];
      for (const train of cohort) {
        const events = clientEvents(train, d.items, d.config);
        const negatives = negativesFor(rand, d, train, o.negatives);
        const examples = countExamples(events, d.config);
        if (examples === 0 || negatives.length === 0) continue;
        const job = localTrainJob(`client#${jobs++}`, d.config, specs, global, buildTrainingBatch([events], negatives, d.config), o.localSteps, o.localLearningRate);
        const out = await trainer.train({ ...job, optimizer: o.localOptimizer ?? job.optimizer });
        const local = out.weights;
        const r = { steps: out.steps, examples };
        norms.push(l2(local, global));
        if (r.steps === 0) continue;
        const delta = local.map((v, i) => v - global[i]!);
        const c = clipToNorm(delta, o.clip);
        if (c.clipped) clipped++;
        seen++;
        if (secure) {
          const v = encodeFixedPoint(delta, o.clip, secure.bits);
          addSkellamNoise(v, secure.deviceVariance, rand);
          addInto(secure.sum, v);
          updates.push({ values: delta, weight: 1 });
          continue;
        }
        const wire = dequantize(quantizeInt8(c.values, o.chunk ?? DEFAULT_CHUNK, rand));
        updates.push({ values: wire, weight: r.examples });
      }
      cohortSum += updates.length;
      if (secure && updates.length > 0) {
        const missing = Math.max(0, secure.cohort - updates.length);
        if (missing > 0) addSkellamNoise(secure.sum, missing * secure.deviceVariance, rand);
        const total = decodeFixedPoint(secure.sum, o.clip, secure.bits);
        secure.sum.fill(0);
        const mean = total.map((x) => x / secure.cohort);
        const next = serverStep(global, mean, o.server, state);
        global = next.weights;
        state = next.state;
      } else if (updates.length > 0) {
        const mean = noisyMean(updates, { clip: o.clip, noiseMultiplier: o.noiseMultiplier }, gaussian, expected);
        const next = serverStep(global, mean, o.server, state);
        global = next.weights;
        state = next.state;
      }
      if ((o.evalEvery > 0 && round % o.evalEvery === 0) || round === last) {
        const valid = (await evaluate(d, global, 'valid')).ndcg10;
        curve.push({ round, valid });
        if (valid > best.score) best = { score: valid, flat: global, round };
        o.log(`  round ${round}: cohort ${updates.length}, valid NDCG@10 ${valid.toFixed(4)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      }
    }
  } finally {
    trainer.dispose();
  }
  norms.sort((x, y) => x - y);
  const q = (p: number) => (norms.length ? norms[Math.min(norms.length - 1, Math.floor(p * norms.length))]! : 0);
  return {
    flat: global, best: best.flat, bestRound: best.round, curve, seconds: (performance.now() - started) / 1000, meanCohort: cohortSum / last,
    clippedShare: seen ? clipped / seen : 0, updateNorms: { p10: q(0.1), median: q(0.5), p90: q(0.9) },
  };
}

/** Seeded uniform source for tests and the benchmark. */
export { seeded };

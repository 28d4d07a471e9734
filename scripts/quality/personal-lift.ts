// The personal learning lift: for a fixed seeded sample of test users, the global model's rank of the test target
// against the rank after the visitor's own history was replayed through the worker's local learning
// (personal-replay.ts), on the same users, candidates and protocols (all items with the history excluded, and the
// data set's sampled protocol). Returns the two rows per protocol and a paired bootstrap interval on the lift.
// Never lets local learning see the test target or anything after it.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../../src/shared/engine-api.js';
import type { ModelConfig, WeightSpec } from '../../src/shared/protocol.js';
import type { Recipe } from '../../workers/local-recipe.js';
import { createTrainerCore } from '../../workers/trainer-core.js';
import { DeviceScorer } from '../../trainer/device-scoring.js';
import { metricsOfRanks, ndcgAt, type Metrics } from '../../trainer/metrics.js';
import { allItems, deviceRanker, liftSampleIndices, sampled, type EvalUser } from '../../trainer/protocols.js';
import { seeded } from '../../trainer/rng.js';
import { lastTrainingEvent, replayVisitor, shownLists, type ShownKind } from './personal-replay.js';

export interface LiftOptions {
  /** Test users in the sample (fewer when the data set has fewer). */
  users: number;
  seed: number;
  trainEvery: number;
  shown: ShownKind;
  /** Items per shown list. */
  listSize: number;
  /** The recipe (default: the worker's). */
  recipe?: Recipe;
  log: (line: string) => void;
}

export interface LiftModel {
  config: ModelConfig;
  specs: readonly WeightSpec[];
  weights: Float32Array;
  items: Float32Array;
}

export interface LiftFigure {
  /** NDCG@10 relative lift, local / global − 1, and its 95% paired-bootstrap interval. */
  lift: number;
  ci: [number, number];
  global: Metrics;
  local: Metrics;
}

export interface LiftResult {
  users: number;
  /** Users whose replay trained at least once (the others keep the global ranking). */
  trainedUsers: number;
  /** Trained users whose target was among the items shown before their last training call (so a negative there). */
  targetShown: number;
  steps: number;
  seconds: number;
  allItems: LiftFigure;
  sampled: LiftFigure;
}

/** 95% interval of Σlocal/Σglobal − 1 over users resampled with replacement (paired). */
export function pairedBootstrap(global: readonly number[], local: readonly number[], seed: number, resamples = 1000): [number, number] {
  const rand = seeded(seed);
  const n = global.length;
  const lifts: number[] = [];
  for (let b = 0; b < resamples; b++) {
    let g = 0;
    let l = 0;
    for (let k = 0; k < n; k++) {
      const i = Math.floor(rand() * n);
      g += global[i]!;
      l += local[i]!;
    }
    lifts.push(g > 0 ? l / g - 1 : 0);
  }
  lifts.sort((a, b) => a - b);
  return [lifts[Math.floor(0.025 * resamples)]!, lifts[Math.min(resamples - 1, Math.floor(0.975 * resamples))]!];
}

function figure(globalRanks: readonly number[], localRanks: readonly number[], seed: number): LiftFigure {
  const global = metricsOfRanks(globalRanks);
  const local = metricsOfRanks(localRanks);
  const g = globalRanks.map((r) => ndcgAt(r, 10));
  const l = localRanks.map((r) => ndcgAt(r, 10));
  return { lift: global.ndcg10 > 0 ? local.ndcg10 / global.ndcg10 - 1 : 0, ci: pairedBootstrap(g, l, seed), global, local };
}

/** The sample: `count` test users (with their sampled-protocol negatives), drawn once per seed. */
export function liftSample(test: readonly EvalUser[], negatives: readonly Int32Array[], count: number, seed: number) {
  const picked = liftSampleIndices(test.length, count, seed);
  return { users: picked.map((i) => test[i]!), negatives: picked.map((i) => negatives[i]!) };
}

/** Ranks of each user's target under one scorer: all items (history excluded) and the sampled candidates. */
async function ranksOf(scorer: DeviceScorer, users: readonly EvalUser[], negatives: readonly Int32Array[], itemCount: number) {
  const ranker = await deviceRanker(scorer, users);
  return { all: (await allItems(ranker, users, itemCount)).ranks, sampled: sampled(ranker, users, negatives).ranks };
}

/** Global against local learning on the sample; `negatives[i]` are user i's sampled-protocol candidates. */
export async function personalLift(m: LiftModel, users: readonly EvalUser[], negatives: readonly Int32Array[], itemCount: number, o: LiftOptions): Promise<LiftResult> {
  const started = performance.now();
  const global = new DeviceScorer(m.config, m.specs, m.weights, m.items);
  const trainer = createTrainerCore(async () => tf.getBackend() as BackendName);
  try {
    const base = await ranksOf(global, users, negatives, itemCount);
    const upTo = users.map((u) => lastTrainingEvent(u.history.length, o.trainEvery));
    const shown = await shownLists(o.shown, global, users.map((u) => u.history), upTo, o.listSize, itemCount, seeded(o.seed ^ 0x5407));
    const localAll = [...base.all];
    const localSampled = [...base.sampled];
    let trainedUsers = 0;
    let targetShown = 0;
    let steps = 0;
    for (let i = 0; i < users.length; i++) {
      const u = users[i]!;
      const r = await replayVisitor(trainer, { history: u.history, shown: shown[i]!, items: m.items, config: m.config, specs: m.specs, global: m.weights, trainEvery: o.trainEvery, key: `lift#${o.seed}#${i}`, ...(o.recipe ? { recipe: o.recipe } : {}) });
      if (r.calls === 0) continue;
      trainedUsers++;
      if (shown[i]!.some((list) => list?.includes(u.target))) targetShown++;
      steps += r.steps;
      const local = new DeviceScorer(m.config, m.specs, r.personal, m.items);
      try {
        const one = await ranksOf(local, [u], [negatives[i]!], itemCount);
        localAll[i] = one.all[0]!;
        localSampled[i] = one.sampled[0]!;
      } finally {
        local.dispose();
      }
      if ((i + 1) % 500 === 0) o.log(`  personal lift: ${i + 1}/${users.length} users (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
    return {
      users: users.length,
      trainedUsers,
      targetShown,
      steps,
      seconds: (performance.now() - started) / 1000,
      allItems: figure(base.all, localAll, o.seed),
      sampled: figure(base.sampled, localSampled, o.seed + 1),
    };
  } finally {
    trainer.dispose();
    global.dispose();
  }
}

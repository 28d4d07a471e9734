// The local training recipe the worker runs and the job it sends to its trainer. Kept apart from
// local-learning.ts (which starts the training worker through a bundler-only import) so Node tools such as
// the federated simulation and the personal-lift benchmark run exactly this job, from the same visitor state.
import { buildTrainingBatch, countExamples } from '../src/shared/model/examples.js';
import type { TrainingBatch } from '../src/shared/model/model.js';
import type { ModelConfig, WeightSpec } from '../src/shared/protocol.js';
import { negativeVectors, trainingEvents } from './local-trainer.js';
import type { TrainJob, TrainOutcome } from './trainer-api.js';
import type { VisitorState } from './visitor-state.js';

/**
 * The local recipe: plain SGD from the published version over the visitor's own examples, `steps` steps per
 * training call. One state serves both uses: the visitor's own re-ranking uses these weights, and the upload
 * is their displacement from the base version (the engine's pendingDelta), i.e. the SGD displacement, which
 * averages across visitors into a descent direction. One step per call: a single step's displacement is exactly
 * −lr·∇loss on the visitor's batch, so the server's mean is the cohort's gradient (FedSGD) and FedAdam on it
 * learns like central Adam; several steps on one visitor's short sequence bend away from it (3 steps at lr 0.02,
 * and even 3 at lr 0.0067, reached 71–73% of central NDCG@10 on the federated benchmark where 1 step reached
 * 89% in the same 60 rounds; docs/BENCHMARKS.md, ## Federated). lr 0.02 keeps the visitor's own ranking moving
 * after their first few events (one step of the earlier recipe's size). scripts/federated/simulate.ts runs
 * exactly this job.
 */
export const LOCAL_TRAINING = Object.freeze({ optimizer: 'sgd' as const, steps: 1, learningRate: 0.02 });

/** The trainer job local learning sends: `steps` steps of the local recipe from `weights` (a new `key` starts over from them). */
export function localTrainJob(
  key: string,
  config: ModelConfig,
  specs: readonly WeightSpec[],
  weights: Float32Array,
  batch: TrainingBatch,
  steps: number = LOCAL_TRAINING.steps,
  learningRate: number = LOCAL_TRAINING.learningRate,
): TrainJob {
  return { key, config, specs, weights, batch, steps, learningRate, optimizer: LOCAL_TRAINING.optimizer };
}

/** What a training call reads of the visitor. */
export type VisitorExamples = Pick<VisitorState, 'history' | 'vectors' | 'shown' | 'engaged'>;

/**
 * The batch of one training call: the visitor's own sequence (what they chose next is the positive) against
 * the items shown and passed over (negatives); null when there is nothing to learn from yet.
 */
export function visitorBatch(visitor: VisitorExamples, config: ModelConfig): TrainingBatch | null {
  const events = trainingEvents(visitor.history, visitor.vectors);
  const negatives = negativeVectors(visitor.shown, visitor.engaged, visitor.vectors);
  if (countExamples(events, config) === 0 || negatives.length === 0) return null;
  return buildTrainingBatch([events], negatives, config);
}

/** The trainer a training call uses: the training worker, the in-thread fallback, or a Node tool's trainer core. */
export interface RecipeTrainer {
  train(job: TrainJob): Promise<TrainOutcome>;
}

/**
 * The visitor's own ranking: `steps` SGD steps at `learningRate` from the published version on the visitor's batch,
 * redone at every training call (so it follows the whole recent history, not a drift of earlier calls). Kept on the
 * device and never uploaded: the upload stays the one-step displacement of LOCAL_TRAINING. steps 0: the visitor's
 * ranking uses the upload's weights.
 */
export const PERSONAL_TRAINING = Object.freeze({ steps: 0, learningRate: 0.05 });

export interface Recipe {
  readonly upload: { readonly steps: number; readonly learningRate: number };
  readonly personal: { readonly steps: number; readonly learningRate: number };
}

export const RECIPE: Recipe = Object.freeze({ upload: LOCAL_TRAINING, personal: PERSONAL_TRAINING });

export interface RecipeOutcome {
  /** The upload's weights: base + the one-step displacements so far. */
  weights: Float32Array;
  /** The weights the visitor's ranking uses: the personal fine-tune, or `weights` when it is off. */
  personal: Float32Array;
  /** Optimiser steps run in all. */
  steps: number;
}

/**
 * One training call of the recipe. The upload's track: `recipe.upload.steps` jobs from `start` (the trainer keeps its
 * model for `key`, so `start` only seeds a fresh trainer). The personal track, when on: one job of
 * `recipe.personal.steps` steps from `base` under its own key `personalKey` (a new key per call starts from `base`).
 * Every job waits for `idle()`.
 */
export async function runLocalRecipe(
  trainer: RecipeTrainer,
  keys: { upload: string; personal: string },
  config: ModelConfig,
  specs: readonly WeightSpec[],
  base: Float32Array,
  start: Float32Array,
  batch: TrainingBatch,
  idle: () => Promise<void> = async () => {},
  recipe: Recipe = RECIPE,
): Promise<RecipeOutcome> {
  let weights = start;
  for (let i = 0; i < recipe.upload.steps; i++) {
    await idle();
    weights = (await trainer.train(localTrainJob(keys.upload, config, specs, weights, batch, 1, recipe.upload.learningRate))).weights;
  }
  if (recipe.personal.steps === 0) return { weights, personal: weights, steps: recipe.upload.steps };
  await idle();
  const out = await trainer.train(localTrainJob(keys.personal, config, specs, base, batch, recipe.personal.steps, recipe.personal.learningRate));
  return { weights, personal: out.weights, steps: recipe.upload.steps + recipe.personal.steps };
}

// The local training recipe the worker runs and the job it sends to its trainer. Kept apart from
// local-learning.ts (which starts the training worker through a bundler-only import) so Node tools such as
// the federated simulation run exactly this job.
import type { TrainingBatch } from '../src/shared/model/model.js';
import type { ModelConfig, WeightSpec } from '../src/shared/protocol.js';
import type { TrainJob } from './trainer-api.js';

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

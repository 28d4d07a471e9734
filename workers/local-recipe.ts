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
 * averages across visitors into a descent direction. (A fresh Adam per version moved every weight by about
 * ±lr whatever its gradient, and the averaged updates hurt the global model.) The learning rate is large
 * enough that 3 steps move the weights about as far as the earlier Adam steps did, so the visitor's own
 * ranking still adapts after their first few events. scripts/federated/simulate.ts runs exactly this job.
 */
export const LOCAL_TRAINING = Object.freeze({ optimizer: 'sgd' as const, steps: 3, learningRate: 0.02 });

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

// The seam between the engine worker and its training worker: plain data only (weights and batches as typed
// arrays, transferred). The trainer holds its own copy of the model and its optimiser state between jobs.
import type { BackendName } from '../src/shared/engine-api.js';
import type { ModelConfig, WeightSpec } from '../src/shared/protocol.js';
import type { TrainingBatch } from '../src/shared/model/model.js';

export interface TrainJob {
  /** Identifies the weights the trainer should start from; a new key (new base version, restored state) resets it. */
  readonly key: string;
  readonly config: ModelConfig;
  readonly specs: readonly WeightSpec[];
  /** Starting weights, used when the trainer has no model for `key` yet. */
  readonly weights: Float32Array;
  readonly batch: TrainingBatch;
  readonly steps: number;
  readonly learningRate: number;
  /** 'sgd': plain SGD steps (what local learning runs: its displacement is the federated update); 'adam' (default): Adam, moments kept per key. */
  readonly optimizer?: 'adam' | 'sgd';
}

export interface TrainOutcome {
  readonly weights: Float32Array;
  readonly loss: number | null;
  readonly steps: number;
  /** Wall time of the optimiser steps inside the trainer. */
  readonly ms: number;
  readonly backend: BackendName;
}

export interface TrainerApi {
  train(job: TrainJob): Promise<TrainOutcome>;
}

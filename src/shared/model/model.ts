// A loaded model: the manifest's config and its weights as tfjs variables, with the inference and training
// entry points the worker and the Node tools call. Owns its tensors; call dispose() when done.
// Never reads tensors back synchronously (WebGPU): results are read with `await tensor.data()`.
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig, WeightSpec } from '../protocol.js';
import { currentState, scoreCandidates, type SequenceTensors } from './encoder.js';
import type { SequenceArrays } from './sequence.js';
import { nextItemLoss } from './train.js';
import { flatten, parameterCount, unflatten, type WeightArrays } from './weights.js';

/** Inputs of one re-rank: a visitor sequence and n candidates. */
export interface RerankInput {
  sequence: SequenceArrays;
  /** [n·itemDim] candidate vectors, row-major. */
  vectors: Float32Array;
  /** [n] the shop's ranks, 0-based. */
  serverRanks: Float32Array;
}

/** A batch of training sequences in flat arrays (see TrainingTargets for shapes). */
export interface TrainingBatch {
  items: Float32Array;
  types: Float32Array;
  mask: Float32Array;
  next: Float32Array;
  weight: Float32Array;
  negatives: Float32Array;
  batchSize: number;
  negativeCount: number;
}

export class ShelfModel {
  readonly config: ModelConfig;
  readonly specs: readonly WeightSpec[];
  private readonly vars: Record<string, tf.Variable>;
  private optimizer: tf.Optimizer | null = null;

  constructor(config: ModelConfig, specs: readonly WeightSpec[], weights: WeightArrays) {
    this.config = config;
    this.specs = specs;
    this.vars = {};
    for (const spec of specs) {
      const values = weights[spec.name];
      if (!values) throw new RangeError(`missing weight ${spec.name}`);
      const name = `shelf/${spec.name}/${nextId++}`;
      this.vars[spec.name] = tf.tidy(() => tf.variable(tf.tensor(values, spec.shape), true, name));
    }
  }

  static fromFlat(config: ModelConfig, specs: readonly WeightSpec[], flat: Float32Array): ShelfModel {
    return new ShelfModel(config, specs, unflatten(specs, flat));
  }

  get parameterCount(): number {
    return parameterCount(this.specs);
  }

  /** Scores candidates for the visitor's sequence. Returns one score per candidate (higher = better). */
  async score(input: RerankInput): Promise<Float32Array> {
    const n = input.serverRanks.length;
    const c = this.config;
    const out = tf.tidy(() => {
      const seq = sequenceTensors(c, input.sequence.items, input.sequence.types, input.sequence.mask, 1);
      const state = tf.reshape(currentState(this.vars, c, seq), [c.itemDim]) as tf.Tensor1D;
      const vectors = tf.tensor2d(input.vectors, [n, c.itemDim]);
      return scoreCandidates(this.vars, state, vectors, tf.tensor1d(input.serverRanks));
    });
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  }

  /** One optimiser step on a batch; returns the loss before the step. */
  async trainStep(batch: TrainingBatch, learningRate = 0.01): Promise<number> {
    // Adam's epsilon must be explicit: its default differs between backends.
    this.optimizer ??= tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
    const c = this.config;
    const loss = tf.tidy(() => {
      const seq = sequenceTensors(c, batch.items, batch.types, batch.mask, batch.batchSize);
      const targets = {
        next: tf.tensor3d(batch.next, [batch.batchSize, c.maxLen, c.itemDim]),
        weight: tf.tensor2d(batch.weight, [batch.batchSize, c.maxLen]),
        negatives: tf.tensor2d(batch.negatives, [batch.negativeCount, c.itemDim]),
      };
      const value = this.optimizer!.minimize(() => nextItemLoss(this.vars, c, seq, targets), true, Object.values(this.vars));
      return value ?? tf.scalar(Number.NaN);
    });
    try {
      return (await loss.data())[0]!;
    } finally {
      loss.dispose();
    }
  }

  /** Current weights, flat in spec order. */
  async toFlat(): Promise<Float32Array> {
    const arrays: WeightArrays = {};
    for (const spec of this.specs) arrays[spec.name] = (await this.vars[spec.name]!.data()) as Float32Array;
    return flatten(this.specs, arrays);
  }

  /** Replaces all weights (e.g. after a new global version arrives) and resets the optimiser. */
  assign(flat: Float32Array): void {
    const arrays = unflatten(this.specs, flat);
    tf.tidy(() => {
      for (const spec of this.specs) this.vars[spec.name]!.assign(tf.tensor(arrays[spec.name]!, spec.shape));
    });
    this.resetOptimizer();
  }

  resetOptimizer(): void {
    this.optimizer?.dispose();
    this.optimizer = null;
  }

  dispose(): void {
    this.resetOptimizer();
    for (const v of Object.values(this.vars)) v.dispose();
  }
}

let nextId = 0;

function sequenceTensors(c: ModelConfig, items: Float32Array, types: Float32Array, mask: Float32Array, b: number): SequenceTensors {
  return {
    items: tf.tensor3d(items, [b, c.maxLen, c.itemDim]),
    types: tf.tensor3d(types, [b, c.maxLen, c.eventTypes]),
    mask: tf.tensor2d(mask, [b, c.maxLen]),
  };
}

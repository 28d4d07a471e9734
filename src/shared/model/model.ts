// A loaded model: the manifest's config and its weights as tfjs variables, with the inference and training
// entry points the worker and the Node tools call. Owns its tensors; call dispose() when done.
// Never reads tensors back synchronously (WebGPU): results are read with `await tensor.data()`.
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig, WeightSpec } from '../protocol.js';
import { currentState, scoreCandidates, type SequenceTensors } from './encoder.js';
import type { SequenceArrays } from './sequence.js';
import { sameSequence, scoreWithState } from './state-scoring.js';
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
  /** Bumped whenever the weights change, so a cached state computed with older weights is not reused. */
  private weightsVersion = 0;
  private cached: { version: number; sequence: SequenceArrays; state: Promise<Float32Array> } | null = null;
  private blendCache: { version: number; blend: Promise<Float32Array> } | null = null;

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

  /**
   * The visitor's state [itemDim] for a sequence: one forward pass per distinct sequence and weights, then
   * reused (the last result is kept; concurrent callers share the pending pass). The sequence is copied.
   */
  state(sequence: SequenceArrays): Promise<Float32Array> {
    const hit = this.cached;
    if (hit && hit.version === this.weightsVersion && sameSequence(hit.sequence, sequence)) return hit.state;
    const c = this.config;
    const own = { items: sequence.items.slice(), types: sequence.types.slice(), mask: sequence.mask.slice(), length: sequence.length };
    const out = tf.tidy(() => currentState(this.vars, c, sequenceTensors(c, own.items, own.types, own.mask, 1)));
    const state = out.data().then((v) => v as Float32Array).finally(() => out.dispose());
    const entry = { version: this.weightsVersion, sequence: own, state };
    this.cached = entry;
    // A failed pass must not stay cached.
    state.catch(() => {
      if (this.cached === entry) this.cached = null;
    });
    return state;
  }

  /** Drops the cached state, so the next call runs the encoder again on the current backend. */
  forgetState(): void {
    this.cached = null;
  }

  /**
   * The same scores as score(), from the cached state with Float32Array dot products: a re-rank costs O(n·d)
   * plain arithmetic once the state is known, with no tensor created per call. `modelWeight` (in [0, 1]) scales
   * the model's part of the blend (blend[0]), not the shop's rank prior: 0 leaves the shop's order (blend[1] is
   * never negative; at 0 every score ties and ties keep the shop's order), 1 (the default) gives score()'s scores.
   * The engine's ranking guard (workers/resemblance-guard.ts) sets it.
   */
  async scoreFast(input: RerankInput, modelWeight = 1): Promise<Float32Array> {
    const [state, blend] = await Promise.all([this.state(input.sequence), this.blend()]);
    const weighted = modelWeight === 1 ? blend : Float32Array.of(blend[0]! * modelWeight, blend[1]!);
    return scoreWithState(state, weighted, input.vectors, input.serverRanks);
  }

  private blend(): Promise<Float32Array> {
    if (this.blendCache?.version !== this.weightsVersion) {
      const entry = { version: this.weightsVersion, blend: this.vars['blend']!.data().then((v) => v as Float32Array) };
      entry.blend.catch(() => {
        if (this.blendCache === entry) this.blendCache = null;
      });
      this.blendCache = entry;
    }
    return this.blendCache!.blend;
  }

  /** Compiles and runs the encoder once (shaders, wasm kernels) so the first real re-rank does not pay for it. */
  async warmUp(): Promise<void> {
    const c = this.config;
    const mask = new Float32Array(c.maxLen);
    mask[c.maxLen - 1] = 1;
    const out = tf.tidy(() => currentState(this.vars, c, sequenceTensors(c, new Float32Array(c.maxLen * c.itemDim), new Float32Array(c.maxLen * c.eventTypes), mask, 1)));
    try {
      await out.data();
      await this.blend();
    } finally {
      out.dispose();
    }
  }

  /** One optimiser step on a batch; returns the loss before the step. */
  async trainStep(batch: TrainingBatch, learningRate = 0.01): Promise<number> {
    this.weightsVersion++;
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

  /**
   * One plain SGD step (w ← w − lr·∇loss) on a batch; returns the loss before the step. Stateless: the
   * displacement is proportional to the gradient, so many visitors' displacements average into a descent
   * direction (a fresh Adam moves every weight by about ±lr whatever the gradient). Leaves Adam's state alone.
   */
  async sgdStep(batch: TrainingBatch, learningRate: number): Promise<number> {
    this.weightsVersion++;
    const c = this.config;
    const vars = Object.values(this.vars);
    const loss = tf.tidy(() => {
      const seq = sequenceTensors(c, batch.items, batch.types, batch.mask, batch.batchSize);
      const targets = {
        next: tf.tensor3d(batch.next, [batch.batchSize, c.maxLen, c.itemDim]),
        weight: tf.tensor2d(batch.weight, [batch.batchSize, c.maxLen]),
        negatives: tf.tensor2d(batch.negatives, [batch.negativeCount, c.itemDim]),
      };
      const { value, grads } = tf.variableGrads(() => nextItemLoss(this.vars, c, seq, targets), vars);
      for (const v of vars) {
        const g = grads[v.name];
        if (g) v.assign(tf.sub(v, tf.mul(g, learningRate)));
      }
      return value;
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
    this.weightsVersion++;
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

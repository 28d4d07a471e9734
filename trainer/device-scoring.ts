// Scores candidates with a trained device model, many visitors at a time, by the worker's own functions
// (encoder.ts currentState + scoreCandidates' formula) on the worker's weights, and checks a sample of visitors
// against ShelfModel.score — the exact call the worker makes — so the batch path cannot drift from it.
// Never reads the server's item table except to look up the vectors the server would send.
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig, WeightSpec } from '../src/shared/protocol.js';
import { currentState } from '../src/shared/model/encoder.js';
import { ShelfModel } from '../src/shared/model/model.js';
import { buildSequence } from '../src/shared/model/sequence.js';
import { unflatten } from '../src/shared/model/weights.js';
import { eventTypeAt, sequenceBatch } from './training-data.js';

export class DeviceScorer {
  readonly config: ModelConfig;
  readonly d: number;
  private readonly weights: Record<string, tf.Tensor>;
  readonly blend: [number, number];
  private readonly specs: readonly WeightSpec[];
  private readonly flat: Float32Array;
  /** The server's item vectors, row = item id (what it sends with each candidate). */
  readonly items: Float32Array;

  constructor(config: ModelConfig, specs: readonly WeightSpec[], flat: Float32Array, items: Float32Array) {
    this.config = config;
    this.d = config.itemDim;
    this.specs = specs;
    this.flat = flat;
    this.items = items;
    const arrays = unflatten(specs, flat);
    this.weights = {};
    for (const s of specs) this.weights[s.name] = tf.tensor(arrays[s.name]!, s.shape);
    const b = arrays['blend']!;
    this.blend = [b[0]!, b[1]!];
  }

  /**
   * Device states [histories.length · itemDim] for histories of item ids (last maxLen used). Histories are encoded
   * in groups of similar length, each over a window just long enough for its longest (the last positions of the
   * position embedding): the encoder masks padding out of attention and out of every real position, so this is the
   * full window's result at a fraction of its cost (the worker-path check compares it with ShelfModel.score).
   */
  async states(histories: readonly Int32Array[], groupSize = 512): Promise<Float32Array> {
    const d = this.d;
    const maxLen = this.config.maxLen;
    const used = (h: Int32Array) => Math.min(h.length, maxLen);
    const order = histories.map((_, i) => i).sort((x, y) => used(histories[x]!) - used(histories[y]!));
    const out = new Float32Array(histories.length * d);
    for (let i = 0; i < order.length; i += groupSize) {
      const rows = order.slice(i, i + groupSize);
      const chunk = rows.map((r) => histories[r]!);
      const len = Math.max(1, ...chunk.map(used));
      const config = { ...this.config, maxLen: len };
      const t = tf.tidy(() => currentState(this.windowWeights(len), config, sequenceBatch(chunk, this.items, config)));
      const data = (await t.data()) as Float32Array;
      t.dispose();
      rows.forEach((r, k) => out.set(data.subarray(k * d, k * d + d), r * d));
    }
    return out;
  }

  private readonly windows = new Map<number, Record<string, tf.Tensor>>();

  /** The weights with the position embedding cut to its last `len` rows (a window of `len` positions). */
  private windowWeights(len: number): Record<string, tf.Tensor> {
    const maxLen = this.config.maxLen;
    if (len === maxLen) return this.weights;
    let w = this.windows.get(len);
    if (!w) {
      const pos = this.weights['position_embedding']!;
      w = { ...this.weights, position_embedding: tf.keep(tf.slice(pos, [maxLen - len, 0], [len, pos.shape[1]!])) };
      this.windows.set(len, w);
    }
    return w;
  }

  /** scoreCandidates' formula for one visitor: blend0·(state·v) + blend1·(−log2(1+rank)). */
  score(states: Float32Array, row: number, item: number, serverRank = 0): number {
    const d = this.d;
    let dot = 0;
    for (let j = 0; j < d; j++) dot += states[row * d + j]! * this.items[item * d + j]!;
    return this.blend[0] * dot + this.blend[1] * -Math.log2(1 + serverRank);
  }

  /** Scores of all items 1..itemCount for a block of states, as [rows, itemCount+1] (column 0 unused). */
  async allItemScores(states: Float32Array, rows: number): Promise<Float32Array> {
    const n = this.items.length / this.d;
    const t = tf.tidy(() => {
      const s = tf.tensor2d(states.subarray(0, rows * this.d), [rows, this.d]);
      const itemsT = tf.transpose(tf.tensor2d(this.items, [n, this.d])); // [d, n]: an untransposed product
      return tf.mul(tf.matMul(s, itemsT), this.blend[0]);
    });
    const out = (await t.data()) as Float32Array;
    t.dispose();
    return out;
  }

  /**
   * Re-scores `cases` through ShelfModel.score (the worker's call) and returns the largest absolute difference
   * from this scorer's scores for the same candidates and server ranks.
   */
  async checkAgainstWorkerPath(cases: readonly { history: Int32Array; candidates: Int32Array; ranks: Float32Array; scores: Float32Array }[]): Promise<number> {
    const model = ShelfModel.fromFlat(this.config, this.specs, this.flat);
    let worst = 0;
    try {
      for (const c of cases) {
        const events = Array.from(c.history, (id, i) => ({ vector: this.items.subarray(id * this.d, id * this.d + this.d), typeIndex: eventTypeAt(c.history, i) }));
        const vectors = new Float32Array(c.candidates.length * this.d);
        c.candidates.forEach((id, i) => vectors.set(this.items.subarray(id * this.d, id * this.d + this.d), i * this.d));
        const got = await model.score({ sequence: buildSequence(events, this.config), vectors, serverRanks: c.ranks });
        got.forEach((s, i) => (worst = Math.max(worst, Math.abs(s - c.scores[i]!) / Math.max(1, Math.abs(c.scores[i]!)))));
      }
    } finally {
      model.dispose();
    }
    return worst;
  }

  dispose(): void {
    for (const w of this.windows.values()) w['position_embedding']!.dispose();
    this.windows.clear();
    for (const t of Object.values(this.weights)) t.dispose();
  }
}

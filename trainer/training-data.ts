// The trainer's inputs: training examples (each user's leave-one-out training prefix), length-bucketed batches,
// the negative samplers, the validation users that pick the epoch kept, and right-aligned input tensors.
// Must never hand the training loop a validation or test target.
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../src/shared/protocol.js';
import { splitLeaveOneOut, type Dataset } from './data.js';
import { sampleNegatives, seeded, shuffle } from './rng.js';

/** Every sequence event of the benchmark data sets is a review, i.e. a purchase (row 3 of SEQUENCE_TYPES). */
export const PURCHASE_TYPE = 3;

/**
 * Event types of a shop's sequences (rows of SEQUENCE_TYPES), kept by the sequence's own buffer so that every
 * subarray the split, the batches and the protocols cut from it finds its types without another parameter.
 * Sequences without types (the benchmark data sets) are all purchases.
 */
const typesByBuffer = new WeakMap<ArrayBufferLike, Uint8Array>();

/** A sequence of item ids with its event types; it owns its buffer (a copy), so its subarrays find the types. */
export function typedSequence(ids: ArrayLike<number>, types: ArrayLike<number>): Int32Array {
  if (ids.length !== types.length) throw new RangeError('ids and types differ in length');
  const seq = Int32Array.from(ids);
  typesByBuffer.set(seq.buffer, Uint8Array.from(types));
  return seq;
}

/** The type row of position i of a sequence (or a subarray of one). */
export function eventTypeAt(seq: Int32Array, i: number): number {
  const all = typesByBuffer.get(seq.buffer);
  return all ? all[seq.byteOffset / 4 + i]! : PURCHASE_TYPE;
}

export interface Example {
  /** Training prefix of one user (everything but the last two items), at most maxLen+1 long. */
  seq: Int32Array;
}

export function examples(ds: Dataset, maxLen: number): Example[] {
  const out: Example[] = [];
  for (const s of ds.sequences) {
    const { train } = splitLeaveOneOut(s);
    if (train.length >= 2) out.push({ seq: train.subarray(Math.max(0, train.length - (maxLen + 1))) });
  }
  return out;
}

/** Batches of users of similar length, in a shuffled order; each trimmed to its longest input. */
export function makeBatches(ex: Example[], batchSize: number, rand: () => number): Example[][] {
  const order = shuffle([...ex], rand).sort((a, b) => a.seq.length - b.seq.length);
  const batches: Example[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return shuffle(batches, rand);
}

export interface NegativeSampler {
  draw(): Int32Array;
  /** log q(item) of the proposal, indexed by item id; null for the uniform one (a constant that cancels). */
  logQ: Float32Array | null;
}

export function negativeSampler(kind: 'uniform' | 'mixed', ex: readonly Example[], itemCount: number, count: number, rand: () => number): NegativeSampler {
  if (kind === 'uniform') {
    const distinct = Math.min(count, itemCount - 1);
    return { draw: () => sampleNegatives(rand, itemCount, distinct, new Set()), logQ: null };
  }
  const weight = new Float64Array(itemCount + 1);
  for (const e of ex) for (const id of e.seq) weight[id]!++;
  let total = 0;
  for (let i = 1; i <= itemCount; i++) total += weight[i] = weight[i]! ** 0.75;
  const cumulative = new Float64Array(itemCount + 1);
  const logQ = new Float32Array(itemCount + 1);
  for (let i = 1; i <= itemCount; i++) {
    cumulative[i] = cumulative[i - 1]! + weight[i]! / total;
    logQ[i] = Math.log(0.5 / itemCount + (0.5 * weight[i]!) / total);
  }
  const byCount = (): number => {
    const u = rand();
    let lo = 1;
    let hi = itemCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return { draw: () => Int32Array.from({ length: count }, () => (rand() < 0.5 ? 1 + Math.floor(rand() * itemCount) : byCount())), logQ };
}

/** [targets, 1 + negatives] additive mask: −1e9 where a shared negative is that row's own target. */
export function targetHits(targets: readonly number[], negIds: Int32Array): Float32Array {
  const negCol = new Map<number, number>();
  negIds.forEach((id, k) => negCol.set(id, k));
  const hits = new Float32Array(targets.length * (negIds.length + 1));
  targets.forEach((t, i) => {
    const k = negCol.get(t);
    if (k !== undefined) hits[i * (negIds.length + 1) + 1 + k] = -1e9;
  });
  return hits;
}

export interface ValidUser {
  history: Int32Array;
  target: number;
  negatives: Int32Array;
}

export function validationSet(ds: Dataset, count: number, seed: number): { users: ValidUser[] } {
  const rand = seeded(seed ^ 0x5eed);
  const candidates = ds.sequences.filter((s) => s.length >= 3);
  const picked = shuffle([...candidates], rand).slice(0, count);
  return {
    users: picked.map((s) => {
      const { train, valid } = splitLeaveOneOut(s);
      // 100 sampled negatives (the published protocol); a shop with fewer items than that gets every other item.
      const seen = new Set(s);
      return { history: train, target: valid!, negatives: sampleNegatives(rand, ds.itemCount, Math.min(100, ds.itemCount - 1 - seen.size), seen) };
    }),
  };
}

/** Right-aligned input tensors for sequences of item ids, using item vectors from a flat table. */
export function sequenceBatch(histories: readonly Int32Array[], items: Float32Array, c: ModelConfig) {
  const { maxLen: l, itemDim: d, eventTypes: t } = c;
  const b = histories.length;
  const x = new Float32Array(b * l * d);
  const types = new Float32Array(b * l * t);
  const mask = new Float32Array(b * l);
  histories.forEach((h, r) => {
    const recent = h.subarray(Math.max(0, h.length - l));
    const start = l - recent.length;
    recent.forEach((id, i) => {
      const p = r * l + start + i;
      x.set(items.subarray(id * d, id * d + d), p * d);
      types[p * t + eventTypeAt(recent, i)] = 1;
      mask[p] = 1;
    });
  });
  return { items: tf.tensor3d(x, [b, l, d]), types: tf.tensor3d(types, [b, l, t]), mask: tf.tensor2d(mask, [b, l]) };
}

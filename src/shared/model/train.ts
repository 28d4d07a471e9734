// The training objective shared by local (on-device) training and the Node trainer: next-item prediction
// with a softmax over the true next item and a set of negatives, weighted per position.
// Pure tensor code; callers own the optimiser and the variables.
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../protocol.js';
import { encode, type SequenceTensors, type WeightTensors } from './encoder.js';

/** Supervision for a batch of sequences. */
export interface TrainingTargets {
  /** [batch, maxLen, itemDim] vector of the item that follows each position (zeros where none). */
  next: tf.Tensor3D;
  /** [batch, maxLen] weight of each position's target (0 = no target; purchases weigh more than views). */
  weight: tf.Tensor2D;
  /** [k, itemDim] negatives shared by the batch (items shown and not chosen, or sampled items). */
  negatives: tf.Tensor2D;
}

/** Weighted mean cross-entropy of the true next item against the negatives. Returns a scalar. */
export function nextItemLoss(w: WeightTensors, c: ModelConfig, s: SequenceTensors, t: TrainingTargets): tf.Scalar {
  const states = encode(w, c, s);
  const [b, l, d] = states.shape;
  const flat = tf.reshape(states, [b * l, d]);
  const scale = tf.slice(w['blend']!, [0], [1]);
  const pos = tf.mul(tf.sum(tf.mul(flat, tf.reshape(t.next, [b * l, d])), 1, true), scale);
  const neg = tf.mul(tf.matMul(flat, t.negatives, false, true), scale);
  const logits = tf.concat([pos, neg], 1);
  const perPosition = tf.sub(tf.logSumExp(logits, 1), tf.reshape(pos, [-1]));
  const weight = tf.reshape(t.weight, [-1]);
  return tf.div(tf.sum(tf.mul(perPosition, weight)), tf.maximum(tf.sum(weight), 1e-6)) as tf.Scalar;
}

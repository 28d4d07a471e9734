// The forward pass: a causal self-attention encoder (SASRec-style, `blocks` blocks, default one) over the visitor's recent
// events, and the scoring of candidates by dot product with their item vectors, blended with the shop's order.
// Identical in the worker and in Node. Holds no per-item table. Must not read tensors back (no dataSync):
// WebGPU readback is async, so callers read results outside tf.tidy.
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../protocol.js';
import { blockCount, blockPrefix } from './weights.js';

/** The model's weights as tensors (or variables), keyed by weight spec name. */
export type WeightTensors = Readonly<Record<string, tf.Tensor>>;

/** A batch of visitor sequences, right-aligned (the latest event is the last position). */
export interface SequenceTensors {
  /** [batch, maxLen, itemDim] item vectors, zeros at padding. */
  items: tf.Tensor3D;
  /** [batch, maxLen, eventTypes] one-hot event types, zeros at padding. */
  types: tf.Tensor3D;
  /** [batch, maxLen] 1 for a real event, 0 for padding. */
  mask: tf.Tensor2D;
}

const NEG_INF = -1e9;

function get(w: WeightTensors, name: string): tf.Tensor {
  const t = w[name];
  if (!t) throw new RangeError(`missing weight ${name}`);
  return t;
}

function layerNorm(x: tf.Tensor3D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor3D {
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-6)));
  return tf.add(tf.mul(normed, gamma), beta) as tf.Tensor3D;
}

/** [b, l, n] × [n, m] → [b, l, m] as one 2-D product (one kernel, no batched matmul). */
function project(x: tf.Tensor3D, w: tf.Tensor): tf.Tensor3D {
  const [b, l, n] = x.shape;
  const m = w.shape[1]!;
  return tf.reshape(tf.matMul(tf.reshape(x, [b * l, n]), w as tf.Tensor2D), [b, l, m]);
}

/** Additive attention bias [batch, maxLen, maxLen]: no looking ahead, no attending to padding. */
function attentionBias(mask: tf.Tensor2D): tf.Tensor3D {
  const l = mask.shape[1];
  const causal = tf.linalg.bandPart(tf.ones([l, l]), -1, 0); // lower triangle incl. diagonal
  const allowed = tf.mul(causal, tf.expandDims(mask, 1)); // [b, l, l]
  // A padding query attends to itself so its softmax stays finite; its output is masked away later.
  const self = tf.mul(tf.eye(l), tf.expandDims(tf.sub(1, mask), 2));
  return tf.mul(tf.sub(1, tf.add(allowed, self)), NEG_INF) as tf.Tensor3D;
}

/** Training-only options of the forward pass; inference passes none. */
export interface EncodeOptions {
  /** Dropout rate on the embedded input and on each block's attention and feed-forward outputs (0 = none). */
  dropout?: number;
  /** Seeds the dropout masks (the k-th mask of this call uses seed + k), so a training run can be repeated exactly. */
  dropoutSeed?: number;
}

/**
 * Encodes sequences into the visitor's state at every position, in item-vector space: [batch, maxLen, itemDim].
 * State t summarises events 0..t and is compared with the item vectors of what comes next.
 */
export function encode(w: WeightTensors, c: ModelConfig, s: SequenceTensors, options: EncodeOptions = {}): tf.Tensor3D {
  const rate = options.dropout ?? 0;
  let masks = 0;
  const seed = options.dropoutSeed;
  const drop = (t: tf.Tensor3D): tf.Tensor3D => (rate > 0 ? (tf.dropout(t, rate, undefined, seed === undefined ? undefined : seed + masks++) as tf.Tensor3D) : t);
  const mask3 = tf.expandDims(s.mask, 2);
  let x = project(s.items, get(w, 'input_proj'));
  x = tf.add(x, project(s.types, get(w, 'type_embedding')));
  x = drop(tf.mul(tf.add(x, get(w, 'position_embedding')), mask3) as tf.Tensor3D);
  const bias = attentionBias(s.mask);
  for (let i = 0; i < blockCount(c); i++) x = block(w, c, x, mask3, bias, blockPrefix(i), drop);
  const out = layerNorm(x, get(w, 'lnf_gamma'), get(w, 'lnf_beta'));
  return project(out, get(w, 'output_proj'));
}

/** One pre-norm block: causal self-attention then a feed-forward layer, each with a residual connection. */
function block(
  w: WeightTensors,
  c: ModelConfig,
  input: tf.Tensor3D,
  mask3: tf.Tensor,
  bias: tf.Tensor3D,
  p: string,
  drop: (t: tf.Tensor3D) => tf.Tensor3D,
): tf.Tensor3D {
  const a = layerNorm(input, get(w, `${p}ln1_gamma`), get(w, `${p}ln1_beta`));
  const q = project(a, get(w, `${p}query`));
  const k = project(a, get(w, `${p}key`));
  const v = project(a, get(w, `${p}value`));
  const scores = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(c.hidden)), bias);
  const attended = drop(project(tf.matMul(tf.softmax(scores), v), get(w, `${p}attn_out`)));
  let x = tf.mul(tf.add(input, attended), mask3) as tf.Tensor3D;

  const f = layerNorm(x, get(w, `${p}ln2_gamma`), get(w, `${p}ln2_beta`));
  const inner = tf.relu(tf.add(project(f, get(w, `${p}ffn_in`)), get(w, `${p}ffn_in_bias`))) as tf.Tensor3D;
  x = tf.add(x, drop(tf.add(project(inner, get(w, `${p}ffn_out`)), get(w, `${p}ffn_out_bias`)) as tf.Tensor3D)) as tf.Tensor3D;
  return x;
}

/** The visitor's current state (last position) for each sequence: [batch, itemDim]. */
export function currentState(w: WeightTensors, c: ModelConfig, s: SequenceTensors): tf.Tensor2D {
  const states = encode(w, c, s);
  const [b, l, d] = states.shape;
  return tf.reshape(tf.slice(states, [0, l - 1, 0], [b, 1, d]), [b, d]);
}

/** Prior from the shop's own order: 0 for its first item, decreasing with rank (0-based). */
export function serverRankPrior(ranks: tf.Tensor1D): tf.Tensor1D {
  return tf.neg(tf.div(tf.log(tf.add(ranks, 1)), Math.LN2)) as tf.Tensor1D;
}

/**
 * Final scores of candidates for one visitor state: blend[0]·(state · vector) + blend[1]·prior(server rank).
 * @param state [itemDim]   @param vectors [n, itemDim]   @param ranks [n] server ranks, 0-based
 */
export function scoreCandidates(w: WeightTensors, state: tf.Tensor1D, vectors: tf.Tensor2D, ranks: tf.Tensor1D): tf.Tensor1D {
  const blend = get(w, 'blend');
  const affinity = tf.reshape(tf.matMul(vectors, tf.reshape(state, [-1, 1])), [-1]);
  const modelPart = tf.mul(affinity, tf.slice(blend, [0], [1]));
  const serverPart = tf.mul(serverRankPrior(ranks), tf.slice(blend, [1], [1]));
  return tf.add(modelPart, serverPart) as tf.Tensor1D;
}

// The subspace attack of the privacy benchmark: from one observed model update (what a party receives), the public
// base model's layout and the public catalogue's item vectors, rank every catalogue item by how much of the update
// it explains. One plain SGD step changes input_proj by −lr·Xᵀδ (X: the vectors of the items the visitor fed the
// model) and output_proj by −lr·Oᵀε with ε in the span of the targets and the negatives, so the item-space side of
// those blocks lies in the span of the visitor's item vectors; scale (clipping) does not matter.
// Arithmetic on typed arrays (and one tfjs matrix product): never sees a visitor's events, only the observed update.
import type { ModelConfig, WeightSpec } from '../../src/shared/protocol.js';
import * as tf from '@tensorflow/tfjs-core';
import { unflatten } from '../../src/shared/model/weights.js';

/** The public catalogue: one vector per item (row i = item i) and each item's category. */
export interface Catalogue {
  readonly vectors: Float32Array;
  readonly count: number;
  readonly dim: number;
  /** Category index per item (for the category figures). */
  readonly categories: Int32Array;
}

/** Which weight blocks the attack reads: input_proj, output_proj (transposed into item space), or both side by side. */
export type AttackBlock = 'input' | 'output' | 'both';
/**
 * `energy`: each item's share of the update's energy, ‖vᵀA‖²/‖v‖² (the projection energy onto the update's
 * column space, weighted by its singular values); `greedy`: simultaneous orthogonal matching pursuit — take the
 * item that explains most, project its direction out of the update and out of every item vector, repeat. The greedy
 * form needs no rank estimate: once the visitor's items are taken, what is left of the update is noise.
 * `staged` (block `both`): greedy on input_proj while the best item still explains at least `threshold` of what is
 * left of that block's energy (a real item explains much of it, noise little), then greedy on output_projᵀ (what is left there: the targets that were never inputs, such as the
 * last item, and the negatives).
 */
export type AttackMethod = 'energy' | 'greedy' | 'staged';

export interface AttackVariant {
  readonly block: AttackBlock;
  readonly method: AttackMethod;
  /** For `staged`: the share of input_proj's remaining energy below which the pursuit moves to output_proj. */
  readonly threshold?: number;
}

export const ATTACK_VARIANTS: readonly AttackVariant[] = [
  { block: 'input', method: 'energy' },
  { block: 'input', method: 'greedy' },
  { block: 'output', method: 'greedy' },
  { block: 'both', method: 'greedy' },
  { block: 'both', method: 'staged', threshold: 0.1 },
];

export function variantLabel(v: AttackVariant): string {
  if (v.method === 'staged') return `staged: greedy on input_proj until an item explains < ${v.threshold ?? 0.1} of what is left of it, then on output_projᵀ`;
  return `${v.method} on ${v.block === 'both' ? 'input_proj + output_projᵀ' : v.block === 'input' ? 'input_proj' : 'output_projᵀ'}`;
}

const tensors = new WeakMap<Catalogue, tf.Tensor2D>();
/** The catalogue's vectors as one tensor, kept for the catalogue's lifetime (never disposed: a handful per run). */
function catalogueTensor(c: Catalogue): tf.Tensor2D {
  let t = tensors.get(c);
  if (!t) {
    t = tf.keep(tf.tensor2d(c.vectors, [c.count, c.dim]));
    tensors.set(c, t);
  }
  return t;
}

/** The public model an update belongs to. */
export interface ModelLayout {
  readonly config: ModelConfig;
  readonly specs: readonly WeightSpec[];
}

/**
 * The update's item-space matrix A [itemDim × k], row-major: input_proj [d, h] as it is, output_proj [h, d]
 * transposed; for `both` (input columns first), each block scaled to unit Frobenius norm unless told otherwise, so
 * neither drowns the other.
 */
export function itemSpaceMatrix(update: Float32Array, layout: ModelLayout, block: AttackBlock, normalise = block === 'both'): { a: Float64Array; cols: number } {
  const w = unflatten(layout.specs, update);
  const d = layout.config.itemDim;
  const h = layout.config.hidden;
  const input = w['input_proj']!;
  const output = w['output_proj']!;
  const frob = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0)) || 1;
  const parts: { get: (i: number, j: number) => number; cols: number; scale: number }[] = [];
  if (block !== 'output') parts.push({ get: (i, j) => input[i * h + j]!, cols: h, scale: normalise ? 1 / frob(input) : 1 });
  if (block !== 'input') parts.push({ get: (i, j) => output[j * d + i]!, cols: h, scale: normalise ? 1 / frob(output) : 1 });
  const cols = parts.reduce((n, p) => n + p.cols, 0);
  const a = new Float64Array(d * cols);
  for (let i = 0; i < d; i++) {
    let at = i * cols;
    for (const p of parts) for (let j = 0; j < p.cols; j++) a[at++] = p.get(i, j) * p.scale;
  }
  return { a, cols };
}

/**
 * Ranks every catalogue item, most likely the visitor's first. The first `depth` places come from the greedy
 * pursuit (for `greedy` and `staged`); the rest follow by score.
 * @param depth how many items the greedy pursuit takes one by one (at least the number of places read)
 */
export function rankItems(update: Float32Array, layout: ModelLayout, catalogue: Catalogue, variant: AttackVariant, depth: number): Int32Array {
  const staged = variant.method === 'staged';
  const { a, cols: k } = itemSpaceMatrix(update, layout, staged ? 'both' : variant.block, !staged && variant.block === 'both');
  const { vectors: D, count: n, dim: d } = catalogue;
  // Columns scored: all, or (staged) the input block's first and the output block's once the input is spent.
  const split = staged ? layout.config.hidden : k;
  let stage: 0 | 1 = 0;
  // C = D·A: every item's correlation with every column of the update (one tfjs product: the costly part).
  const c = tf.tidy(() => tf.matMul(catalogueTensor(catalogue), tf.tensor2d(Float32Array.from(a), [d, k])).dataSync() as Float32Array).slice();
  const norm2 = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let i = 0, at = r * d; i < d; i++) s += D[at + i]! ** 2;
    norm2[r] = s;
  }
  const res2 = Float64Array.from(norm2);
  // Energy of the residual update each item would explain: [first columns, the rest] (the rest only when staged).
  const explained = [new Float64Array(n), new Float64Array(n)] as const;
  const taken = new Uint8Array(n);
  /** An item whose direction is (numerically) already taken explains nothing new: −1. */
  const setScores = (r: number, s0: number, s1: number) => {
    const ok = res2[r]! > 1e-6 * norm2[r]!;
    explained[0][r] = ok ? s0 / res2[r]! : -1;
    explained[1][r] = ok ? s1 / res2[r]! : -1;
  };
  for (let r = 0; r < n; r++) {
    let s0 = 0;
    let s1 = 0;
    for (let j = 0, row = r * k; j < k; j++) {
      if (j < split) s0 += c[row + j]! ** 2;
      else s1 += c[row + j]! ** 2;
    }
    setScores(r, s0, s1);
  }
  const order: number[] = [];
  if (variant.method !== 'energy') {
    const basis: Float64Array[] = [];
    const resid = Float64Array.from(a);
    const q = new Float64Array(d);
    const w = new Float64Array(k);
    /** Energy of the input block still unexplained. */
    const inputLeft = () => {
      let e = 0;
      for (let i = 0; i < d; i++) for (let j = 0; j < split; j++) e += resid[i * k + j]! ** 2;
      return e;
    };
    const argmax = (score: Float64Array) => {
      let best = -1;
      for (let r = 0; r < n; r++) if (!taken[r] && score[r]! >= 0 && (best < 0 || score[r]! > score[best]!)) best = r;
      return best;
    };
    for (let t = 0; t < Math.min(depth, n, d); t++) {
      let best = argmax(explained[stage]);
      if (staged && stage === 0 && (best < 0 || explained[0][best]! < (variant.threshold ?? 0.1) * inputLeft())) {
        stage = 1;
        best = argmax(explained[1]);
      }
      if (best < 0) break;
      taken[best] = 1;
      order.push(best);
      // q: the new item's direction orthogonal to those taken (Gram–Schmidt, twice for stability).
      for (let i = 0; i < d; i++) q[i] = D[best * d + i]!;
      for (let pass = 0; pass < 2; pass++) {
        for (const b of basis) {
          let dot = 0;
          for (let i = 0; i < d; i++) dot += b[i]! * q[i]!;
          for (let i = 0; i < d; i++) q[i]! -= dot * b[i]!;
        }
      }
      let qn = 0;
      for (let i = 0; i < d; i++) qn += q[i]! * q[i]!;
      qn = Math.sqrt(qn);
      if (!(qn > 0)) break;
      for (let i = 0; i < d; i++) q[i]! /= qn;
      basis.push(Float64Array.from(q));
      // w = qᵀR; R ← R − q·w; C ← C − (D·q)·w; residual norms lose (vᵀq)²; then every item is scored again.
      w.fill(0);
      for (let i = 0; i < d; i++) for (let j = 0; j < k; j++) w[j]! += q[i]! * resid[i * k + j]!;
      for (let i = 0; i < d; i++) for (let j = 0; j < k; j++) resid[i * k + j]! -= q[i]! * w[j]!;
      for (let r = 0; r < n; r++) {
        if (taken[r]) continue;
        let dq = 0;
        for (let i = 0, at = r * d; i < d; i++) dq += D[at + i]! * q[i]!;
        res2[r]! -= dq * dq;
        let s0 = 0;
        let s1 = 0;
        for (let j = 0, row = r * k; j < k; j++) {
          const v = c[row + j]! - dq * w[j]!;
          c[row + j] = v;
          if (j < split) s0 += v * v;
          else s1 += v * v;
        }
        setScores(r, s0, s1);
      }
    }
  }
  const score = explained[stage];
  const rest: number[] = [];
  for (let r = 0; r < n; r++) if (!taken[r]) rest.push(r);
  rest.sort((x, y) => score[y]! - score[x]! || x - y);
  return Int32Array.from([...order, ...rest]);
}

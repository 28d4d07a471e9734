// Training-speed fixes for tfjs on the wasm backend in Node: a BatchMatMul gradient that only ever runs
// untransposed products (wasm's fast path; a transposed operand is 7–30× slower there), and a row gather
// whose gradient uses ScatterNd (wasm has no UnsortedSegmentSum, the kernel behind tf.gather's gradient).
// Numerically the same gradients as tfjs's own. Only the Node trainer installs these; never the worker.
import * as tf from '@tensorflow/tfjs-core';

/** Swaps the last two axes (a copy, cheap next to the product it feeds). */
function swapLast(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  const perm = [...Array(r - 2).keys(), r - 1, r - 2];
  return tf.transpose(x, perm);
}

/** a · b with optional transposes, done as an untransposed product of materialised operands. */
export function matMulNN(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  return tf.matMul(transposeA ? swapLast(a) : a, transposeB ? swapLast(b) : b);
}

let original: tf.GradConfig | undefined;
let installed = false;

function quietly(f: () => void): void {
  const warn = console.warn;
  console.warn = () => {}; // tfjs warns that a gradient is overridden; that is the point
  try {
    f();
  } finally {
    console.warn = warn;
  }
}

/** Restores tfjs's own BatchMatMul gradient (to measure what the fast one saves). */
export function uninstallFastMatMulGradient(): void {
  if (!installed || !original) return;
  installed = false;
  const config = original;
  quietly(() => tf.registerGradient(config));
}

/** Replaces tfjs's BatchMatMul gradient for this process. Idempotent. */
export function installFastMatMulGradient(): void {
  if (installed) return;
  installed = true;
  original ??= tf.getGradient(tf.BatchMatMul);
  quietly(() =>
    tf.registerGradient({
      kernelName: tf.BatchMatMul,
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, saved, attrs) => {
        const [a, b] = saved as [tf.Tensor, tf.Tensor];
        const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
        const g = dy as tf.Tensor;
        if (!transposeA && !transposeB) return { a: () => matMulNN(g, b, false, true), b: () => matMulNN(a, g, true, false) };
        if (!transposeA && transposeB) return { a: () => matMulNN(g, b), b: () => matMulNN(g, a, true, false) };
        if (transposeA && !transposeB) return { a: () => matMulNN(b, g, false, true), b: () => matMulNN(a, g) };
        return { a: () => swapLast(matMulNN(g, b)), b: () => swapLast(matMulNN(a, g)) };
      },
    }),
  );
}

/** Rows `ids` of a 2-D table ([n, d] → [ids.length, d]); its gradient sums duplicate ids with ScatterNd. */
export function gatherRows(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    // Saved, not captured: the ids may be created inside the gradient scope and disposed before the backward pass.
    (args[1] as tf.GradSaveFunc)([ids]);
    return {
      value: tf.gather(args[0] as tf.Tensor, ids),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.scatterND(tf.reshape(saved[0]!, [-1, 1]), dy, (table.shape as number[]).slice()),
    };
  });
  return f(table) as tf.Tensor2D;
}

/**
 * log Σ exp over each row of [rows, n] → [rows]; its gradient is the row's softmax times dy. tfjs's own
 * logSumExp differentiates through its max (an Equal mask over the whole logit matrix, a quarter of a training
 * step on wasm) although that part of the gradient cancels exactly.
 */
export function logSumExpRows(x: tf.Tensor2D): tf.Tensor1D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    const value = tf.logSumExp(input, 1);
    save([input, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, lse] = saved as [tf.Tensor2D, tf.Tensor1D];
        return tf.mul(tf.exp(tf.sub(xs, tf.reshape(lse, [-1, 1]))), tf.reshape(dy, [-1, 1]));
      },
    };
  });
  return f(x) as tf.Tensor1D;
}

// Cross-entropy of each target against every item (a full softmax), with a hand-written gradient that keeps
// only one [positions × items] matrix alive between the forward and the backward pass: softmax(logits) minus
// the target's one-hot is the whole gradient of the logits. tfjs's composed logSumExp would keep several such
// matrices and differentiate through its row max. Trainer-only; never the worker.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Per-row −log softmax(scale · states · items)[target].
 * @param states [P, d] the encoder's states at target positions
 * @param itemsT [d, n] the candidate item vectors, transposed (every item, padding row left out)
 * @param targets [P] int32 column of each row's target in `itemsT`
 * @param scale [1] the model's score scale (blend[0])
 * @returns [P] losses; gradients flow to states, itemsT and scale
 */
export function fullSoftmaxCrossEntropy(states: tf.Tensor2D, itemsT: tf.Tensor2D, targets: tf.Tensor1D, scale: tf.Tensor1D): tf.Tensor1D {
  const n = itemsT.shape[1];
  const rows = states.shape[0];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [s, w, sc] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const p = tf.softmax(tf.mul(tf.matMul(s, w), sc) as tf.Tensor2D);
    const at = tf.stack([tf.range(0, rows, 1, 'int32'), targets], 1);
    // The value is for the loss log only; the gradient below does not depend on it.
    const value = tf.neg(tf.log(tf.maximum(tf.gatherND(p, at), 1e-30))) as tf.Tensor1D;
    save([s, w, sc, p, at]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [ss, ww, scs, ps, where] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor2D];
        const dyCol = tf.reshape(dy, [-1, 1]);
        // dL/dlogits = (softmax − onehot) · dy; the one-hot part by ScatterNd (wasm's OneHot ignores a float dtype).
        const dLogits = tf.sub(tf.mul(ps, dyCol), tf.scatterND(where, dy, [rows, n])) as tf.Tensor2D;
        const back = tf.matMul(dLogits, tf.transpose(ww)) as tf.Tensor2D; // [P, d], untransposed operands
        const dStates = tf.mul(back, scs);
        const dItemsT = tf.mul(tf.matMul(tf.transpose(ss), dLogits), scs); // [d, n]
        const dScale = tf.reshape(tf.sum(tf.mul(back, ss)), [1]);
        return [dStates, dItemsT, dScale];
      },
    };
  });
  return f(states, itemsT, scale) as tf.Tensor1D;
}

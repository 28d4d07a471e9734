// The trainer's fast gradients give the same numbers as tfjs's own: the untransposed BatchMatMul gradient,
// the ScatterNd-based row gather, and the row log-sum-exp whose gradient is the softmax.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from './tf-node.js';
import { gatherRows, installFastMatMulGradient, logSumExpRows, uninstallFastMatMulGradient } from './fast-grads.js';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe('fast gradients', () => {
  beforeAll(async () => {
    await useNodeBackend('wasm');
  });

  it('logSumExpRows: value and gradient equal tf.logSumExp', () => {
    const x = tf.randomNormal([37, 129], 0, 4, 'float32', 3) as tf.Tensor2D;
    const dy = tf.randomNormal([37], 0, 1, 'float32', 4);
    const mine = tf.grad((t: tf.Tensor) => logSumExpRows(t as tf.Tensor2D))(x, dy);
    const theirs = tf.grad((t: tf.Tensor) => tf.logSumExp(t, 1))(x, dy);
    expect(maxAbsDiff(logSumExpRows(x), tf.logSumExp(x, 1))).toBe(0);
    expect(maxAbsDiff(mine, theirs)).toBeLessThan(1e-5);
    // Large logits stay finite (the max is subtracted before exp).
    const big = tf.mul(x, 100) as tf.Tensor2D;
    const g = tf.grad((t: tf.Tensor) => logSumExpRows(t as tf.Tensor2D))(big);
    expect(Number.isFinite(tf.sum(g).dataSync()[0]!)).toBe(true);
  });

  it('gatherRows: the gradient sums duplicate ids like tf.gather on cpu', async () => {
    const table = tf.randomNormal([6, 3], 0, 1, 'float32', 5) as tf.Tensor2D;
    const ids = tf.tensor1d([4, 1, 4, 0, 4], 'int32');
    const dy = tf.randomNormal([5, 3], 0, 1, 'float32', 6);
    const mine = tf.grad((t: tf.Tensor) => gatherRows(t as tf.Tensor2D, ids))(table, dy);
    const expected = new Float32Array(18);
    const dyv = dy.dataSync();
    [4, 1, 4, 0, 4].forEach((id, r) => { for (let j = 0; j < 3; j++) expected[id * 3 + j]! += dyv[r * 3 + j]!; });
    const got = mine.dataSync();
    expected.forEach((v, i) => expect(got[i]!).toBeCloseTo(v, 5));
  });

  it('the untransposed BatchMatMul gradient equals tfjs\'s for every transpose combination', () => {
    const a = tf.randomNormal([2, 4, 5], 0, 1, 'float32', 7);
    const b = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 8);
    const cases: [tf.Tensor, tf.Tensor, boolean, boolean][] = [
      [a, b, false, false],
      [a, tf.transpose(b, [0, 2, 1]), false, true],
      [tf.transpose(a, [0, 2, 1]), b, true, false],
      [tf.transpose(a, [0, 2, 1]), tf.transpose(b, [0, 2, 1]), true, true],
    ];
    for (const [x, y, ta, tb] of cases) {
      const f = (p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p, q, ta, tb)));
      uninstallFastMatMulGradient();
      const [ga, gb] = tf.grads(f)([x, y]);
      installFastMatMulGradient();
      const [fa, fb] = tf.grads(f)([x, y]);
      expect(maxAbsDiff(ga!, fa!)).toBeLessThan(1e-4);
      expect(maxAbsDiff(gb!, fb!)).toBeLessThan(1e-4);
    }
  });
});

describe('full softmax cross-entropy', () => {
  it('value and gradients equal the composed tfjs expression', async () => {
    await useNodeBackend('wasm');
    const { fullSoftmaxCrossEntropy } = await import('./full-softmax.js');
    const s = tf.randomNormal([9, 4], 0, 1, 'float32', 11) as tf.Tensor2D;
    const w = tf.randomNormal([4, 13], 0, 1, 'float32', 12) as tf.Tensor2D;
    const sc = tf.tensor1d([2.5]);
    const t = tf.tensor1d([0, 3, 12, 5, 5, 1, 7, 9, 2], 'int32');
    const dy = tf.randomUniform([9], 0.1, 1, 'float32', 13);
    const reference = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      const logits = tf.mul(tf.matMul(a, b), c);
      return tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, tf.cast(tf.oneHot(t, 13), 'float32')), 1));
    };
    const mine = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => fullSoftmaxCrossEntropy(a as tf.Tensor2D, b as tf.Tensor2D, t, c as tf.Tensor1D);
    expect(maxAbsDiff(mine(s, w, sc), reference(s, w, sc))).toBeLessThan(1e-4);
    const g1 = tf.grads(mine)([s, w, sc], dy);
    const g2 = tf.grads(reference)([s, w, sc], dy);
    g1.forEach((g, i) => expect(maxAbsDiff(g, g2[i]!)).toBeLessThan(1e-4));
  });
});

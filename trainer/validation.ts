// The trainer's per-epoch validation: a fixed subset of users' validation targets (the second-last item) ranked by
// the device weights and item table of an epoch (or of a weight mean), sampled and among all items.
// Must never read test targets.
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig, WeightSpec } from '../src/shared/protocol.js';
import { currentState } from '../src/shared/model/encoder.js';
import { accumulate, emptyTotals, finish, rankOf, type Metrics } from './metrics.js';
import { rankAmongAllItems } from './protocols.js';
import { sequenceBatch, type validationSet } from './training-data.js';

/**
 * Metrics on the validation targets of a fixed user subset: sampled (100 negatives outside the sequence; picks
 * the best epoch unless the run selects by all items) and all items with the history excluded.
 * @param device flat device weights in `specs` order   @param items the item table [(itemCount+1)·itemDim]
 */
export async function validateOn(
  valid: ReturnType<typeof validationSet>,
  c: ModelConfig,
  specs: readonly WeightSpec[],
  device: Float32Array,
  items: Float32Array,
): Promise<{ sampled: Metrics; allItems: Metrics }> {
  const d = c.itemDim;
  const n = items.length / d;
  const totals = emptyTotals();
  const allTotals = emptyTotals();
  const itemsT = tf.transpose(tf.tensor2d(items, [n, d])); // [d, n]: an untransposed product
  const { users } = valid;
  const w: Record<string, tf.Tensor> = {};
  let offset = 0;
  for (const s of specs) {
    const size = s.shape.reduce((a, x) => a * x, 1);
    w[s.name] = tf.tensor(device.subarray(offset, offset + size), s.shape);
    offset += size;
  }
  for (let i = 0; i < users.length; i += 256) {
    const chunk = users.slice(i, i + 256);
    const st = tf.tidy(() => currentState(w, c, sequenceBatch(chunk.map((u) => u.history), items, c)));
    const states = (await st.data()) as Float32Array;
    const all = tf.matMul(st, itemsT);
    const scores = (await all.data()) as Float32Array;
    st.dispose();
    all.dispose();
    chunk.forEach((u, r) => {
      const dot = (id: number) => {
        let s = 0;
        for (let j = 0; j < d; j++) s += states[r * d + j]! * items[id * d + j]!;
        return s;
      };
      const target = dot(u.target);
      accumulate(totals, rankOf(target, Array.from(u.negatives, dot)));
      accumulate(allTotals, rankAmongAllItems(scores.subarray(r * n, r * n + n), u.target, u.history));
    });
  }
  for (const t of Object.values(w)) t.dispose();
  itemsT.dispose();
  return { sampled: finish(totals), allItems: finish(allTotals) };
}

// Each item's most frequent neighbours in the shop's order logs (the training part of every user: items within
// `window` positions of it), with weights that sum to 1 — the graph over which the trainer can smooth the item
// table while it learns (see TrainOptions.neighbourAlpha). Never reads a validation or test item.
import { splitLeaveOneOut, type Dataset } from './data.js';

export interface ItemNeighbours {
  /** Neighbours per item. */
  k: number;
  /** [(itemCount + 1) · k] neighbour ids, 0 where an item has fewer than k. */
  ids: Int32Array;
  /** [(itemCount + 1) · k] co-occurrence share of each neighbour (0 for the padding slots). */
  weights: Float32Array;
  /** [itemCount + 1] 1 where the item has at least one neighbour. */
  has: Float32Array;
}

/**
 * Calls `pair(a, b)` for every item a of every user's training part and every item b within `window` positions
 * of it (the position itself excluded; b may be a again when the user bought it twice nearby).
 */
export function forEachTrainingPair(ds: Dataset, window: number, pair: (a: number, b: number) => void): void {
  for (const s of ds.sequences) {
    const { train } = splitLeaveOneOut(s);
    for (let i = 0; i < train.length; i++) {
      for (let j = Math.max(0, i - window); j <= Math.min(train.length - 1, i + window); j++) if (j !== i) pair(train[i]!, train[j]!);
    }
  }
}

export function topNeighbours(ds: Dataset, window: number, k: number): ItemNeighbours {
  const n = ds.itemCount + 1;
  const counts: (Map<number, number> | undefined)[] = new Array(n);
  forEachTrainingPair(ds, window, (a, b) => {
    if (b === a) return;
    const m = (counts[a] ??= new Map());
    m.set(b, (m.get(b) ?? 0) + 1);
  });
  const ids = new Int32Array(n * k);
  const weights = new Float32Array(n * k);
  const has = new Float32Array(n);
  for (let i = 1; i < n; i++) {
    const m = counts[i];
    if (!m || m.size === 0) continue;
    // Most frequent first; ties by lower id, so the lists do not depend on insertion order.
    const top = [...m].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, k);
    const total = top.reduce((s, [, c]) => s + c, 0);
    top.forEach(([id, c], j) => {
      ids[i * k + j] = id;
      weights[i * k + j] = c / total;
    });
    has[i] = 1;
  }
  return { k, ids, weights, has };
}

/** The smoothed table as plain numbers: v'ᵢ = (1 − α·hasᵢ)·vᵢ + α·Σⱼ wᵢⱼ·v_nᵢⱼ (what the trainer exports). */
export function smoothedTable(table: Float32Array, d: number, nb: ItemNeighbours, alpha: number): Float32Array {
  const n = table.length / d;
  const out = new Float32Array(table.length);
  for (let i = 0; i < n; i++) {
    const self = 1 - alpha * nb.has[i]!;
    for (let c = 0; c < d; c++) out[i * d + c] = self * table[i * d + c]!;
    for (let j = 0; j < nb.k; j++) {
      const w = alpha * nb.weights[i * nb.k + j]!;
      if (w === 0) continue;
      const id = nb.ids[i * nb.k + j]!;
      for (let c = 0; c < d; c++) out[i * d + c]! += w * table[id * d + c]!;
    }
  }
  return out;
}

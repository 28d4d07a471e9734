// Server-side smoothing of the learned item vectors over the shop's own order logs: each item's vector is
// blended with the mean vector of the items bought near it (within `window` positions) in the training part,
// v' = (1 − α)·v + α·mean(neighbours). Rarely bought items have poorly trained vectors; their neighbours' are
// better, and the blend pulls co-bought items together. α and the window are chosen on VALIDATION targets
// only (α = 0, no smoothing, is always a candidate). The device model is untouched: it is the table the
// server sends that changes. Never reads validation or test items (only each user's training part).
import type { Dataset } from './data.js';
import { forEachTrainingPair } from './item-neighbours.js';
import { DeviceScorer } from './device-scoring.js';
import { allItems, deviceRanker, evalUsers, sampled, sampledNegatives, subset } from './protocols.js';

export const SMOOTHING_WINDOWS = [2, 5] as const;
export const SMOOTHING_ALPHAS = [0, 0.2, 0.3, 0.4, 0.5] as const;

export interface SmoothingChoice {
  window: number;
  alpha: number;
  /** Validation NDCG@10 (the trainer's selection figure) for each window and α. */
  grid: { window: number; alpha: number; ndcg10: number }[];
  select: 'sampled' | 'all-items';
  users: number;
}

/**
 * Mean item vector of each item's neighbours within `window` positions in the users' training parts (row 0
 * and items without neighbours: zeros). Counts every co-occurrence, so a pair bought together often weighs more.
 */
export function neighbourMeans(ds: Dataset, vectors: Float32Array, d: number, window: number): Float32Array {
  const n = ds.itemCount + 1;
  const sum = new Float64Array(n * d);
  const count = new Float64Array(n);
  forEachTrainingPair(ds, window, (a, b) => {
    count[a]!++;
    for (let k = 0; k < d; k++) sum[a * d + k]! += vectors[b * d + k]!;
  });
  const out = new Float32Array(n * d);
  for (let i = 1; i < n; i++) if (count[i]! > 0) for (let k = 0; k < d; k++) out[i * d + k] = sum[i * d + k]! / count[i]!;
  return out;
}

/** (1 − α)·v + α·means for every item that has neighbours; the others keep their vector. */
export function smoothVectors(vectors: Float32Array, means: Float32Array, d: number, alpha: number): Float32Array {
  const out = Float32Array.from(vectors);
  if (alpha === 0) return out;
  for (let i = 1; i < vectors.length / d; i++) {
    let has = false;
    for (let k = 0; k < d && !has; k++) has = means[i * d + k] !== 0;
    if (!has) continue;
    for (let k = 0; k < d; k++) out[i * d + k] = (1 - alpha) * vectors[i * d + k]! + alpha * means[i * d + k]!;
  }
  return out;
}

/**
 * Grid search of window × α on a fixed subset of validation users, by the trainer's selection figure (sampled
 * NDCG@10 against `negatives` negatives outside the sequence, or all items). Returns the choice and the vectors.
 */
export async function chooseSmoothing(
  ds: Dataset,
  scorerFor: (vectors: Float32Array) => DeviceScorer,
  vectors: Float32Array,
  d: number,
  o: { select: 'sampled' | 'all-items'; negatives: number; users: number; seed: number; log?: (line: string) => void },
): Promise<{ choice: SmoothingChoice; vectors: Float32Array }> {
  const users = subset(evalUsers(ds, 'valid'), o.users, o.seed);
  const negs = o.select === 'sampled' ? sampledNegatives(users, ds.itemCount, o.negatives, o.seed) : null;
  const grid: SmoothingChoice['grid'] = [];
  let best = { window: 0, alpha: 0, ndcg10: -1, vectors };
  for (const window of SMOOTHING_WINDOWS) {
    const means = neighbourMeans(ds, vectors, d, window);
    for (const alpha of SMOOTHING_ALPHAS) {
      if (alpha === 0 && grid.some((g) => g.alpha === 0)) continue;
      const v = smoothVectors(vectors, means, d, alpha);
      const scorer = scorerFor(v);
      try {
        const r = await deviceRanker(scorer, users);
        const ndcg10 = negs ? sampled(r, users, negs).metrics.ndcg10 : (await allItems(r, users, ds.itemCount)).metrics.ndcg10;
        grid.push({ window, alpha, ndcg10 });
        o.log?.(`  smoothing window ${window} α ${alpha}: validation NDCG@10 ${ndcg10.toFixed(4)}`);
        if (ndcg10 > best.ndcg10) best = { window: alpha === 0 ? 0 : window, alpha, ndcg10, vectors: v };
      } finally {
        scorer.dispose();
      }
    }
  }
  return { choice: { window: best.window, alpha: best.alpha, grid, select: o.select, users: users.length }, vectors: best.vectors };
}

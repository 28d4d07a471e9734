// Sets the device model's server-rank weight (blend[1]) for the re-rank protocol on VALIDATION targets only:
// the training loss never sees a server order, so this one scalar is chosen by a small grid search, as a shop
// would tune it on held-out traffic. Never looks at test targets.
import type { WeightSpec } from '../src/shared/protocol.js';
import { specSize } from '../src/shared/model/weights.js';
import type { Dataset } from './data.js';
import { DeviceScorer } from './device-scoring.js';
import { evalUsers, rerankLists, serverLists, subset } from './protocols.js';

export const BLEND_GRID = [0, 0.5, 1, 2, 4, 8, 16] as const;

export interface Calibration {
  blend1: number;
  /** Mean validation NDCG@10 over lags 1–3 for each grid value. */
  grid: { blend1: number; ndcg10: number }[];
  users: number;
}

export async function calibrateServerBlend(ds: Dataset, scorer: DeviceScorer, users = 3000, seed = 7): Promise<Calibration> {
  const valid = subset(evalUsers(ds, 'valid'), users, seed);
  const fresh = await scorer.states(valid.map((u) => u.history));
  const lists: Int32Array[][] = [];
  for (const lag of [1, 2, 3]) lists.push(await serverLists(scorer, valid, lag));
  const grid: Calibration['grid'] = BLEND_GRID.map((w) => ({
    blend1: w,
    ndcg10: lists.reduce((sum, l) => sum + rerankLists(scorer, valid, l, fresh, 0, w).device.ndcg10, 0) / lists.length,
  }));
  const best = grid.reduce((a, b) => (b.ndcg10 > a.ndcg10 ? b : a));
  return { blend1: best.blend1, grid, users: valid.length };
}

/** Returns a copy of flat device weights with blend[1] replaced. */
export function withBlend1(specs: readonly WeightSpec[], flat: Float32Array, blend1: number): Float32Array {
  let offset = 0;
  for (const s of specs) {
    if (s.name === 'blend') {
      const out = Float32Array.from(flat);
      out[offset + 1] = blend1;
      return out;
    }
    offset += specSize(s);
  }
  throw new RangeError('weights have no blend');
}

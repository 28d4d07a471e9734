// The evaluation protocols of REFERENCE_RESULTS.md on a leave-one-out split: sampled (100 negatives never
// interacted with, SASRec; 99 excluding the whole sequence, S3-Rec), all items (history excluded), and the
// re-rank protocol (the server ranks with a history lagging by k events, the device re-ranks its top 50).
// Negatives are drawn once per data set, protocol and seed, so every model sees the same candidates.
// Never lets a model see the target or anything after it.
import type { Dataset } from './data.js';
import type { DeviceScorer } from './device-scoring.js';
import { accumulate, emptyTotals, finish, metricsOfRanks, rankOf, type Metrics } from './metrics.js';
import { sampleNegatives, seeded, shuffle } from './rng.js';

export interface EvalUser {
  /** Everything the visitor did before the target. */
  history: Int32Array;
  target: number;
  /** The whole sequence (for S3-Rec's negatives). */
  all: Int32Array;
}

/** Users with ≥ 3 events; `part` = test (last item) or valid (second-last, history without the test item). */
export function evalUsers(ds: Dataset, part: 'test' | 'valid'): EvalUser[] {
  const out: EvalUser[] = [];
  for (const s of ds.sequences) {
    if (s.length < 3) continue;
    const end = part === 'test' ? s.length - 1 : s.length - 2;
    out.push({ history: s.subarray(0, end), target: s[end]!, all: s });
  }
  return out;
}

/**
 * The personal-lift sample: `count` of `n` test users (indices into evalUsers(ds, 'test')), seeded, ascending. The
 * trainer can hold the same users out of training (`npm run train -- --hold-out-lift-users`).
 */
export function liftSampleIndices(n: number, count: number, seed: number): number[] {
  return shuffle([...Array(n).keys()], seeded(seed ^ 0x11f7)).slice(0, count).sort((a, b) => a - b);
}

/** The data set without the users of the personal-lift sample (their whole sequences). */
export function withoutLiftUsers(ds: Dataset, count: number, seed: number): Dataset {
  const test = evalUsers(ds, 'test');
  const out = new Set(liftSampleIndices(test.length, count, seed).map((i) => test[i]!.all));
  const sequences = ds.sequences.filter((s) => !out.has(s));
  return { ...ds, sequences, fingerprint: { ...ds.fingerprint, users: sequences.length } };
}

/** Interaction counts per item over the users' histories (what a shop's best-seller list knows). */
export function popularity(users: readonly EvalUser[], itemCount: number): Float32Array {
  const counts = new Float32Array(itemCount + 1);
  for (const u of users) for (const i of u.history) counts[i]!++;
  return counts;
}

/** Groups of targets by how often the item occurs in the training part (every user's history before the validation item). */
export const TRAINING_COUNT_GROUPS = [
  { label: '0', min: 0, max: 0 },
  { label: '1–2', min: 1, max: 2 },
  { label: '≥ 3', min: 3, max: Infinity },
] as const;

export interface TargetGroup {
  /** Training occurrences of the target item: '0', '1–2' or '≥ 3'. */
  group: string;
  /** Share of the users whose target is in the group. */
  share: number;
  /** NDCG@10 over those users (null when the group is empty). */
  ndcg10: number | null;
}

/**
 * NDCG@10 by the training count of each user's target (ranks in the users' order). `trainingCounts` is
 * `popularity(evalUsers(ds, 'valid'), …)`: the validation users' histories are exactly the training part.
 */
export function byTrainingCount(users: readonly EvalUser[], ranks: readonly number[], trainingCounts: ArrayLike<number>): TargetGroup[] {
  return TRAINING_COUNT_GROUPS.map((g) => {
    const members = ranks.filter((_, i) => {
      const c = trainingCounts[users[i]!.target]!;
      return c >= g.min && c <= g.max;
    });
    return { group: g.label, share: users.length ? members.length / users.length : 0, ndcg10: members.length ? metricsOfRanks(members).ndcg10 : null };
  });
}

/** A scored model: states per user (device) or none (popularity). */
export type DeviceRanker = { kind: 'device'; scorer: DeviceScorer; states: Float32Array };
export type Ranker = DeviceRanker | { kind: 'popularity'; counts: Float32Array };

export async function deviceRanker(scorer: DeviceScorer, users: readonly EvalUser[]): Promise<DeviceRanker> {
  return { kind: 'device', scorer, states: await scorer.states(users.map((u) => u.history)) };
}

function scoreOf(r: Ranker, row: number, item: number, serverRank = 0): number {
  return r.kind === 'device' ? r.scorer.score(r.states, row, item, serverRank) : r.counts[item]!;
}

/** Check cases for the worker-path comparison: a few users' candidates and the scores this path gave. */
export interface CheckCase {
  history: Int32Array;
  candidates: Int32Array;
  ranks: Float32Array;
  scores: Float32Array;
}

export interface ProtocolResult {
  metrics: Metrics;
  checks: CheckCase[];
  /** Each user's 1-based rank of the target, in the users' order. */
  ranks: number[];
}

/** Negatives for the sampled protocols: `count` per user, never an item of the user's whole sequence. */
export function sampledNegatives(users: readonly EvalUser[], itemCount: number, count: number, seed: number): Int32Array[] {
  const rand = seeded(seed);
  return users.map((u) => sampleNegatives(rand, itemCount, count, new Set(u.all)));
}

export function sampled(r: Ranker, users: readonly EvalUser[], negatives: readonly Int32Array[], checkEvery = 0): ProtocolResult {
  const t = emptyTotals();
  const checks: CheckCase[] = [];
  const ranks: number[] = [];
  users.forEach((u, row) => {
    const negs = negatives[row]!;
    const target = scoreOf(r, row, u.target);
    const others = Array.from(negs, (i) => scoreOf(r, row, i));
    const rank = rankOf(target, others);
    ranks.push(rank);
    accumulate(t, rank);
    if (checkEvery > 0 && row % checkEvery === 0) {
      const candidates = Int32Array.from([u.target, ...negs]);
      checks.push({ history: u.history, candidates, ranks: new Float32Array(candidates.length), scores: Float32Array.from([target, ...others]) });
    }
  });
  return { metrics: finish(t), checks, ranks };
}

/**
 * 1-based rank of `target` among items 1..scores.length-1 by score, the history excluded (the target itself stays);
 * ties rank the target last.
 */
export function rankAmongAllItems(scores: ArrayLike<number>, target: number, history: Iterable<number>): number {
  const t = scores[target]!;
  // Count every item scoring at least the target's (itself included), then take back the history's items.
  let rank = 0;
  for (let i = 1; i < scores.length; i++) if (!(scores[i]! < t)) rank++;
  for (const h of new Set(history)) if (h !== target && !(scores[h]! < t)) rank--;
  return rank;
}

/** Rank of each user's target among all items, the user's history excluded (the target itself stays). */
export async function allItems(r: Ranker, users: readonly EvalUser[], itemCount: number, checkEvery = 0): Promise<ProtocolResult> {
  const t = emptyTotals();
  const checks: CheckCase[] = [];
  const ranks: number[] = [];
  const n = itemCount + 1;
  const block = 256;
  for (let start = 0; start < users.length; start += block) {
    const rows = Math.min(block, users.length - start);
    const scores = r.kind === 'device' ? await r.scorer.allItemScores(r.states.subarray(start * r.scorer.d), rows) : null;
    for (let k = 0; k < rows; k++) {
      const u = users[start + k]!;
      const s = scores ? scores.subarray(k * n, k * n + n) : r.kind === 'popularity' ? r.counts : new Float32Array(n);
      const rank = rankAmongAllItems(s, u.target, u.history);
      ranks.push(rank);
      accumulate(t, rank);
      if (scores && checkEvery > 0 && (start + k) % checkEvery === 0) {
        const candidates = Int32Array.from({ length: 200 }, (_, i) => i + 1);
        candidates[0] = u.target;
        checks.push({ history: u.history, candidates, ranks: new Float32Array(200), scores: Float32Array.from(candidates, (i) => s[i]!) });
      }
    }
  }
  return { metrics: finish(t), checks, ranks };
}

/** Top `k` item ids by score, best first (ties: lower id first), skipping `exclude` and column 0. */
export function topK(scores: ArrayLike<number>, k: number, exclude: ReadonlySet<number>): Int32Array {
  const ids: number[] = [];
  const vals: number[] = [];
  for (let i = 1; i < scores.length; i++) {
    if (exclude.has(i)) continue;
    const v = scores[i]!;
    if (ids.length === k && !(v > vals[k - 1]!)) continue;
    let p = ids.length === k ? k - 1 : ids.length;
    while (p > 0 && vals[p - 1]! < v) {
      if (p < k) {
        ids[p] = ids[p - 1]!;
        vals[p] = vals[p - 1]!;
      }
      p--;
    }
    ids[p] = i;
    vals[p] = v;
    if (ids.length > k) {
      ids.length = k;
      vals.length = k;
    }
  }
  return Int32Array.from(ids);
}

export interface RerankResult {
  server: Metrics;
  device: Metrics;
  checks: CheckCase[];
}

/** The server's lists for one lag: its top `listSize` from the history without the last `lag` events. */
export async function serverLists(scorer: DeviceScorer, users: readonly EvalUser[], lag: number, listSize = 50): Promise<Int32Array[]> {
  const lagged = users.map((u) => u.history.subarray(0, Math.max(0, u.history.length - lag)));
  const serverStates = await scorer.states(lagged);
  const n = scorer.items.length / scorer.d;
  const lists: Int32Array[] = [];
  for (let start = 0; start < users.length; start += 256) {
    const rows = Math.min(256, users.length - start);
    const scores = await scorer.allItemScores(serverStates.subarray(start * scorer.d), rows);
    for (let k = 0; k < rows; k++) lists.push(topK(scores.subarray(k * n, k * n + n), listSize, new Set(lagged[start + k]!)));
  }
  return lists;
}

/**
 * The re-rank protocol: the server ranks all items from the history without its last `lag` events (it has not
 * seen them yet), keeps its top `listSize`; the device re-orders that list with the fresh history. A target
 * outside the list counts as a miss for both. `blend1` overrides the device's server-rank weight (calibration).
 */
export async function rerank(scorer: DeviceScorer, users: readonly EvalUser[], lag: number, listSize = 50, checkEvery = 0, blend1?: number): Promise<RerankResult> {
  const lists = await serverLists(scorer, users, lag, listSize);
  return rerankLists(scorer, users, lists, await scorer.states(users.map((u) => u.history)), checkEvery, blend1);
}

/** Scores given server lists with the device's fresh states (see rerank). */
export function rerankLists(scorer: DeviceScorer, users: readonly EvalUser[], lists: readonly Int32Array[], fresh: Float32Array, checkEvery = 0, blend1?: number): RerankResult {
  const st = emptyTotals();
  const dt = emptyTotals();
  const checks: CheckCase[] = [];
  const w1 = blend1 ?? scorer.blend[1];
  users.forEach((u, row) => {
    const list = lists[row]!;
    const at = list.indexOf(u.target);
    accumulate(st, at < 0 ? Infinity : at + 1);
    const device = Array.from(list, (id, i) => scorer.blend[0] * dotOf(scorer, fresh, row, id) + w1 * -Math.log2(1 + i));
    accumulate(dt, at < 0 ? Infinity : rankOf(device[at]!, device.filter((_, i) => i !== at)));
    if (checkEvery > 0 && row % checkEvery === 0 && blend1 === undefined) {
      checks.push({ history: u.history, candidates: list, ranks: Float32Array.from(list, (_, i) => i), scores: Float32Array.from(device) });
    }
  });
  return { server: finish(st), device: finish(dt), checks };
}

function dotOf(scorer: DeviceScorer, states: Float32Array, row: number, item: number): number {
  const d = scorer.d;
  let s = 0;
  for (let j = 0; j < d; j++) s += states[row * d + j]! * scorer.items[item * d + j]!;
  return s;
}

/** A fixed random subset of users (for calibration on validation targets). */
export function subset<T>(xs: readonly T[], count: number, seed: number): T[] {
  return shuffle([...xs], seeded(seed)).slice(0, count);
}

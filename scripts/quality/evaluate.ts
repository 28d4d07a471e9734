// Runs every protocol of the quality benchmark on one data set and returns result rows: the trained model
// (through the worker's scoring functions, checked against ShelfModel.score), the popularity baseline, the
// re-rank protocol, and the content-vector model. Refuses a model trained on other data.
import type { ModelConfig } from '../../src/shared/protocol.js';
import type { Dataset } from '../../trainer/data.js';
import { assertTrainedOn, modelDir, readModel, type LoadedBenchModel } from '../../trainer/device-model-files.js';
import { DeviceScorer } from '../../trainer/device-scoring.js';
import type { Metrics } from '../../trainer/metrics.js';
import { liftSample, personalLift } from './personal-lift.js';
import type { ShownKind } from './personal-replay.js';
import { allItems, byTrainingCount, deviceRanker, evalUsers, popularity, rerankLists, sampled, sampledNegatives, serverLists, type CheckCase, type TargetGroup } from '../../trainer/protocols.js';

export type Protocol = 'sampled-100' | 'sampled-99' | 'all-items' | 'rerank-lag-1' | 'rerank-lag-2' | 'rerank-lag-3';

export interface ResultRow {
  dataset: string;
  protocol: Protocol;
  model: string;
  hr1: number | null;
  hr5: number | null;
  hr10: number;
  ndcg5: number | null;
  ndcg10: number;
  mrr: number | null;
  users?: number;
  seed: number | null;
  trainSeconds: number | null;
  deviceModelBytes: number | null;
  /** The best epoch's NDCG@10 on the trainer's validation targets (sampled-100 or all items), for the val → test gap. */
  validNdcg10?: number;
  /** The trainer's loss (`sampled` or `full` softmax) and the epoch kept. */
  trainLoss?: string;
  /** The validation figure that picked the epoch: `sampled` (100 negatives) or `all-items`. */
  selectedBy?: string;
  bestEpoch?: number;
  /** With weight averaging: the first epoch of the mean that was kept (it ends at bestEpoch). */
  averagedFrom?: number;
  /** NDCG@10 of the test targets grouped by their item's occurrences in the training part. */
  byTrainingCount?: TargetGroup[];
  /** The same groups for the validation targets (popularity rows only: the shares do not depend on the model). */
  validByTrainingCount?: TargetGroup[];
  /**
   * The server-side smoothing of the item vectors chosen on validation (smooth-items.ts): window, α, and the
   * validation NDCG@10 of the search's users without (α 0) and with it. Absent when the model has no search.
   */
  smoothing?: { window: number; alpha: number; validBefore: number; validAfter: number; users: number };
  /** Largest relative difference between the harness's scores and ShelfModel.score on sampled visitors. */
  workerPathMaxRelDiff?: number;
  /** The personal-learning-lift rows (personal-lift.ts): the global model and local learning on the same sample of test users. */
  personalLift?: PersonalLiftInfo;
  source?: string;
}

export interface PersonalLiftInfo {
  /** 'global': the global model on the sample; 'local': after replaying each visitor's history through local learning. */
  role: 'global' | 'local';
  users: number;
  trainedUsers: number;
  /** Trained users whose test target was shown (and so a negative) before their last training call. */
  targetShown: number;
  steps: number;
  seconds: number;
  shown: string;
  listSize: number;
  trainEvery: number;
  /** NDCG@10 local / global − 1 on the sample, and its 95% paired-bootstrap interval. */
  lift: number;
  ci: [number, number];
}

export interface EvaluateOptions {
  dataDir: string;
  seed: number;
  /** Where the committed models are: <modelsRoot>/<name>/1/. */
  modelsRoot: string;
  /** Compare every n-th visitor with ShelfModel.score (0 = never). */
  checkEvery: number;
  /** The personal-learning-lift sample size (0 = skip those rows) and what the shop shows (personal-replay.ts). */
  lift?: { users: number; shown: ShownKind; listSize: number; trainEvery: number };
  log: (line: string) => void;
}

/** Which protocols each data set is measured on (REFERENCE_RESULTS.md). */
export const PLAN: Readonly<Record<string, { sampled: 100 | 99; allItems: boolean; rerank: boolean; content: boolean; lift: boolean }>> = {
  games: { sampled: 100, allItems: true, rerank: true, content: false, lift: false },
  beauty: { sampled: 99, allItems: true, rerank: true, content: true, lift: true },
  sports: { sampled: 99, allItems: true, rerank: false, content: true, lift: true },
};

const MAX_REL_DIFF = 1e-3;

function row(dataset: string, protocol: Protocol, model: string, m: Metrics, seed: number, extra: Partial<ResultRow> = {}): ResultRow {
  return { dataset, protocol, model, hr1: m.hr1, hr5: m.hr5, hr10: m.hr10, ndcg5: m.ndcg5, ndcg10: m.ndcg10, mrr: m.mrr, users: m.users, seed, trainSeconds: null, deviceModelBytes: null, ...extra };
}

function tryRead(name: string, o: EvaluateOptions): LoadedBenchModel | null {
  try {
    return readModel(modelDir(name, 1, o.modelsRoot));
  } catch (e) {
    o.log(`skipping ${name}: ${(e as Error).message}`);
    return null;
  }
}

async function checked(scorer: DeviceScorer, checks: CheckCase[], what: string): Promise<number> {
  const diff = await scorer.checkAgainstWorkerPath(checks);
  if (diff > MAX_REL_DIFF) throw new Error(`${what}: batch scores differ from ShelfModel.score by ${diff} (relative)`);
  return diff;
}

export async function evaluateDataset(ds: Dataset, o: EvaluateOptions): Promise<ResultRow[]> {
  const plan = PLAN[ds.name]!;
  const rows: ResultRow[] = [];
  const test = evalUsers(ds, 'test');
  const sampledProtocol: Protocol = plan.sampled === 100 ? 'sampled-100' : 'sampled-99';
  const negatives = sampledNegatives(test, ds.itemCount, plan.sampled, o.seed);
  const pop = { kind: 'popularity' as const, counts: popularity(test, ds.itemCount) };
  // Popularity on the validation targets too (every user, counts without the validation items): how much of the
  // validation → test fall is the data's, not the model's.
  const valid = evalUsers(ds, 'valid');
  const validPop = { kind: 'popularity' as const, counts: popularity(valid, ds.itemCount) };
  const validNegatives = sampledNegatives(valid, ds.itemCount, plan.sampled, o.seed);
  // validPop's counts are the training part's (the validation users' histories), which the groups need.
  const groups = (users: typeof test, ranks: number[]) => byTrainingCount(users, ranks, validPop.counts);
  const popTest = sampled(pop, test, negatives);
  const popValid = sampled(validPop, valid, validNegatives);
  rows.push(row(ds.name, sampledProtocol, 'popularity', popTest.metrics, o.seed, { validNdcg10: popValid.metrics.ndcg10, byTrainingCount: groups(test, popTest.ranks), validByTrainingCount: groups(valid, popValid.ranks) }));
  if (plan.allItems) {
    const popAllValid = await allItems(validPop, valid, ds.itemCount);
    const popAll = await allItems(pop, test, ds.itemCount);
    rows.push(row(ds.name, 'all-items', 'popularity', popAll.metrics, o.seed, { validNdcg10: popAllValid.metrics.ndcg10, byTrainingCount: groups(test, popAll.ranks), validByTrainingCount: groups(valid, popAllValid.ranks) }));
  }

  const models: [string, string][] = [[`shelf-${ds.name}`, 'shelf']];
  if (plan.content) models.push([`shelf-${ds.name}-content`, 'shelf-content']);
  for (const [name, label] of models) {
    const m = tryRead(name, o);
    if (!m) continue;
    assertTrainedOn(m.record, ds.fingerprint);
    const config: ModelConfig = m.manifest.config;
    const scorer = new DeviceScorer(config, m.manifest.weights, m.device, m.itemVectors);
    const extra = { trainSeconds: Math.round(m.record.trainSeconds), deviceModelBytes: m.deviceBytes, trainLoss: String(m.record.hyper['loss'] ?? 'sampled'), selectedBy: String(m.record.hyper['select'] ?? 'sampled'), bestEpoch: m.record.bestEpoch };
    const epochKept = m.record.history.find((h) => h.epoch === m.record.bestEpoch);
    const kept = m.record.keptAveraged ? epochKept?.averaged : epochKept;
    if (m.record.keptAveraged && kept) Object.assign(extra, { averagedFrom: epochKept!.averaged!.from });
    const sm = m.record.smoothing;
    if (sm) {
      const at = (w: number, a: number) => sm.grid.find((g) => g.alpha === a && (a === 0 || g.window === w))?.ndcg10 ?? NaN;
      Object.assign(extra, { smoothing: { window: sm.window, alpha: sm.alpha, validBefore: at(0, 0), validAfter: at(sm.window, sm.alpha), users: sm.users } });
    }
    try {
      const ranker = await deviceRanker(scorer, test);
      const s = sampled(ranker, test, negatives, o.checkEvery);
      rows.push(row(ds.name, sampledProtocol, label, s.metrics, o.seed, { ...extra, validNdcg10: kept?.valid.ndcg10, byTrainingCount: groups(test, s.ranks), workerPathMaxRelDiff: await checked(scorer, s.checks, `${name} ${sampledProtocol}`) }));
      o.log(`${ds.name} ${sampledProtocol} ${label}: NDCG@10 ${s.metrics.ndcg10.toFixed(4)} HR@10 ${s.metrics.hr10.toFixed(4)}`);
      if (plan.allItems) {
        const a = await allItems(ranker, test, ds.itemCount, o.checkEvery);
        rows.push(row(ds.name, 'all-items', label, a.metrics, o.seed, { ...extra, validNdcg10: kept?.validAllItems.ndcg10, byTrainingCount: groups(test, a.ranks), workerPathMaxRelDiff: await checked(scorer, a.checks, `${name} all-items`) }));
        o.log(`${ds.name} all-items ${label}: NDCG@10 ${a.metrics.ndcg10.toFixed(4)} HR@10 ${a.metrics.hr10.toFixed(4)}`);
      }
      if (plan.rerank && label === 'shelf') {
        // The device's fresh states are the ranker's (the full test histories).
        const fresh = ranker.states;
        for (const lag of [1, 2, 3] as const) {
          const r = rerankLists(scorer, test, await serverLists(scorer, test, lag), fresh, o.checkEvery);
          const protocol = `rerank-lag-${lag}` as const;
          rows.push(row(ds.name, protocol, 'server-order', r.server, o.seed, extra));
          rows.push(row(ds.name, protocol, 'shelf', r.device, o.seed, { ...extra, workerPathMaxRelDiff: await checked(scorer, r.checks, `${name} ${protocol}`) }));
          o.log(`${ds.name} ${protocol}: server NDCG@10 ${r.server.ndcg10.toFixed(4)} → device ${r.device.ndcg10.toFixed(4)}`);
        }
      }
      if (plan.lift && label === 'shelf' && o.lift && o.lift.users > 0) {
        const s = liftSample(test, negatives, o.lift.users, o.seed);
        const r = await personalLift({ config, specs: m.manifest.weights, weights: m.device, items: m.itemVectors }, s.users, s.negatives, ds.itemCount, { ...o.lift, seed: o.seed, log: o.log });
        const info = { users: r.users, trainedUsers: r.trainedUsers, targetShown: r.targetShown, steps: r.steps, seconds: Math.round(r.seconds), shown: o.lift.shown, listSize: o.lift.listSize, trainEvery: o.lift.trainEvery };
        for (const [protocol, f] of [['all-items', r.allItems], [sampledProtocol, r.sampled]] as const) {
          rows.push(row(ds.name, protocol, 'shelf-lift-global', f.global, o.seed, { personalLift: { role: 'global', ...info, lift: f.lift, ci: f.ci } }));
          rows.push(row(ds.name, protocol, 'shelf-local', f.local, o.seed, { personalLift: { role: 'local', ...info, lift: f.lift, ci: f.ci } }));
          o.log(`${ds.name} ${protocol} personal lift on ${r.users} users: ${f.global.ndcg10.toFixed(4)} → ${f.local.ndcg10.toFixed(4)} (${(100 * f.lift).toFixed(1)}%, 95% CI ${(100 * f.ci[0]).toFixed(1)}…${(100 * f.ci[1]).toFixed(1)}%; ${r.seconds.toFixed(0)} s)`);
        }
      }
    } finally {
      scorer.dispose();
    }
  }
  return rows;
}

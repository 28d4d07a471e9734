// Poisoning benchmark: federated training on the quality benchmark's data (Beauty) with 10% of each round's
// cohort malicious, three attacks — scaled updates (×20), sign flips (×−10) and a targeted backdoor (local
// training on the target item as every next item, boosted ×10) — each against the plain clipped mean and the
// coordinate-wise trimmed mean (src/shared/federated/robust.ts). Reports the test NDCG@10 drop against a clean
// run with the same defence, and the backdoor's success: the share of test users whose top 10 of their sampled
// candidates, the target added, includes the target. Noise off (no DP) to isolate the robust rule; see the
// robust module for how the rule and DP noise interact. Writes bench/results/poisoning.json, which
// `npm run bench:reliability` copies into bench/results/reliability.json.
// Local training: the model's own trainStep (Adam, reset per client, the worker's earlier recipe): a stable
// API that does not depend on the worker's trainer, which is being reworked.
// Run: npm run bench:poisoning [-- --users 2000 --rounds 20 --cohort 40]
import { writeFileSync, mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { clipToNorm } from '../../src/shared/federated/clip.js';
import { l2, sumNormBound } from '../../src/shared/secure-aggregation/norm-guard.js';
import { dequantize, quantizeInt8 } from '../../src/shared/federated/quantize.js';
import { serverStep, type ClientUpdate } from '../../src/shared/federated/aggregate.js';
import { robustNoisyMean, type RobustSettings } from '../../src/shared/federated/robust.js';
import { buildTrainingBatch, countExamples, type TrainingEvent } from '../../src/shared/model/examples.js';
import { ShelfModel } from '../../src/shared/model/model.js';
import { weightSpecs } from '../../src/shared/model/weights.js';
import type { ModelConfig } from '../../src/shared/protocol.js';
import { useNodeBackend } from '../../trainer/tf-node.js';
import { attributeVectors } from '../../trainer/content-vectors.js';
import { defaultDataDir, loadAttributes, loadDataset } from '../../trainer/data.js';
import { DeviceScorer } from '../../trainer/device-scoring.js';
import { sampleNegatives, seeded } from '../../trainer/rng.js';
import { PURCHASE_TYPE } from '../../trainer/training-data.js';
import { splitLeaveOneOut, type Dataset } from '../../trainer/data.js';
import { deviceRanker, evalUsers, sampled, sampledNegatives, subset, type EvalUser } from '../../trainer/protocols.js';
import { flatten, initialWeights } from '../../src/shared/model/weights.js';

// The simulation's data pieces, as in scripts/federated/simulate.ts (kept apart: that file's imports pull in the
// worker's trainer, which is being reworked).
interface SimData {
  readonly config: ModelConfig;
  readonly items: Float32Array;
  readonly itemCount: number;
  readonly clients: readonly Int32Array[];
  readonly test: { users: EvalUser[]; negatives: Int32Array[] };
}

function simData(ds: Dataset, c: ModelConfig, items: Float32Array, negatives: number, evalCount: number, seed: number): SimData {
  const clients = ds.sequences.map((s) => splitLeaveOneOut(s).train).filter((t) => t.length >= 2);
  const users = subset(evalUsers(ds, 'test'), evalCount, seed);
  return { config: c, items, itemCount: ds.itemCount, clients, test: { users, negatives: sampledNegatives(users, ds.itemCount, negatives, seed) } };
}

function clientEvents(train: Int32Array, items: Float32Array, c: ModelConfig): TrainingEvent[] {
  return Array.from(train.subarray(Math.max(0, train.length - (c.maxLen + 1))), (id) => ({
    vector: items.subarray(id * c.itemDim, id * c.itemDim + c.itemDim),
    typeIndex: PURCHASE_TYPE,
    targetWeight: 1,
  }));
}

async function evaluate(d: SimData, flat: Float32Array): Promise<{ ndcg10: number }> {
  const scorer = new DeviceScorer(d.config, weightSpecs(d.config), flat, d.items);
  try {
    return sampled(await deviceRanker(scorer, d.test.users), d.test.users, d.test.negatives).metrics;
  } finally {
    scorer.dispose();
  }
}

const initialFlat = (c: ModelConfig, seed: number) => flatten(weightSpecs(c), initialWeights(c, seed));

const { values: a } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: defaultDataDir() },
    users: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '15' },
    cohort: { type: 'string', default: '40' },
    'eval-users': { type: 'string', default: '500' },
    'local-steps': { type: 'string', default: '3' },
    'local-lr': { type: 'string', default: '0.01' },
    clip: { type: 'string', default: '0.5' },
    trim: { type: 'string', default: '0.15' },
    malicious: { type: 'string', default: '0.1' },
    seed: { type: 'string', default: '2026' },
    out: { type: 'string', default: 'bench/results/poisoning.json' },
    /** Comma-separated: mean, trimmed-mean (central: the server re-clips each update), secure-sum (secure aggregation: only the sum's norm bound). */
    defences: { type: 'string' },
    /** Comma-separated attacks (default: all; 'none' first, the clean run each drop is measured against). */
    attacks: { type: 'string' },
  },
});
const N = (k: keyof typeof a) => Number(a[k]);
const log = (l: string) => console.error(`[bench:poisoning] ${l}`);

/**
 * scaled ×20, sign-flip ×−10, backdoor ×10 (boosted); the -bounded attacks are the adaptive ones against secure
 * aggregation: the sign flip or the backdoor scaled to half of K·C in norm, so that the round's sum stays within the
 * bound the servers check.
 */
type Attack = 'none' | 'scaled' | 'sign-flip' | 'backdoor' | 'sign-flip-bounded' | 'backdoor-bounded';
/** secure-sum: what the servers can do under secure aggregation: no re-clip of one update, only the sum's norm bound. */
type Defence = 'mean' | 'trimmed-mean' | 'secure-sum';

const config: ModelConfig = { itemDim: 32, hidden: 32, maxLen: 20, ffn: 64, eventTypes: 5 };

async function localDelta(model: ShelfModel, global: Float32Array, events: TrainingEvent[], negatives: Float32Array[], steps: number, lr: number): Promise<Float32Array | null> {
  if (countExamples(events, config) === 0 || negatives.length === 0) return null;
  model.assign(global);
  model.resetOptimizer();
  const batch = buildTrainingBatch([events], negatives, config);
  for (let s = 0; s < steps; s++) await model.trainStep(batch, lr);
  const local = await model.toFlat();
  return local.map((v, i) => v - global[i]!);
}

/** Share of test users whose top 10 of (target, 99 negatives, backdoor item) includes the backdoor item. */
async function backdoorSuccess(d: SimData, flat: Float32Array, item: number): Promise<number> {
  const scorer = new DeviceScorer(d.config, weightSpecs(d.config), flat, d.items);
  try {
    const users = d.test.users;
    const states = await scorer.states(users.map((u) => u.history));
    let hits = 0;
    users.forEach((u, row) => {
      const s = scorer.score(states, row, item, 0);
      let above = scorer.score(states, row, u.target, 0) > s ? 1 : 0;
      for (const n of d.test.negatives[row]!) if (n !== item && scorer.score(states, row, n, 0) > s) above++;
      if (above < 10) hits++;
    });
    return hits / users.length;
  } finally {
    scorer.dispose();
  }
}

async function run(d: SimData, attack: Attack, defence: Defence, target: number): Promise<{ ndcg10: number; backdoor: number; seconds: number; droppedRounds: number }> {
  let droppedRounds = 0;
  const t0 = performance.now();
  const seed = N('seed');
  const rand = seeded(seed);
  const pick = seeded(seed ^ 0x5eed);
  const specs = weightSpecs(config);
  let global = initialFlat(config, seed);
  const model = ShelfModel.fromFlat(config, specs, global);
  const robust: RobustSettings = { rule: defence === 'secure-sum' ? 'mean' : defence, trim: N('trim') };
  const clip = N('clip');
  const rate = N('cohort') / d.clients.length;
  const targetVector = d.items.subarray(target * config.itemDim, (target + 1) * config.itemDim);
  try {
    for (let round = 1; round <= N('rounds'); round++) {
      const cohort = d.clients.filter(() => rand() < rate);
      const updates: ClientUpdate[] = [];
      for (const train of cohort) {
        const evil = attack !== 'none' && pick() < N('malicious');
        const negatives = Array.from(sampleNegatives(rand, d.itemCount, 20, new Set(train)), (id) => d.items.subarray(id * config.itemDim, (id + 1) * config.itemDim));
        let events = clientEvents(train, d.items, config);
        // The backdoor: a history whose every next item is the target.
        if (evil && (attack === 'backdoor' || attack === 'backdoor-bounded')) events = events.flatMap((e) => [e, { vector: targetVector, typeIndex: PURCHASE_TYPE, targetWeight: 1 }]).slice(-(config.maxLen + 1));
        let delta = await localDelta(model, global, events, negatives, N('local-steps'), N('local-lr'));
        if (!delta) continue;
        if (evil) {
          const norm = Math.sqrt(delta.reduce((t, v) => t + v * v, 0)) || 1;
          const bounded = (0.5 * N('cohort') * clip) / norm;
          const factor =
            attack === 'scaled' ? 20 : attack === 'sign-flip' ? -10 : attack === 'backdoor' ? 10 : attack === 'sign-flip-bounded' ? -bounded : bounded;
          delta = delta.map((v) => v * factor);
        }
        // What a client sends: clipped (honest clients only; an attacker may skip it). Centrally the server re-clips each
        // int8 update; under secure aggregation it cannot: the attacker's unclipped update goes into the sum as it is.
        const sent = evil ? delta : clipToNorm(delta, clip).values;
        if (defence === 'secure-sum') {
          updates.push({ values: sent, weight: 1 });
          continue;
        }
        const bounded = clipToNorm(sent, clip).values;
        updates.push({ values: dequantize(quantizeInt8(bounded, 256, rand)), weight: 1 });
      }
      if (defence === 'secure-sum' && updates.length > 2) {
        const sum = new Float32Array(global.length);
        for (const u of updates) (u.values as Float32Array).forEach((v, i) => (sum[i]! += v));
        if (l2(sum) > sumNormBound(updates.length, clip, 0, sum.length)) {
          droppedRounds++;
          continue;
        }
        global = serverStep(global, sum.map((v) => v / updates.length), { kind: 'fedavg', learningRate: 1 }, null).weights;
      } else if (updates.length > 2) {
        const mean = robustNoisyMean(updates, { clip, noiseMultiplier: 0 }, robust, () => 0);
        global = serverStep(global, mean, { kind: 'fedavg', learningRate: 1 }, null).weights;
      }
    }
  } finally {
    model.dispose();
  }
  const ndcg10 = (await evaluate(d, global)).ndcg10;
  const backdoor = await backdoorSuccess(d, global, target);
  return { ndcg10, backdoor, seconds: (performance.now() - t0) / 1000, droppedRounds };
}

await useNodeBackend('wasm');
const ds = loadDataset('beauty', a['data-dir']!, N('users'));
const items = attributeVectors(loadAttributes('beauty', a['data-dir']!, ds.itemCount), config.itemDim);
const d = simData(ds, config, items, 99, N('eval-users'), N('seed'));
// The backdoor's target: a rarely bought item (the attack is to push something nobody would be shown).
const counts = new Int32Array(ds.itemCount);
for (const c of d.clients) for (const id of c) counts[id]!++;
let target = 1;
for (let i = 1; i < ds.itemCount; i++) if (counts[i] === 1) { target = i; break; }
log(`${d.clients.length} clients, ${N('rounds')} rounds of ~${N('cohort')}, ${N('malicious') * 100}% malicious, backdoor target item ${target}`);

const rows: { attack: Attack; defence: Defence; ndcg10: number; ndcg10Drop: number; backdoorSuccess: number; seconds: number; droppedRounds: number }[] = [];
const clean: Record<string, number> = {};
const defences = (a.defences ?? 'mean,trimmed-mean,secure-sum').split(',') as Defence[];
for (const defence of defences) {
  for (const attack of (a.attacks ?? 'none,scaled,sign-flip,backdoor,sign-flip-bounded,backdoor-bounded').split(',') as Attack[]) {
    const r = await run(d, attack, defence, target);
    if (attack === 'none') clean[defence] = r.ndcg10;
    const row = { attack, defence, ndcg10: r.ndcg10, ndcg10Drop: (clean[defence]! - r.ndcg10) * 100, backdoorSuccess: r.backdoor, seconds: Math.round(r.seconds), droppedRounds: r.droppedRounds };
    rows.push(row);
    log(`${defence} / ${attack}: NDCG@10 ${r.ndcg10.toFixed(4)} (drop ${row.ndcg10Drop.toFixed(2)} points), backdoor success ${(r.backdoor * 100).toFixed(1)}% (${row.seconds} s)`);
  }
}
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  a.out!,
  `${JSON.stringify({ generatedBy: 'npm run bench:poisoning', settings: { users: N('users'), rounds: N('rounds'), cohort: N('cohort'), malicious: N('malicious'), clip: N('clip'), trim: N('trim'), localSteps: N('local-steps'), noise: 0, target }, note: 'ndcg10Drop in points (×100) against the clean run with the same defence; backdoorSuccess = share of test users with the target in their top 10; secure-sum = secure aggregation: the servers cannot re-clip one update, only drop a round whose sum is longer than K clipped updates (droppedRounds)', rows }, null, 2)}\n`,
);
log(`wrote ${a.out}`);

// The federated benchmark: central vs federated vs federated with DP on the quality issue's data (Beauty,
// sampled-99 protocol), each user a client with only its own history. Writes bench/results/federated.json,
// the '## Federated' section of docs/BENCHMARKS.md and two SVG charts. Reads data from --data-dir; never
// copies data. Sized for ~15 minutes on 2 shared cores; --quick is a smoke run of a minute or two.
// Run: npm run bench:federated [-- --quick] [-- --rounds 60 --cohort 100 --epsilons 2,8]
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { noiseForEpsilon } from '../src/shared/federated/accountant.js';
import { secureNoiseForEpsilon } from '../src/shared/federated/skellam-accountant.js';
import { fixedPointBits } from '../src/shared/secure-aggregation/fixed-point.js';
import { quantizeInt8 } from '../src/shared/federated/quantize.js';
import { encodeUpdate } from '../src/shared/federated/wire.js';
import { parameterCount, weightSpecs } from '../src/shared/model/weights.js';
import type { ModelConfig } from '../src/shared/protocol.js';
import { useNodeBackend } from '../trainer/tf-node.js';
import { attributeVectors } from '../trainer/content-vectors.js';
import { defaultDataDir, loadAttributes, loadDataset, type DatasetName } from '../trainer/data.js';
import { PLAN } from './quality/evaluate.js';
import { renderPlots, markdownSection, writeJson, writeSection, type FederatedResults, type FederatedRow } from './federated/report.js';
import { LOCAL_TRAINING } from '../workers/local-recipe.js';
import { DEFAULT_FEDERATED, SERVER_OPTIMIZER_DEFAULTS } from '../server/config.js';
import { evaluate, initialFlat, simData, trainCentral, trainFederated } from './federated/simulate.js';
import type { LearningRateSchedule, ServerOptimizer, ServerOptimizerKind } from '../src/shared/federated/aggregate.js';

const { values: a } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: defaultDataDir() },
    dataset: { type: 'string', default: 'beauty' },
    quick: { type: 'boolean', default: false },
    seed: { type: 'string', default: '2026' },
    rounds: { type: 'string' },
    cohort: { type: 'string' },
    epsilons: { type: 'string' },
    /** Skip the run without noise (only the DP runs). */
    'no-plain': { type: 'boolean', default: false },
    'central-epochs': { type: 'string' },
    /** Also train a central model with the federated runs' budget: --rounds minibatch steps of --cohort clients (Adam lr 3e-3). */
    'central-same-budget': { type: 'boolean', default: false },
    'eval-users': { type: 'string' },
    /** Defaults: the worker's own recipe (workers/local-recipe.ts LOCAL_TRAINING). */
    'local-steps': { type: 'string', default: String(LOCAL_TRAINING.steps) },
    'local-lr': { type: 'string', default: String(LOCAL_TRAINING.learningRate) },
    clip: { type: 'string', default: String(DEFAULT_FEDERATED.clip) },
    /** Defaults: the server's (server/config.ts). */
    server: { type: 'string', default: DEFAULT_FEDERATED.optimizer },
    'server-lr': { type: 'string', default: String(DEFAULT_FEDERATED.serverLearningRate) },
    /** The server's FedAdam τ (src/shared/federated/aggregate.ts serverStep's default, which the server uses). */
    'server-tau': { type: 'string', default: String(SERVER_OPTIMIZER_DEFAULTS.tau) },
    /** FedAdam's β₂ (serverStep's default 0.99) and Adam's bias correction (default: the server's). */
    'server-beta2': { type: 'string', default: String(SERVER_OPTIMIZER_DEFAULTS.beta2) },
    'bias-correction': { type: 'boolean', default: SERVER_OPTIMIZER_DEFAULTS.biasCorrection },
    'no-bias-correction': { type: 'boolean', default: false },
    /** Server learning-rate schedule: linear warm-up over --warmup rounds, then cosine decay to --lr-floor × the rate over the remaining rounds (--decay, default: to the last round); constant when neither is given. */
    warmup: { type: 'string' },
    decay: { type: 'string' },
    'lr-floor': { type: 'string' },
    /** A probe: train only this many of --rounds (ε, z and the schedule stay those of the full --rounds run). */
    'stop-after': { type: 'string' },
    /** Validation every this many rounds (default: a tenth of the rounds). */
    'eval-every': { type: 'string' },
    /** The trainer job's optimiser: sgd (the worker's) or adam (the earlier recipe, a fresh Adam per version). */
    'local-optimizer': { type: 'string', default: LOCAL_TRAINING.optimizer },
    /** Re-render the docs section and charts from the results file, without training anything. */
    'report-only': { type: 'boolean', default: false },
    /** Add this configuration's rows to an existing results file (reusing its central row) instead of starting over. */
    append: { type: 'boolean', default: false },
    /** Reuse the central row of this results file (same code, seed and data) instead of training it again. */
    'central-from': { type: 'string' },
    /** Combine these results files (comma-separated, e.g. runs made in parallel) into --out and re-render; trains nothing. */
    merge: { type: 'string' },
    /** With --merge or --report-only: a markdown file whose lines become the results' notes (how to read the rows). */
    notes: { type: 'string' },
    /** central: the server sees each update (int8), re-clips and adds Gaussian noise; secure: the shipped protocol (fixed point, device Skellam noise, two aggregators). */
    protocol: { type: 'string', default: 'secure' },
    /** demo: the demo's device model (1 block, width 32); benchmark: the quality benchmark's (2 blocks, width 64). */
    model: { type: 'string', default: 'demo' },
    out: { type: 'string', default: 'bench/results/federated.json' },
    docs: { type: 'string', default: 'docs/BENCHMARKS.md' },
  },
});

if (a.merge) {
  // `file.json@text|text2` keeps only that file's rows whose training column contains one of the texts and its curves
  // whose label does (e.g. the previous best rows of a committed results file, kept for comparison).
  const parts = a.merge.split(',').map((spec) => {
    const at = spec.indexOf('@');
    const file = at < 0 ? spec : spec.slice(0, at);
    const r = JSON.parse(readFileSync(file, 'utf8')) as FederatedResults;
    if (at < 0) return r;
    const texts = spec.slice(at + 1).split('|');
    const keep = (label: string) => texts.some((t) => label.includes(t));
    return { ...r, rows: r.rows.filter((x) => (x.mode === 'central' && x.rounds === 0) || keep(x.config ?? '')), curves: r.curves.filter((c) => keep(c.run)) };
  });
  const [first] = parts;
  if (!first) throw new Error('--merge needs at least one file');
  // One full central row per model (the first part's that has one): runs of another model keep their own baseline.
  const isCentral = (r: FederatedRow) => r.mode === 'central' && r.rounds === 0;
  const central: FederatedRow[] = [];
  for (const r of parts.flatMap((p) => p.rows.filter(isCentral))) if (!central.some((c) => (c.model ?? '') === (r.model ?? ''))) central.push(r);
  const merged: FederatedResults = {
    ...first,
    generatedBy: [...parts.map((p) => p.generatedBy), `npm run bench:federated -- ${process.argv.slice(2).join(' ')}`].join(' ; '),
    generatedAt: new Date().toISOString(),
    // The full central row of each model once, then every part's other rows (a same-budget central row included).
    rows: [...central, ...parts.flatMap((p) => p.rows.filter((r) => !isCentral(r)))],
    // Runs of different lengths or server settings get their own curve: the label names both.
    curves: parts.flatMap((p) => {
      const last = Math.max(...p.curves.map((c) => c.round));
      const server = String(p.setup['server'] ?? '');
      // Runs recorded before setup.server named the schedule: take it from the rows' training column.
      const label = `${server}${!server.includes('cosine') && p.rows.some((r) => r.config?.includes('cosine')) ? ' cosine' : ''}`;
      // Another model than the first part's is named in front of its curves.
      const model = p.setup['params'] !== first.setup['params'] ? `${String(p.setup['params'])} parameters · ` : '';
      // A label from an earlier merge already names its server settings and length.
      return p.curves.map((c) => (/ \(.*\)$/.test(c.run) ? { ...c, run: `${model}${c.run.replace(/ \(.*\)$/, '')} · ${label} · ${last} rounds` } : c));
    }),
    // Where the parts differ, the first part's setup wins (as its central row does).
    setup: Object.assign({}, ...parts.map((p) => p.setup).reverse()) as Record<string, unknown>,
    ...(a.notes ? { notes: readFileSync(a.notes, 'utf8').trimEnd().split('\n') } : {}),
  };
  writeJson(a.out!, merged);
  await renderPlots(merged, join(dirname(a.docs!), 'federated-rounds.svg'), join(dirname(a.docs!), 'federated-epsilon.svg'));
  writeSection(a.docs!, markdownSection(merged, { rounds: 'federated-rounds.svg', epsilon: 'federated-epsilon.svg' }));
  console.log(`merged ${parts.length} results files into ${a.out}; re-rendered ${a.docs} (## Federated) and the charts`);
  process.exit(0);
}
if (a['report-only']) {
  const saved = JSON.parse(readFileSync(a.out!, 'utf8')) as FederatedResults;
  if (a.notes) {
    saved.notes = readFileSync(a.notes, 'utf8').trimEnd().split('\n');
    writeJson(a.out!, saved);
  }
  await renderPlots(saved, 'docs/federated-rounds.svg', 'docs/federated-epsilon.svg');
  writeSection(a.docs!, markdownSection(saved, { rounds: 'federated-rounds.svg', epsilon: 'federated-epsilon.svg' }));
  console.log(`re-rendered ${a.docs} (## Federated) and the charts from ${a.out}`);
  process.exit(0);
}
const quick = a.quick!;
const num = (v: string | undefined, full: number, small: number) => (v !== undefined ? Number(v) : quick ? small : full);
const dataset = a.dataset as DatasetName;
const seed = Number(a.seed);
const rounds = num(a.rounds, 80, 3);
const cohort = num(a.cohort, 120, 20);
const evalUsers = num(a['eval-users'], 2000, 200);
const centralEpochs = num(a['central-epochs'], 3, 1);
const epsilons = (a.epsilons ?? (quick ? '8' : '2,8')).split(',').filter((e) => e !== '' && e !== 'none').map(Number);
const log = (l: string) => console.log(l);

await useNodeBackend('wasm');
const ds = loadDataset(dataset, a['data-dir']!, quick ? 2000 : null);
// The demo's on-device architecture, over fixed content vectors the shop supplies (attribute hashing).
const config: ModelConfig =
  a.model === 'benchmark' ? { itemDim: 64, hidden: 64, maxLen: 50, ffn: 128, eventTypes: 5, blocks: 2 } : { itemDim: 32, hidden: 32, maxLen: 20, ffn: 64, eventTypes: 5 };
const protocol_ = a.protocol === 'central' ? 'central' : 'secure';
const items = attributeVectors(loadAttributes(dataset, a['data-dir']!, ds.itemCount), config.itemDim);
const evalProtocol = PLAN[dataset]!.sampled === 100 ? 'sampled-100' : 'sampled-99';
const d = simData(ds, config, items, PLAN[dataset]!.sampled, evalUsers, seed);
const clients = d.clients.length;
const sampleRate = Math.min(1, cohort / clients);
const delta = 1 / clients;
const clip = Number(a.clip);
const scheduled = a.warmup !== undefined || a.decay !== undefined || a['lr-floor'] !== undefined;
const warmup = Number(a.warmup ?? 0);
const schedule: LearningRateSchedule | undefined = scheduled
  ? { warmupRounds: warmup, decayRounds: a.decay !== undefined ? Number(a.decay) : Math.max(0, rounds - warmup), floor: Number(a['lr-floor'] ?? 0) }
  : undefined;
const biasCorrection = a['bias-correction']! && !a['no-bias-correction'];
const server: ServerOptimizer = {
  kind: a.server as ServerOptimizerKind,
  learningRate: Number(a['server-lr']),
  tau: Number(a['server-tau']),
  beta2: Number(a['server-beta2']),
  biasCorrection,
  ...(schedule ? { schedule } : {}),
};
const stopAfter = a['stop-after'] !== undefined ? Number(a['stop-after']) : undefined;
const scheduleLabel = schedule
  ? ` · warm-up ${schedule.warmupRounds}${schedule.decayRounds > 0 ? `, cosine to ×${schedule.floor} over ${schedule.decayRounds}` : ''}`
  : '';
const adamLabel = server.kind === 'fedadam' ? ` τ ${server.tau}${server.beta2 !== 0.99 ? ` β₂ ${server.beta2}` : ''}${biasCorrection ? ' bias-corr.' : ''}` : '';
const localOptimizer = a['local-optimizer'] === 'adam' ? 'adam' : 'sgd';
const configLabel = `${localOptimizer === 'sgd' ? "worker's SGD" : 'fresh Adam'} ×${a['local-steps']} lr ${a['local-lr']} · ${server.kind} lr ${server.learningRate}${adamLabel}${scheduleLabel} · C ${a.clip}`;
const previous: FederatedResults | null = a.append ? (JSON.parse(readFileSync(a.out!, 'utf8')) as FederatedResults) : null;
const params = parameterCount(weightSpecs(config));
log(`${dataset}: ${clients} clients, ${ds.itemCount} items, ${params} parameters; q = ${sampleRate.toFixed(5)}, δ = ${delta.toExponential(2)}`);

const untrained = (await evaluate(d, initialFlat(config, seed), 'valid')).ndcg10;
log(`untrained: valid NDCG@10 ${untrained.toFixed(4)}`);

const rows: FederatedRow[] = previous ? [...previous.rows] : [];
const curves: FederatedResults['curves'] = previous ? [...previous.curves] : [];
const modelLabel = `${config.blocks ?? 1} block${(config.blocks ?? 1) > 1 ? 's' : ''}, width ${config.hidden} (${parameterCount(weightSpecs(config))} parameters)`;
const base = { dataset, evalProtocol, model: modelLabel, rounds: 0, clientsPerRound: 0 };

let cm: { ndcg10: number; hr10: number };
const centralFrom = a['central-from'] ? (JSON.parse(readFileSync(a['central-from'], 'utf8')) as FederatedResults).rows : null;
const saved = (centralFrom ?? rows).find((r) => r.mode === 'central' && r.dataset === dataset && r.evalProtocol === evalProtocol && (r.model ?? '1 block, width 32 (11330 parameters)') === modelLabel);
if (saved) {
  cm = saved;
  if (centralFrom) rows.push(saved);
  log(`central: reusing test NDCG@10 ${cm.ndcg10.toFixed(4)} from ${a['central-from'] ?? a.out}`);
} else {
  log(`central: ${centralEpochs} epochs`);
  const central = await trainCentral(d, { epochs: centralEpochs, batchSize: 64, negatives: 64, learningRate: 3e-3, seed, log });
  cm = await evaluate(d, central.flat, 'test');
  rows.push({ ...base, mode: 'central', epsilon: null, delta: null, ndcg10: cm.ndcg10, hr10: cm.hr10, ratioToCentral: 1, bestRound: central.epochs, seconds: Math.round(central.seconds), protocol: 'none', config: `minibatch 64, Adam lr 3e-3, ${centralEpochs} epochs` });
  log(`central test NDCG@10 ${cm.ndcg10.toFixed(4)} HR@10 ${cm.hr10.toFixed(4)}`);
}

if (a['central-same-budget']) {
  log(`central with the federated budget: ${rounds} minibatch steps of ${cohort} clients`);
  const small = await trainCentral(d, { epochs: Math.ceil((rounds * cohort) / clients), batchSize: cohort, negatives: 64, learningRate: 3e-3, seed, log, maxSteps: rounds });
  const m = await evaluate(d, small.flat, 'test');
  rows.push({ ...base, protocol: 'none', mode: 'central', epsilon: null, delta: null, rounds, clientsPerRound: cohort, ndcg10: m.ndcg10, hr10: m.hr10, ratioToCentral: m.ndcg10 / cm.ndcg10, seconds: Math.round(small.seconds), config: `same budget as the federated runs: ${rounds} minibatch steps of ${cohort} clients, Adam lr 3e-3` });
  log(`central (same budget) test NDCG@10 ${m.ndcg10.toFixed(4)} (${((m.ndcg10 / cm.ndcg10) * 100).toFixed(1)}% of central)`);
}

const short = localOptimizer === 'sgd' ? `SGD+${server.kind}` : `Adam+${server.kind}`;
const runs: { label: string; z: number; epsilon: number | null }[] = a['no-plain'] ? [] : [{ label: `federated (${short})`, z: 0, epsilon: null }];
const expectedCohort = Math.max(1, Math.round(sampleRate * clients));
for (const eps of epsilons) {
  const z =
    protocol_ === 'secure'
      ? secureNoiseForEpsilon(sampleRate, rounds, eps, delta, parameterCount(weightSpecs(config)), (zz) => fixedPointBits(expectedCohort, zz))
      : noiseForEpsilon(sampleRate, rounds, eps, delta);
  runs.push({ label: `ε=${eps} (${short}${protocol_ === 'secure' ? ', secure' : ''})`, z, epsilon: eps });
}
for (const run of runs) {
  log(`${run.label}: ${rounds} rounds, q ${sampleRate.toFixed(5)}, z ${run.z.toFixed(3)}`);
  const r = await trainFederated(d, {
    rounds,
    sampleRate,
    localSteps: Number(a['local-steps']),
    localLearningRate: Number(a['local-lr']),
    negatives: 64,
    clip,
    noiseMultiplier: run.z,
    server,
    localOptimizer,
    protocol: protocol_,
    seed,
    evalEvery: a['eval-every'] !== undefined ? Number(a['eval-every']) : Math.max(1, Math.round(rounds / 10)),
    ...(stopAfter !== undefined ? { stopAfter } : {}),
    log,
  });
  const m = await evaluate(d, r.best, 'test');
  for (const c of r.curve) curves.push({ run: run.label, round: c.round, ndcg10: c.valid });
  rows.push({
    ...base,
    mode: run.z > 0 ? 'federated-dp' : 'federated',
    epsilon: run.epsilon,
    delta: run.z > 0 ? delta : null,
    rounds: Math.min(rounds, stopAfter ?? rounds),
    clientsPerRound: Math.round(r.meanCohort),
    ndcg10: m.ndcg10,
    hr10: m.hr10,
    ratioToCentral: m.ndcg10 / cm.ndcg10,
    noiseMultiplier: run.z,
    bestRound: r.bestRound,
    seconds: Math.round(r.seconds),
    config: configLabel,
    protocol: protocol_ === 'secure' ? 'secure-aggregation' : 'central',
    clippedShare: r.clippedShare,
    updateNormMedian: r.updateNorms.median,
  });
  log(`${run.label}: test NDCG@10 ${m.ndcg10.toFixed(4)} (${((m.ndcg10 / cm.ndcg10) * 100).toFixed(1)}% of central), best round ${r.bestRound}, ${(r.clippedShare * 100).toFixed(0)}% of updates clipped; update norms p10/median/p90 ${r.updateNorms.p10.toFixed(3)}/${r.updateNorms.median.toFixed(3)}/${r.updateNorms.p90.toFixed(3)}`);
}

// One real upload body for this model: a ticket of typical length (`<round>.<22>.<43>`), default chunk.
const chunk = 256;
const body = encodeUpdate({ baseVersion: 1, round: 1, exampleBucket: 8, ticket: `1234.${'n'.repeat(22)}.${'m'.repeat(43)}`, update: quantizeInt8(new Float32Array(params).fill(0.001), chunk, Math.random) });

const argv = process.argv.slice(2).join(' ');
const command = `npm run bench:federated${argv ? ` -- ${argv}` : ''}`;
const results: FederatedResults = {
  generatedBy: previous ? `${previous.generatedBy} && ${command}` : command,
  generatedAt: new Date().toISOString(),
  rows,
  uploadBytes: body.byteLength,
  setup: {
    ...(previous?.setup ?? {}),
    [`config${previous ? Object.keys(previous.setup).filter((k) => k.startsWith('config')).length + 1 : 1}`]: configLabel,
    dataset, protocol: evalProtocol, clients, evalUsers, model: `${config.blocks ?? 1} block, width ${config.hidden}, maxLen ${config.maxLen}`, params,
    itemVectors: 'attribute hashing (content only, fixed)', localSteps: Number(a['local-steps']), localLr: Number(a['local-lr']), negatives: 64,
    clip, server: `${server.kind} lr ${server.learningRate}${schedule ? ' cosine' : ''}${cohort !== 120 ? ` · cohort ${cohort}` : ''}`, delta, sampleRate, chunk, centralEpochs, quick,
  },
  curves,
  untrainedNdcg10: untrained,
};
writeJson(a.out!, results);
// Charts beside the docs file (docs/ by default), or in /tmp for --quick.
const chartDir = quick ? '/tmp' : dirname(a.docs!);
const plots = { rounds: join(chartDir, 'federated-rounds.svg'), epsilon: join(chartDir, 'federated-epsilon.svg') };
await renderPlots(results, plots.rounds, plots.epsilon);
if (!quick) writeSection(a.docs!, markdownSection(results, { rounds: 'federated-rounds.svg', epsilon: 'federated-epsilon.svg' }));
log(`wrote ${a.out}${quick ? '' : `, ${a.docs} (## Federated)`} and the charts`);

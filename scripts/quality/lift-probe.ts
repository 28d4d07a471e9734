// Probe of the personal learning lift on one data set and model, on validation targets (for choosing the recipe)
// or test targets; prints the figures. Run: npx tsx scripts/quality/lift-probe.ts beauty --name shelf-beauty --part valid
import { parseArgs } from 'node:util';
import { useNodeBackend } from '../../trainer/tf-node.js';
import { defaultDataDir, loadDataset, type DatasetName } from '../../trainer/data.js';
import { assertTrainedOn, modelDir, readModel } from '../../trainer/device-model-files.js';
import { evalUsers, sampledNegatives } from '../../trainer/protocols.js';
import { PLAN } from './evaluate.js';
import { liftSample, personalLift } from './personal-lift.js';
import type { ShownKind } from './personal-replay.js';
import { RECIPE } from '../../workers/local-recipe.js';

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'data-dir': { type: 'string', default: defaultDataDir() },
    name: { type: 'string' },
    'models-root': { type: 'string', default: 'bench/models' },
    part: { type: 'string', default: 'valid' },
    users: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '2026' },
    shown: { type: 'string', default: 'global-top' },
    'list-size': { type: 'string', default: '10' },
    'train-every': { type: 'string', default: '5' },
    'upload-steps': { type: 'string', default: '1' },
    'upload-lr': { type: 'string', default: '0.02' },
    'personal-steps': { type: 'string' },
    'personal-lr': { type: 'string' },
  },
});
const dataset = positionals[0] as DatasetName;
await useNodeBackend('wasm');
const ds = loadDataset(dataset, a['data-dir']!);
const m = readModel(modelDir(a.name ?? `shelf-${dataset}`, 1, a['models-root']));
assertTrainedOn(m.record, ds.fingerprint);
const seed = Number(a.seed);
const part = a.part as 'valid' | 'test';
const all = evalUsers(ds, part);
const negs = sampledNegatives(all, ds.itemCount, PLAN[dataset]!.sampled, seed);
const s = liftSample(all, negs, Number(a.users), seed);
const r = await personalLift({ config: m.manifest.config, specs: m.manifest.weights, weights: m.device, items: m.itemVectors }, s.users, s.negatives, ds.itemCount, {
  users: Number(a.users), seed, trainEvery: Number(a['train-every']), shown: a.shown as ShownKind, listSize: Number(a['list-size']), log: console.log,
  recipe: { upload: { steps: Number(a['upload-steps']), learningRate: Number(a['upload-lr']) }, personal: { steps: Number(a['personal-steps'] ?? RECIPE.personal.steps), learningRate: Number(a['personal-lr'] ?? RECIPE.personal.learningRate) } },
});
const f = (x: typeof r.allItems) => `global ${x.global.ndcg10.toFixed(4)} local ${x.local.ndcg10.toFixed(4)} lift ${(100 * x.lift).toFixed(1)}% [${(100 * x.ci[0]).toFixed(1)}, ${(100 * x.ci[1]).toFixed(1)}]`;
console.log(`${dataset} ${part} ${r.users} users (${r.trainedUsers} trained, ${r.targetShown} with the target shown, ${r.steps} steps, ${r.seconds.toFixed(0)} s)`);
console.log(`  all-items: ${f(r.allItems)}`);
console.log(`  sampled:   ${f(r.sampled)}`);

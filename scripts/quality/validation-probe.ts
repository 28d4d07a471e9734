// Validation-target metrics of a trained model (sampled, 99 negatives outside the sequence, and all items, history
// excluded) on a fixed subset of 5,000 users, for comparing training recipes without touching test targets.
// Run: npx tsx scripts/quality/validation-probe.ts <games|beauty|sports> <model name> [models root]
import { useNodeBackend } from '../../trainer/tf-node.js';
import { defaultDataDir, loadDataset, type DatasetName } from '../../trainer/data.js';
import { assertTrainedOn, modelDir, readModel } from '../../trainer/device-model-files.js';
import { DeviceScorer } from '../../trainer/device-scoring.js';
import { allItems, deviceRanker, evalUsers, sampled, sampledNegatives, subset } from '../../trainer/protocols.js';
await useNodeBackend('wasm');
const [dataset, name, root = 'bench/models'] = process.argv.slice(2) as [DatasetName, string, string?];
if (!dataset || !name) throw new Error('usage: npx tsx scripts/quality/validation-probe.ts <data set> <model name> [models root]');
const ds = loadDataset(dataset, defaultDataDir());
const m = readModel(modelDir(name, 1, root));
assertTrainedOn(m.record, ds.fingerprint);
const scorer = new DeviceScorer(m.manifest.config, m.manifest.weights, m.device, m.itemVectors);
const users = subset(evalUsers(ds, 'valid'), 5000, 7);
const r = await deviceRanker(scorer, users);
const s = sampled(r, users, sampledNegatives(users, ds.itemCount, 99, 11)).metrics;
const a = (await allItems(r, users, ds.itemCount)).metrics;
console.log(`${name}: valid sampled-99 NDCG@10 ${s.ndcg10.toFixed(4)} HR@10 ${s.hr10.toFixed(4)} | all items NDCG@10 ${a.ndcg10.toFixed(4)} HR@10 ${a.hr10.toFixed(4)}`);

// Measures which tfjs backend trains Shelf's benchmark model fastest in Node here: one epoch on the first
// 1,024 Beauty users (8 steps of 128, 1,024 negatives) on wasm with the untransposed matMul gradient, on wasm
// with tfjs's own gradient, and on cpu. Writes bench/results/backends.json. Never trains a model to keep.
// Run: npx tsx scripts/quality/probe-backends.ts [--data-dir ../shared/data]
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SEQUENCE_TYPES } from '../../src/shared/events.js';
import { useNodeBackend, type NodeBackend } from '../../trainer/tf-node.js';
import { defaultDataDir, loadDataset } from '../../trainer/data.js';
import { trainModel } from '../../trainer/trainer.js';

const { values: a } = parseArgs({ options: { 'data-dir': { type: 'string', default: defaultDataDir() }, users: { type: 'string', default: '1024' } } });
const ds = loadDataset('beauty', a['data-dir']!, Number(a.users));
const config = { itemDim: 64, hidden: 64, maxLen: 50, ffn: 128, eventTypes: SEQUENCE_TYPES.length, blocks: 2 };
const runs: { backend: string; matMulGradient: string; secondsPerStep: number }[] = [];
const cases: [NodeBackend, boolean][] = [['wasm', false], ['wasm', true], ['cpu', false]];
for (const [backend, plain] of cases) {
  await useNodeBackend(backend);
  const t = performance.now();
  await trainModel(ds, {
    config, epochs: 1, minutes: 10, batchSize: 128, negatives: 1024, learningRate: 0.003, dropout: 0.5, seed: 1,
    fixedItemVectors: null, validUsers: 0, log: () => {}, plainMatMulGradient: plain,
  });
  const steps = Math.ceil(ds.sequences.length / 128);
  const secondsPerStep = (performance.now() - t) / 1000 / steps;
  runs.push({ backend, matMulGradient: plain ? 'tfjs' : 'untransposed', secondsPerStep });
  console.log(`${backend} (${plain ? "tfjs's" : 'untransposed'} matMul gradient): ${secondsPerStep.toFixed(2)} s per step`);
}
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/backends.json', JSON.stringify({ generatedBy: 'npx tsx scripts/quality/probe-backends.ts', generatedAt: new Date().toISOString(), users: ds.sequences.length, runs }, null, 2) + '\n');

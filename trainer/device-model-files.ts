// Writes and reads a trained benchmark model: the device part in the worker's format
// (public/models/<name>/<version>/manifest.json + weights.bin) and, separately, the server's item vectors and
// the training record (bench/models/<name>/<version>/). The device files never contain a per-item table.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestSchema, type Manifest, type ModelConfig } from '../src/shared/protocol.js';
import { makeManifest, MANIFEST_FILE, WEIGHTS_FILE } from '../src/shared/model/manifest.js';
import type { DatasetFingerprint } from './data.js';
import type { EpochLog } from './trainer.js';
import type { SmoothingChoice } from './smooth-items.js';

export const ITEM_VECTORS_FILE = 'item-vectors.bin';
export const TRAINING_FILE = 'training.json';

/** What the trainer records beside the server's item vectors; the harness checks it before evaluating. */
export interface TrainingRecord {
  model: string;
  version: number;
  /** `learned`: trained jointly with the device model; `content`: fixed attribute vectors; `precomputed`: the shop's file. */
  itemVectors: 'learned' | 'content' | 'precomputed';
  data: DatasetFingerprint;
  seed: number;
  trainSeconds: number;
  bestEpoch: number;
  /** The weights kept are the mean of epochs hyper.averageFrom..bestEpoch (absent in older records: false). */
  keptAveraged?: boolean;
  backend: string;
  hyper: Record<string, number | string>;
  history: EpochLog[];
  itemVectorsSha256: string;
  command: string;
  /** Validation grid search of the server-side smoothing of the item vectors (see smooth-items.ts); α 0 = none. */
  smoothing?: SmoothingChoice;
  /** Validation grid search of the server-rank weight (see calibrate.ts). */
  calibration?: { blend1: number; grid: { blend1: number; ndcg10: number }[]; users: number };
}

/** Refuses a model trained on other data than `data` (another data set, file version or slice). */
export function assertTrainedOn(record: TrainingRecord, data: DatasetFingerprint): void {
  const r = record.data;
  const same = r.dataset === data.dataset && r.sha256 === data.sha256 && r.maxUsers === data.maxUsers && r.items === data.items;
  if (!same) {
    throw new Error(
      `model ${record.model} v${record.version} was trained on ${r.dataset} (${r.file}, sha256 ${r.sha256.slice(0, 12)}…, ` +
        `${r.maxUsers === null ? 'all users' : `first ${r.maxUsers} users`}), not on ${data.dataset} (${data.file}, sha256 ` +
        `${data.sha256.slice(0, 12)}…, ${data.maxUsers === null ? 'all users' : `first ${data.maxUsers} users`}): refusing to evaluate it there`,
    );
  }
}

export interface ModelPaths {
  deviceDir: string;
  serverDir: string;
}

export function modelPaths(name: string, version: number, deviceRoot = 'public/models', serverRoot = 'bench/models'): ModelPaths {
  return { deviceDir: join(deviceRoot, name, String(version)), serverDir: join(serverRoot, name, String(version)) };
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const bytesOf = (f: Float32Array) => new Uint8Array(f.buffer, f.byteOffset, f.byteLength);

export function writeModel(p: ModelPaths, args: {
  name: string;
  version: number;
  config: ModelConfig;
  vectorSpace: string;
  device: Float32Array;
  itemVectors: Float32Array;
  record: Omit<TrainingRecord, 'itemVectorsSha256'>;
  examples: number;
}): Manifest {
  const weights = bytesOf(args.device);
  const manifest = makeManifest({
    name: args.name,
    version: args.version,
    parent: null,
    vectorSpace: args.vectorSpace,
    config: args.config,
    weightsSha256: sha256(weights),
    weightsBytes: weights.byteLength,
    lineage: { kind: 'seed', updates: 0, examples: args.examples },
  });
  mkdirSync(p.deviceDir, { recursive: true });
  writeFileSync(join(p.deviceDir, WEIGHTS_FILE), weights);
  writeFileSync(join(p.deviceDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  const items = bytesOf(args.itemVectors);
  mkdirSync(p.serverDir, { recursive: true });
  writeFileSync(join(p.serverDir, ITEM_VECTORS_FILE), items);
  const record: TrainingRecord = { ...args.record, itemVectorsSha256: sha256(items) };
  writeFileSync(join(p.serverDir, TRAINING_FILE), JSON.stringify(record, null, 2) + '\n');
  return manifest;
}

export interface LoadedBenchModel {
  manifest: Manifest;
  device: Float32Array;
  itemVectors: Float32Array;
  record: TrainingRecord;
  deviceBytes: number;
}

/** Reads a trained model back, verifying hashes like the worker does. Throws with a clear message. */
export function readModel(p: ModelPaths): LoadedBenchModel {
  let manifestText: string;
  try {
    manifestText = readFileSync(join(p.deviceDir, MANIFEST_FILE), 'utf8');
  } catch {
    throw new Error(`no trained model at ${p.deviceDir} — run \`npm run train -- <dataset>\` first`);
  }
  const manifest = ManifestSchema.parse(JSON.parse(manifestText));
  const weights = readFileSync(join(p.deviceDir, WEIGHTS_FILE));
  const file = manifest.files.find((f) => f.path === WEIGHTS_FILE);
  if (!file || file.sha256 !== sha256(weights)) throw new Error(`${p.deviceDir}: weights do not match the manifest's sha256`);
  const record = JSON.parse(readFileSync(join(p.serverDir, TRAINING_FILE), 'utf8')) as TrainingRecord;
  const items = readFileSync(join(p.serverDir, ITEM_VECTORS_FILE));
  if (sha256(items) !== record.itemVectorsSha256) throw new Error(`${p.serverDir}: item vectors do not match the training record`);
  const toF32 = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  return { manifest, device: toF32(weights), itemVectors: toF32(items), record, deviceBytes: weights.byteLength };
}

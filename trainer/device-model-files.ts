// Writes and reads a trained benchmark model as committed in the repository (bench/models/<name>/<version>/):
// the device part (the encoder's weights, what the worker downloads; never a per-item table) and the server's item
// vectors, each stored as float16, plus model.json (config, vector space, sha256 of each file, the training
// record). Reading decodes to float32 and verifies both hashes, so every figure of `npm run bench:quality` is
// computed from exactly the committed files.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Float16Array } from '@petamoriken/float16';
import type { Manifest, ModelConfig } from '../src/shared/protocol.js';
import { makeManifest } from '../src/shared/model/manifest.js';
import type { DatasetFingerprint } from './data.js';
import type { EpochLog } from './trainer.js';
import type { SmoothingChoice } from './smooth-items.js';

export const MODEL_FILE = 'model.json';
export const DEVICE_FILE = 'device.f16';
export const ITEM_VECTORS_FILE = 'items.f16';
const FORMAT = 'shelf-benchmark-model/1';

/** What the trainer records beside the model; the harness checks it before evaluating. */
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
  command: string;
  /** Validation grid search of the server-side smoothing of the item vectors (see smooth-items.ts); α 0 = none. */
  smoothing?: SmoothingChoice;
  /** Validation grid search of the server-rank weight (see calibrate.ts). */
  calibration?: { blend1: number; grid: { blend1: number; ndcg10: number }[]; users: number };
}

interface StoredFile {
  path: string;
  floats: number;
  sha256: string;
}

/** model.json. */
interface ModelFile {
  format: typeof FORMAT;
  name: string;
  version: number;
  config: ModelConfig;
  vectorSpace: string;
  examples: number;
  device: StoredFile;
  items: StoredFile & { rows: number };
  record: TrainingRecord;
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

/** The folder of model `name` version `version` under `root` (bench/models by default, where they are committed). */
export function modelDir(name: string, version: number, root = 'bench/models'): string {
  return join(root, name, String(version));
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** float32 → float16 bytes (round to nearest even). */
function toHalf(x: Float32Array): Uint8Array {
  const h = Float16Array.from(x);
  return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
}

function fromHalf(b: Buffer): Float32Array {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return Float32Array.from(new Float16Array(copy.buffer));
}

/** `x` as it reads back after a float16 round trip (what evaluation sees). */
export function roundedToHalf(x: Float32Array): Float32Array {
  return Float32Array.from(Float16Array.from(x));
}

export function writeModel(dir: string, args: {
  name: string;
  version: number;
  config: ModelConfig;
  vectorSpace: string;
  device: Float32Array;
  itemVectors: Float32Array;
  record: TrainingRecord;
  examples: number;
}): { deviceBytes: number; itemBytes: number } {
  for (const [what, x] of [['device weights', args.device], ['item vectors', args.itemVectors]] as const) {
    const big = x.findIndex((v) => !Number.isFinite(v) || Math.abs(v) > 65504);
    if (big >= 0) throw new RangeError(`${args.name}: ${what}[${big}] = ${x[big]} does not fit in float16`);
  }
  const device = toHalf(args.device);
  const items = toHalf(args.itemVectors);
  const file: ModelFile = {
    format: FORMAT,
    name: args.name,
    version: args.version,
    config: args.config,
    vectorSpace: args.vectorSpace,
    examples: args.examples,
    device: { path: DEVICE_FILE, floats: args.device.length, sha256: sha256(device) },
    items: { path: ITEM_VECTORS_FILE, floats: args.itemVectors.length, rows: args.itemVectors.length / args.config.itemDim, sha256: sha256(items) },
    record: args.record,
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, DEVICE_FILE), device);
  writeFileSync(join(dir, ITEM_VECTORS_FILE), items);
  writeFileSync(join(dir, MODEL_FILE), JSON.stringify(file, null, 1) + '\n');
  return { deviceBytes: device.byteLength, itemBytes: items.byteLength };
}

export interface LoadedBenchModel {
  /** A worker manifest for the device part (its weights as float32, as a server would publish them). */
  manifest: Manifest;
  device: Float32Array;
  itemVectors: Float32Array;
  record: TrainingRecord;
  /** Bytes of the device part as the worker downloads it (float32). */
  deviceBytes: number;
  /** Bytes stored in the repository (both float16 files). */
  storedBytes: number;
}

/** Reads a committed model back, verifying both files' hashes. Throws with a clear message. */
export function readModel(dir: string): LoadedBenchModel {
  let text: string;
  try {
    text = readFileSync(join(dir, MODEL_FILE), 'utf8');
  } catch {
    throw new Error(`no trained model at ${dir} — run \`npm run train -- <dataset>\` first`);
  }
  const file = JSON.parse(text) as ModelFile;
  if (file.format !== FORMAT) throw new Error(`${dir}/${MODEL_FILE}: format ${String(file.format)}, expected ${FORMAT}`);
  const load = (f: StoredFile): Float32Array => {
    const bytes = readFileSync(join(dir, f.path));
    if (sha256(bytes) !== f.sha256) throw new Error(`${dir}/${f.path}: does not match the sha256 in ${MODEL_FILE}`);
    if (bytes.byteLength !== f.floats * 2) throw new Error(`${dir}/${f.path}: ${bytes.byteLength} bytes, expected ${f.floats * 2}`);
    return fromHalf(bytes);
  };
  const device = load(file.device);
  const itemVectors = load(file.items);
  const weights = new Uint8Array(device.buffer, device.byteOffset, device.byteLength);
  const manifest = makeManifest({
    name: file.name, version: file.version, parent: null, vectorSpace: file.vectorSpace, config: file.config,
    weightsSha256: sha256(weights), weightsBytes: weights.byteLength, lineage: { kind: 'seed', updates: 0, examples: file.examples },
  });
  return { manifest, device, itemVectors, record: file.record, deviceBytes: weights.byteLength, storedBytes: (file.device.floats + file.items.floats) * 2 };
}

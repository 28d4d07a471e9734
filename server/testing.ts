// Helpers for the server's tests only: temp folders, seed files on disk, small models, encoded deltas.
// Must never be imported by the running server, and never write outside os.tmpdir().
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MANIFEST_FILE, WEIGHTS_FILE, makeManifest } from '../src/shared/model/manifest.js';
import { parameterCount, weightSpecs } from '../src/shared/model/weights.js';
import type { ModelConfig } from '../src/shared/protocol.js';
import type { ModelVersion } from './storage/store.js';
import { floatsToBytes, sha256Hex } from './weights-codec.js';

/** A model small enough that tests can reason about every weight (params = 2·2·2 + … , see weightSpecs). */
export const TINY_CONFIG: ModelConfig = { itemDim: 2, hidden: 2, maxLen: 1, ffn: 1, eventTypes: 1 };

/** A fresh folder under the OS temp dir, and a function that removes it. */
export async function tempDir(prefix = 'shelf-test-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A seed-kind version whose weight i is `valueAt(i)`. */
export function makeVersion(
  name: string,
  version: number,
  config: ModelConfig = TINY_CONFIG,
  valueAt: (i: number) => number = (i) => i / 10,
): ModelVersion {
  const n = parameterCount(weightSpecs(config));
  const weights = floatsToBytes(Float32Array.from({ length: n }, (_, i) => valueAt(i)));
  const manifest = makeManifest({
    name,
    version,
    parent: version > 1 ? version - 1 : null,
    config,
    weightsSha256: sha256Hex(weights),
    weightsBytes: weights.byteLength,
    lineage: { kind: 'seed', updates: 0, examples: 100 },
  });
  return { manifest, weights };
}

/** Writes `<seedDir>/<name>/<version>/manifest.json` and `weights.bin`; returns the version folder. */
export async function writeSeed(seedDir: string, v: ModelVersion, weights: Uint8Array = v.weights): Promise<string> {
  const dir = path.join(seedDir, v.manifest.name, String(v.manifest.version));
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(v.manifest, null, 1));
  await writeFile(path.join(dir, WEIGHTS_FILE), weights);
  return dir;
}

/** base64 of float32 little-endian values, as a client uploads them. */
export function encodeDelta(values: ArrayLike<number>): string {
  return Buffer.from(floatsToBytes(Float32Array.from(values))).toString('base64');
}

/** PGlite creates its cluster on first open (seconds); hooks that open a store need this much time. */
export const STORE_TIMEOUT_MS = 60_000;

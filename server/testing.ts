// Helpers for the server's tests only: temp folders, seed files on disk, small models, encoded deltas.
// Must never be imported by the running server, and never write outside os.tmpdir().
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MANIFEST_FILE, WEIGHTS_FILE, makeManifest } from '../src/shared/model/manifest.js';
import { parameterCount, weightSpecs } from '../src/shared/model/weights.js';
import type { ModelConfig } from '../src/shared/protocol.js';
import { clipToNorm } from '../src/shared/federated/clip.js';
import { quantizeInt8 } from '../src/shared/federated/quantize.js';
import { encodeUpdate } from '../src/shared/federated/wire.js';
import { mulberry32 } from '../src/shared/model/weights.js';
import { DEFAULT_FEDERATED, type FederatedConfig, type ServerConfig } from './config.js';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from './app.js';
import { ensureSeeded } from './seed.js';
import { PgliteStore } from './storage/pglite-store.js';
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

/** The app's config for tests: no noise and plain FedAvg unless asked (so results are exact), no admin token unless given. */
export function testConfig(over: Partial<Pick<ServerConfig, 'model' | 'minUpdates' | 'staticDir' | 'ticketSecret' | 'adminToken'>> & { federated?: Partial<FederatedConfig> } & Pick<ServerConfig, 'model' | 'staticDir'>) {
  return {
    minUpdates: 3,
    // The demo shop's routes, which several route tests read (the server itself defaults to off: SHELF_DEMO).
    demo: true,
    ticketSecret: 't'.repeat(32),
    adminToken: null,
    ...over,
    federated: { ...DEFAULT_FEDERATED, noiseMultiplier: 0, clip: 1000, optimizer: 'fedavg' as const, serverLearningRate: 1, ...over.federated },
  };
}

/** A client's update as the uploader sends it: clipped, int8-quantised, in the wire format. */
export function wireUpdate(
  values: ArrayLike<number>,
  o: { baseVersion: number; round: number; ticket: string; exampleBucket?: number; chunk?: number; clip?: number },
): Buffer {
  const v = Float32Array.from(values);
  const clipped = o.clip ? clipToNorm(v, o.clip).values : v;
  const update = quantizeInt8(clipped, o.chunk ?? 256, mulberry32(5));
  return Buffer.from(encodeUpdate({ baseVersion: o.baseVersion, round: o.round, exampleBucket: o.exampleBucket ?? 1, ticket: o.ticket, update }));
}

/**
 * A PGlite store on a temp folder, seeded with `seed` (written as a seed folder and imported as the server does),
 * and an app over it: what most route tests start from. `config` gets the temp folder (for a static dir that does
 * not exist, say). `close` closes the app and the store and removes the folder.
 */
export async function seededApp(
  seed: ModelVersion,
  config: (dir: string) => Parameters<typeof buildApp>[0],
  options: AppOptions = {},
): Promise<{ app: FastifyInstance; store: PgliteStore; dir: string; close(): Promise<void> }> {
  const tmp = await tempDir();
  const store = await PgliteStore.open(path.join(tmp.dir, 'db'));
  const seedDir = path.join(tmp.dir, 'seeds');
  await writeSeed(seedDir, seed);
  await ensureSeeded(store, { model: seed.manifest.name, seedDir });
  const app = await buildApp(config(tmp.dir), store, options);
  return {
    app,
    store,
    dir: tmp.dir,
    async close() {
      await app.close();
      await store.close();
      await tmp.remove();
    },
  };
}

/** Sends `data` on a fresh TCP connection to the server and resolves with all it answered once the server closes it (or `waitMs` passes). */
export function rawRequest(port: number, data: string | Buffer, waitMs = 5_000): Promise<{ status: number | null; headers: string; body: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const at = text.indexOf('\r\n\r\n');
      const head = at < 0 ? text : text.slice(0, at);
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? NaN) || null, headers: head, body: at < 0 ? '' : text.slice(at + 4) });
    };
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', done);
    socket.on('error', () => undefined);
    socket.write(data);
  });
}

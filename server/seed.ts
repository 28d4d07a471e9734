// Gives an empty database its first model version: the highest `<seedDir>/<model>/<version>/` on disk
// (manifest validated, weights checked against its sha256 and size), or, when there is none, freshly
// initialised demo weights. Must never import a seed that fails a check, and never touch a model that
// already has versions.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { ManifestSchema, type Manifest } from '../src/shared/protocol.js';
import { DEMO_MODEL_CONFIG, MANIFEST_FILE, WEIGHTS_FILE, makeManifest } from '../src/shared/model/manifest.js';
import { flatten, initialWeights, parameterCount, weightSpecs } from '../src/shared/model/weights.js';
import { allFinite } from './aggregate.js';
import { ModelExistsError, type ModelVersion, type Store } from './storage/store.js';
import { bytesToFloats, floatsToBytes, sha256Hex } from './weights-codec.js';

/** A seed on disk that must not be imported; the message says which file and what is wrong. */
export class SeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedError';
  }
}

/** Version folders (`1`, `2`, …) under `<seedDir>/<model>/`, highest first; empty when there are none. */
export async function seedVersions(seedDir: string, model: string): Promise<number[]> {
  let entries;
  try {
    entries = await readdir(path.join(seedDir, model), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((e) => e.isDirectory() && /^[1-9]\d{0,8}$/.test(e.name))
    .map((e) => Number(e.name))
    .sort((a, b) => b - a);
}

/**
 * Reads and checks one seed version folder.
 * @throws SeedError when the manifest is invalid or names another model/version, or the weights do not match it.
 */
export async function readSeed(seedDir: string, model: string, version: number): Promise<ModelVersion> {
  const dir = path.join(seedDir, model, String(version));
  const manifestPath = path.join(dir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (err) {
    throw new SeedError(`seed ${manifestPath}: cannot read JSON (${(err as Error).message})`);
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) throw new SeedError(`seed ${manifestPath} is not a valid manifest: ${parsed.error.message}`);
  const manifest: Manifest = parsed.data;
  if (manifest.name !== model || manifest.version !== version) {
    throw new SeedError(`seed ${manifestPath} describes ${manifest.name} v${manifest.version}, but its folder says ${model} v${version}`);
  }
  const expectedSpecs = JSON.stringify(weightSpecs(manifest.config));
  if (JSON.stringify(manifest.weights) !== expectedSpecs) {
    throw new SeedError(`seed ${manifestPath}: weight list does not match the layout its config implies`);
  }
  const file = manifest.files.find((f) => f.path === WEIGHTS_FILE);
  if (!file) throw new SeedError(`seed ${manifestPath} lists no ${WEIGHTS_FILE}`);

  const weightsPath = path.join(dir, WEIGHTS_FILE);
  let weights: Uint8Array;
  try {
    weights = new Uint8Array(await readFile(weightsPath));
  } catch (err) {
    throw new SeedError(`seed ${weightsPath}: cannot read (${(err as Error).message})`);
  }
  if (weights.byteLength !== file.bytes) {
    throw new SeedError(`seed ${weightsPath} has ${weights.byteLength} bytes, its manifest says ${file.bytes}`);
  }
  const hash = sha256Hex(weights);
  if (hash !== file.sha256) throw new SeedError(`seed ${weightsPath} has sha256 ${hash}, its manifest says ${file.sha256}`);
  const params = parameterCount(manifest.weights);
  if (weights.byteLength !== params * 4) {
    throw new SeedError(`seed ${weightsPath} holds ${weights.byteLength / 4} float32 values, the manifest's weights need ${params}`);
  }
  if (!allFinite(bytesToFloats(weights))) throw new SeedError(`seed ${weightsPath} contains NaN or Infinity`);
  return { manifest, weights };
}

/** Version 1 of `model` from the deterministic initial weights of the demo config. */
export function initialVersion(model: string): ModelVersion {
  const specs = weightSpecs(DEMO_MODEL_CONFIG);
  const weights = floatsToBytes(flatten(specs, initialWeights(DEMO_MODEL_CONFIG)));
  const manifest = makeManifest({
    name: model,
    version: 1,
    parent: null,
    config: DEMO_MODEL_CONFIG,
    weightsSha256: sha256Hex(weights),
    weightsBytes: weights.byteLength,
    lineage: { kind: 'seed', updates: 0, examples: 0 },
  });
  return { manifest, weights };
}

export type SeedOutcome =
  | { readonly kind: 'existing'; readonly version: number }
  | { readonly kind: 'imported'; readonly version: number; readonly from: string }
  | { readonly kind: 'initialised'; readonly version: 1 };

/**
 * Makes sure `model` has a current version, importing a seed when the database has none.
 * @example
 *   await ensureSeeded(store, { model: 'shelf-demo', seedDir: 'public/models' }, app.log);
 * @throws SeedError when the highest seed on disk fails a check (nothing is imported).
 */
export async function ensureSeeded(
  store: Store,
  opts: { readonly model: string; readonly seedDir: string },
  log?: FastifyBaseLogger,
): Promise<SeedOutcome> {
  const current = await store.current(opts.model);
  if (current) {
    log?.info({ model: opts.model, version: current.version }, 'model already in the database; seed not needed');
    return { kind: 'existing', version: current.version };
  }
  const [highest] = await seedVersions(opts.seedDir, opts.model);
  // Another replica may import between our read and our import: then its version is the one to keep.
  const importOrExisting = async (v: ModelVersion): Promise<SeedOutcome | null> => {
    try {
      await store.importSeed(v);
      return null;
    } catch (err) {
      if (!(err instanceof ModelExistsError)) throw err;
      const now = await store.current(opts.model);
      if (!now) throw err;
      log?.info({ model: opts.model, version: now.version }, 'another server seeded the model first; keeping its version');
      return { kind: 'existing', version: now.version };
    }
  };
  if (highest === undefined) {
    const v = initialVersion(opts.model);
    const other = await importOrExisting(v);
    if (other) return other;
    log?.warn(
      { model: opts.model, seedDir: opts.seedDir },
      'no seed model found on disk; created version 1 from untrained initial weights (run `npm run train:seed` for a trained seed)',
    );
    return { kind: 'initialised', version: 1 };
  }
  const v = await readSeed(opts.seedDir, opts.model, highest);
  const other = await importOrExisting(v);
  if (other) return other;
  const from = path.join(opts.seedDir, opts.model, String(highest));
  log?.info({ model: opts.model, version: highest, from }, 'imported seed model');
  return { kind: 'imported', version: highest, from };
}

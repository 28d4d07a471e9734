// Fetches a model version from Shelf's backend (or any static host with the same layout), verifies every
// file against the sha256 in its manifest, and builds the model. Never uses a file that failed verification.
import { sha256Hex } from '../src/shared/secure-aggregation/key-fingerprint.js';
import { ManifestSchema, paths, type Manifest } from '../src/shared/protocol.js';
import { ShelfError } from '../src/shared/errors.js';
import { ShelfModel } from '../src/shared/model/model.js';
import { WEIGHTS_FILE } from '../src/shared/model/manifest.js';
import { parameterCount, weightSpecs } from '../src/shared/model/weights.js';

export interface LoadedModel {
  manifest: Manifest;
  /** The version's weights exactly as published (the base for local updates). */
  weights: Float32Array;
}

async function fetchOk(url: string, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'omit' });
  } catch (err) {
    throw new ShelfError('network', `${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!res.ok) throw new ShelfError(res.status === 404 ? 'model_unavailable' : 'network', `${what}: HTTP ${res.status} from ${url}`);
  return res;
}

async function checkedSha256(bytes: ArrayBuffer): Promise<string> {
  if (!globalThis.crypto?.subtle) throw new ShelfError('model_integrity', 'cannot verify model files: WebCrypto needs a secure context (https)');
  return sha256Hex(new Uint8Array(bytes));
}

/** The current manifest of a model, validated. */
export async function fetchLatestManifest(serverUrl: string, model: string): Promise<Manifest> {
  const res = await fetchOk(new URL(paths.latest(model), serverUrl).href, 'model manifest');
  const parsed = ManifestSchema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new ShelfError('model_integrity', `model manifest is malformed: ${parsed.error.message}`);
  return parsed.data;
}

/** Downloads and verifies the weights of a manifest's version. */
export async function loadVersion(serverUrl: string, manifest: Manifest): Promise<LoadedModel> {
  const expectedSpecs = JSON.stringify(weightSpecs(manifest.config));
  if (JSON.stringify(manifest.weights) !== expectedSpecs) {
    throw new ShelfError('model_mismatch', `model ${manifest.name} v${manifest.version} has a weight layout this engine does not know`);
  }
  const file = manifest.files.find((f) => f.path === WEIGHTS_FILE);
  if (!file) throw new ShelfError('model_integrity', `manifest lists no ${WEIGHTS_FILE}`);
  const res = await fetchOk(new URL(paths.file(manifest.name, manifest.version, file.path), serverUrl).href, 'model weights');
  const bytes = await res.arrayBuffer();
  if (bytes.byteLength !== file.bytes) throw new ShelfError('model_integrity', `weights are ${bytes.byteLength} bytes, manifest says ${file.bytes}`);
  const hash = await checkedSha256(bytes);
  if (hash !== file.sha256) throw new ShelfError('model_integrity', `weights sha256 ${hash} does not match the manifest`);
  const weights = new Float32Array(bytes);
  if (weights.length !== parameterCount(manifest.weights)) throw new ShelfError('model_integrity', 'weights do not fill the declared shapes');
  return { manifest, weights };
}

export function buildModel(loaded: LoadedModel): ShelfModel {
  return ShelfModel.fromFlat(loaded.manifest.config, loaded.manifest.weights, loaded.weights);
}

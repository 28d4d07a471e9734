// The trained model bundle of the shop contract (docs/TRAINING.md): the device model (manifest.json, weights.bin),
// its vector space (space.json, item-ids.json, vectors.bin), the training record, and the feature means that give
// later feed items content vectors (content-features.json). Written into a temporary folder and renamed into
// place; read back with every hash checked. Must never hand out vectors or weights whose hash does not match.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ManifestSchema, type Manifest, type ModelConfig } from '../../src/shared/protocol.js';
import { makeManifest, MANIFEST_FILE, WEIGHTS_FILE } from '../../src/shared/model/manifest.js';
import { sha256Hex } from '../import/workspace.js';
import { contentFeaturesFromJson, contentFeaturesToJson, type ContentFeatures } from './content-features.js';

export const SPACE_FILE = 'space.json';
export const IDS_FILE = 'item-ids.json';
export const VECTORS_FILE = 'vectors.bin';
export const TRAINING_FILE = 'training.json';
export const FEATURES_FILE = 'content-features.json';

export const SpaceIdSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'space id: lowercase letters, digits, . _ -; at most 64');

export const SpaceSchema = z.object({
  id: SpaceIdSchema,
  dim: z.int().min(1),
  count: z.int().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  contentItems: z.int().min(0),
});
export type Space = z.infer<typeof SpaceSchema>;

export interface Bundle {
  manifest: Manifest;
  weights: Uint8Array;
  space: Space;
  ids: string[];
  vectors: Uint8Array;
  training: Record<string, unknown>;
  contentFeatures: ContentFeatures | null;
}

export const bytesOf = (f: Float32Array) => new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
export const floatsOf = (b: Uint8Array) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

export function writeBundle(dir: string, b: {
  name: string;
  version: number;
  config: ModelConfig;
  spaceId: string;
  device: Float32Array;
  ids: readonly string[];
  vectors: Float32Array;
  contentItems: number;
  examples: number;
  training: Record<string, unknown>;
  contentFeatures: ContentFeatures;
}): { manifest: Manifest; space: Space } {
  const weights = bytesOf(b.device);
  const vectors = bytesOf(b.vectors);
  if (b.vectors.length !== b.ids.length * b.config.itemDim) throw new RangeError('vectors do not match ids × dim');
  const manifest = makeManifest({
    name: b.name, version: b.version, parent: null, vectorSpace: SpaceIdSchema.parse(b.spaceId), config: b.config,
    weightsSha256: sha256Hex(weights), weightsBytes: weights.byteLength, lineage: { kind: 'seed', updates: 0, examples: b.examples },
  });
  const space: Space = { id: b.spaceId, dim: b.config.itemDim, count: b.ids.length, sha256: sha256Hex(vectors), contentItems: b.contentItems };
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  writeFileSync(join(tmp, WEIGHTS_FILE), weights);
  writeFileSync(join(tmp, SPACE_FILE), JSON.stringify(space, null, 2) + '\n');
  writeFileSync(join(tmp, IDS_FILE), JSON.stringify(b.ids) + '\n');
  writeFileSync(join(tmp, VECTORS_FILE), vectors);
  writeFileSync(join(tmp, TRAINING_FILE), JSON.stringify(b.training, null, 2) + '\n');
  writeFileSync(join(tmp, FEATURES_FILE), contentFeaturesToJson(b.contentFeatures) + '\n');
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { manifest, space };
}

/** Reads a bundle and checks every hash and size; throws naming the file. */
export function readBundle(dir: string): Bundle {
  const file = (f: string) => join(dir, f);
  if (!existsSync(file(MANIFEST_FILE))) throw new Error(`${dir}: not a model bundle (no ${MANIFEST_FILE}); run \`shelf train\` first`);
  const json = (f: string): unknown => {
    try {
      return JSON.parse(readFileSync(file(f), 'utf8'));
    } catch (e) {
      throw new Error(`${file(f)}: ${(e as Error).message}`);
    }
  };
  const m = ManifestSchema.safeParse(json(MANIFEST_FILE));
  if (!m.success) throw new Error(`${file(MANIFEST_FILE)}: ${m.error.issues[0]?.path.join('.')}: ${m.error.issues[0]?.message}`);
  const weights = readFileSync(file(WEIGHTS_FILE));
  if (m.data.files[0]?.sha256 !== sha256Hex(weights)) throw new Error(`${file(WEIGHTS_FILE)}: sha256 does not match the manifest`);
  const s = SpaceSchema.safeParse(json(SPACE_FILE));
  if (!s.success) throw new Error(`${file(SPACE_FILE)}: ${s.error.issues[0]?.path.join('.')}: ${s.error.issues[0]?.message}`);
  const space = s.data;
  if (space.id !== m.data.vectorSpace) throw new Error(`${file(SPACE_FILE)}: id ${space.id} is not the manifest's vectorSpace ${m.data.vectorSpace}`);
  if (space.dim !== m.data.config.itemDim) throw new Error(`${file(SPACE_FILE)}: dim ${space.dim} is not the model's itemDim ${m.data.config.itemDim}`);
  const ids = z.array(z.string()).safeParse(json(IDS_FILE));
  if (!ids.success || ids.data.length !== space.count) throw new Error(`${file(IDS_FILE)}: expected ${space.count} item ids`);
  const vectors = readFileSync(file(VECTORS_FILE));
  if (vectors.byteLength !== space.count * space.dim * 4) throw new Error(`${file(VECTORS_FILE)}: ${vectors.byteLength} bytes, expected ${space.count} × ${space.dim} float32`);
  if (sha256Hex(vectors) !== space.sha256) throw new Error(`${file(VECTORS_FILE)}: sha256 does not match ${SPACE_FILE}`);
  const features = existsSync(file(FEATURES_FILE)) ? contentFeaturesFromJson(readFileSync(file(FEATURES_FILE), 'utf8')) : null;
  return { manifest: m.data, weights, space, ids: ids.data, vectors, training: json(TRAINING_FILE) as Record<string, unknown>, contentFeatures: features };
}

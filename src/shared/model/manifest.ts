// Builds model manifests and names the demo model. The sha256 is computed by the caller (Node crypto on the
// server, WebCrypto in the worker) so this file stays free of platform APIs.
import { PROTOCOL_VERSION, type Manifest, type ModelConfig } from '../protocol.js';
import { CONTENT_VECTOR_DIM, CONTENT_VECTOR_SPACE } from '../item-vectors.js';
import { weightSpecs } from './weights.js';

export const WEIGHTS_FILE = 'weights.bin';
export const MANIFEST_FILE = 'manifest.json';

/** The model the demo shop ships with, over its content-hash item vectors. */
export const DEMO_MODEL_NAME = 'shelf-demo';
export const DEMO_MODEL_CONFIG: Readonly<ModelConfig> = Object.freeze({
  itemDim: CONTENT_VECTOR_DIM,
  hidden: 32,
  maxLen: 20,
  ffn: 64,
  eventTypes: 5,
});

export interface ManifestInput {
  name: string;
  version: number;
  parent: number | null;
  vectorSpace?: string;
  config: ModelConfig;
  weightsSha256: string;
  weightsBytes: number;
  lineage: Manifest['lineage'];
  createdAt?: string;
}

export function makeManifest(m: ManifestInput): Manifest {
  return {
    protocol: PROTOCOL_VERSION,
    name: m.name,
    version: m.version,
    parent: m.parent,
    createdAt: m.createdAt ?? new Date().toISOString(),
    vectorSpace: m.vectorSpace ?? CONTENT_VECTOR_SPACE,
    config: { ...m.config },
    weights: weightSpecs(m.config),
    files: [{ path: WEIGHTS_FILE, bytes: m.weightsBytes, sha256: m.weightsSha256 }],
    lineage: m.lineage,
  };
}

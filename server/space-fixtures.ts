// Small deterministic bundles for tests and benchmarks of the vector-space routes: a model config, weights and an
// item table from a seed, and the admin API's JSON bodies built from them. Must never be imported by the running
// server: it is what a trainer would send, made up, not learned.
import { createHash } from 'node:crypto';
import { flatten, initialWeights, mulberry32, weightSpecs } from '../src/shared/model/weights.js';
import type { ModelConfig } from '../src/shared/protocol.js';

/** A small model over 32-value item vectors (the demo model's shape). */
export const FIXTURE_CONFIG: ModelConfig = Object.freeze({ itemDim: 32, hidden: 32, maxLen: 20, ffn: 64, eventTypes: 5 });

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const base64 = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');

/** `count` unit-length vectors of `dim` values drawn from `seed`. */
export function fixtureVectors(count: number, dim: number, seed = 7): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(count * dim);
  for (let r = 0; r < count; r++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const x = rand() * 2 - 1;
      out[r * dim + j] = x;
      norm += x * x;
    }
    for (let j = 0; j < dim; j++) out[r * dim + j]! /= Math.sqrt(norm);
  }
  return out;
}

/** The body of POST /v1/admin/models/:name/versions for these ids and vectors. */
export function publishBody(o: { spaceId: string; ids: readonly string[]; vectors: Float32Array; config?: ModelConfig; seed?: number; makeCurrent?: boolean; training?: Record<string, unknown> }) {
  const config = o.config ?? FIXTURE_CONFIG;
  const weights = flatten(weightSpecs(config), initialWeights(config, o.seed ?? 1));
  const w = new Uint8Array(weights.buffer);
  const v = new Uint8Array(o.vectors.buffer, o.vectors.byteOffset, o.vectors.byteLength);
  return {
    config,
    weights: base64(weights),
    weightsSha256: sha(w),
    space: { id: o.spaceId, dim: config.itemDim, ids: [...o.ids], vectors: base64(o.vectors), sha256: sha(v) },
    ...(o.training ? { training: o.training } : {}),
    makeCurrent: o.makeCurrent ?? true,
  };
}

/** The body of POST /v1/admin/spaces/:space/items. */
export function itemsBody(ids: readonly string[], vectors: Float32Array) {
  const v = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
  return { ids: [...ids], vectors: base64(vectors), sha256: sha(v) };
}

/** A base64 vector from GET /v1/vectors as floats. */
export function decodeVector(b64: string): Float32Array {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

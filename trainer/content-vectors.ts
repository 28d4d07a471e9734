// The content fallback for the benchmarks: an item's vector from its attributes alone (S3-Rec's anonymised
// category/brand ids), feature-hashed with the same fixed directions as the demo's content vectors
// (src/shared/item-vectors.ts). Uses no interaction data at all, so it works for a catalogue without history.
import { featureDirection } from '../src/shared/item-vectors.js';

/** Unit vector of a bag of attribute ids; zero for an item without attributes. Row i = item id i. */
export function attributeVectors(attributes: readonly (readonly number[])[], dim: number): Float32Array {
  const out = new Float32Array(attributes.length * dim);
  const cache = new Map<number, Float32Array>();
  attributes.forEach((attrs, item) => {
    if (item === 0 || attrs.length === 0) return;
    const row = out.subarray(item * dim, item * dim + dim);
    for (const a of attrs) {
      const dir = cache.get(a) ?? featureDirection(`attr:${a}`, dim);
      cache.set(a, dir);
      for (let j = 0; j < dim; j++) row[j]! += dir[j]!;
    }
    let norm = 0;
    for (const x of row) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < dim; j++) row[j]! /= norm;
  });
  return out;
}

/**
 * A shop's precomputed item embeddings (from any text or image model), as JSON `{"<item id>": [v1, …, vDim]}`.
 * Rows are L2-normalised; items the file lacks get a zero vector (reported in `missing`). Throws on a wrong
 * length or a non-finite value, naming the item.
 */
export function parseItemVectorsJson(text: string, label: string, itemCount: number, dim: number): { vectors: Float32Array; missing: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`${label}: not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${label}: expected {"<item id>": [numbers]}`);
  const out = new Float32Array((itemCount + 1) * dim);
  const seen = new Set<number>();
  for (const [key, value] of Object.entries(parsed)) {
    const item = Number(key);
    if (!Number.isInteger(item) || item < 1) throw new Error(`${label}: key ${JSON.stringify(key)} is not an item id`);
    if (!Array.isArray(value) || value.length !== dim) throw new Error(`${label}: item ${key}: expected ${dim} numbers (--dim), got ${Array.isArray(value) ? value.length : typeof value}`);
    if (!value.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new Error(`${label}: item ${key}: every value must be a finite number`);
    if (item > itemCount) continue;
    const norm = Math.hypot(...(value as number[])) || 1;
    (value as number[]).forEach((x, j) => (out[item * dim + j] = x / norm));
    seen.add(item);
  }
  return { vectors: out, missing: itemCount - seen.size };
}

// The content fallback for the benchmarks: an item's vector from its attributes alone (S3-Rec's anonymised
// category/brand ids), feature-hashed with the same fixed directions as the demo's content vectors
// (src/shared/item-vectors.ts). Uses no interaction data at all, so it works for a catalogue without history.
import { featureDirection } from '../../src/shared/item-vectors.js';

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

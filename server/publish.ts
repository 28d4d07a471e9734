// Builds the next model version (weights + manifest) from the current one and its pending updates; this is
// the Aggregator the store calls inside its ingestion transaction. Must stay synchronous and free of I/O
// (it runs inside a database transaction) and must never produce weights that are not all finite.
import { makeManifest } from '../src/shared/model/manifest.js';
import { parameterCount } from '../src/shared/model/weights.js';
import { allFinite, applyDelta, weightedMean } from './aggregate.js';
import type { Aggregator, ModelVersion, PendingUpdate } from './storage/store.js';
import { bytesToFloats, floatsToBytes, sha256Hex } from './weights-codec.js';

/**
 * The default aggregator: base + example-weighted mean of the deltas, as version `base + 1`.
 * @example
 *   store.ingest(update, { minUpdates: 3, aggregate: aggregateNextVersion });
 * @throws Error when a stored delta has the wrong length or the result is not finite (the ingestion rolls back).
 */
export const aggregateNextVersion: Aggregator = (base: ModelVersion, updates: readonly PendingUpdate[]): ModelVersion => {
  const baseWeights = bytesToFloats(base.weights);
  const expected = parameterCount(base.manifest.weights);
  if (baseWeights.length !== expected) {
    throw new Error(`version ${base.manifest.version} has ${baseWeights.length} weights, its manifest says ${expected}`);
  }
  const mean = weightedMean(updates.map((u) => ({ delta: bytesToFloats(u.delta), examples: u.exampleCount })));
  const next = applyDelta(baseWeights, mean);
  if (!allFinite(next)) throw new Error(`aggregating ${updates.length} updates on version ${base.manifest.version} gave non-finite weights`);
  const weights = floatsToBytes(next);
  const manifest = makeManifest({
    name: base.manifest.name,
    version: base.manifest.version + 1,
    parent: base.manifest.version,
    vectorSpace: base.manifest.vectorSpace,
    config: base.manifest.config,
    weightsSha256: sha256Hex(weights),
    weightsBytes: weights.byteLength,
    lineage: { kind: 'aggregate', updates: updates.length, examples: updates.reduce((n, u) => n + u.exampleCount, 0) },
  });
  return { manifest, weights };
};

// Computes, in Node, the scores the browser should produce: the same model code and weights (fetched from the
// test server), on the tfjs wasm backend. Used to show Node and browser agree.
import { sequenceTypeIndex, type EventType } from '../src/shared/events.js';
import { ManifestSchema } from '../src/shared/protocol.js';
import { ShelfModel } from '../src/shared/model/model.js';
import { buildSequence } from '../src/shared/model/sequence.js';
import { useNodeBackend } from '../trainer/tf-node.js';

export async function nodeScores(
  baseURL: string,
  version: number,
  events: readonly { type: EventType; vector: readonly number[] }[],
  candidates: readonly { vector: readonly number[] }[],
): Promise<Float32Array> {
  await useNodeBackend('wasm');
  const manifest = ManifestSchema.parse(await (await fetch(`${baseURL}/models/shelf-demo/${version}/manifest.json`)).json());
  const weights = new Float32Array(await (await fetch(`${baseURL}/models/shelf-demo/${version}/weights.bin`)).arrayBuffer());
  const model = ShelfModel.fromFlat(manifest.config, manifest.weights, weights);
  try {
    const sequence = buildSequence(events.map((e) => ({ vector: e.vector, typeIndex: sequenceTypeIndex(e.type) })), manifest.config);
    const vectors = new Float32Array(candidates.length * manifest.config.itemDim);
    candidates.forEach((c, i) => vectors.set(c.vector, i * manifest.config.itemDim));
    return await model.score({ sequence, vectors, serverRanks: Float32Array.from(candidates, (_, i) => i) });
  } finally {
    model.dispose();
  }
}

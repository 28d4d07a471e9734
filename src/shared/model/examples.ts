// Builds training batches (next-item prediction) from visitors' event sequences. Used by local training in
// the worker and by the Node trainer, so both learn exactly the same objective. Plain typed arrays only.
import type { ModelConfig } from '../protocol.js';
import type { TrainingBatch } from './model.js';
import type { SequenceEvent } from './sequence.js';

/** An event of a training sequence; `targetWeight` > 0 when predicting it is worth learning. */
export interface TrainingEvent extends SequenceEvent {
  readonly targetWeight: number;
}

/** Number of positions with a positive target in a sequence (what an update's example count counts). */
export function countExamples(events: readonly TrainingEvent[], c: ModelConfig): number {
  const usable = events.filter((e) => e.vector.length === c.itemDim && e.typeIndex >= 0 && e.typeIndex < c.eventTypes);
  return usable.slice(-(c.maxLen + 1)).slice(1).filter((e) => e.targetWeight > 0).length;
}

/**
 * One batch: sequence i is right-aligned; position p's target is the event after it.
 * @param negatives item vectors the visitor did not choose (or sampled items), each of length itemDim
 */
export function buildTrainingBatch(
  sequences: readonly (readonly TrainingEvent[])[],
  negatives: readonly ArrayLike<number>[],
  c: ModelConfig,
): TrainingBatch {
  const { maxLen: l, itemDim: d, eventTypes: t } = c;
  const b = sequences.length;
  const batch: TrainingBatch = {
    items: new Float32Array(b * l * d),
    types: new Float32Array(b * l * t),
    mask: new Float32Array(b * l),
    next: new Float32Array(b * l * d),
    weight: new Float32Array(b * l),
    negatives: new Float32Array(Math.max(1, negatives.length) * d),
    batchSize: b,
    negativeCount: Math.max(1, negatives.length),
  };
  sequences.forEach((events, s) => {
    const usable = events.filter((e) => e.vector.length === d && e.typeIndex >= 0 && e.typeIndex < t).slice(-(l + 1));
    const inputs = usable.slice(0, -1);
    const start = l - inputs.length;
    inputs.forEach((e, i) => {
      const row = s * l + start + i;
      for (let j = 0; j < d; j++) batch.items[row * d + j] = Number(e.vector[j]) || 0;
      batch.types[row * t + e.typeIndex] = 1;
      batch.mask[row] = 1;
      const target = usable[i + 1]!;
      for (let j = 0; j < d; j++) batch.next[row * d + j] = Number(target.vector[j]) || 0;
      batch.weight[row] = target.targetWeight;
    });
  });
  negatives.forEach((v, k) => {
    for (let j = 0; j < d; j++) batch.negatives[k * d + j] = Number(v[j]) || 0;
  });
  return batch;
}

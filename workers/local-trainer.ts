// Local learning on the device: builds the visitor's training batch from their own events (what they chose
// next is the positive; items they were shown and passed over are the negatives), runs a few optimiser steps,
// and computes the update to upload. Never sees anything but this visitor's data; never uploads by itself.
import { POSITIVE_WEIGHT, sequenceTypeIndex, type EventType } from '../src/shared/events.js';
import { buildTrainingBatch, countExamples, type TrainingEvent } from '../src/shared/model/examples.js';
import type { ShelfModel } from '../src/shared/model/model.js';

export interface HistoryEvent {
  readonly type: EventType;
  readonly itemId: string;
}

/** The visitor's sequence as training events (vector-less items are skipped). */
export function trainingEvents(history: readonly HistoryEvent[], vectors: ReadonlyMap<string, Float32Array>): TrainingEvent[] {
  return history.flatMap((e) => {
    const vector = vectors.get(e.itemId);
    const typeIndex = sequenceTypeIndex(e.type);
    return vector && typeIndex >= 0 ? [{ vector, typeIndex, targetWeight: POSITIVE_WEIGHT[e.type] }] : [];
  });
}

/**
 * Negatives: items shown to the visitor that they never engaged with, topped up with other known items.
 * Returns at most `max` vectors.
 */
export function negativeVectors(
  shown: ReadonlySet<string>,
  engaged: ReadonlySet<string>,
  vectors: ReadonlyMap<string, Float32Array>,
  max = 64,
): Float32Array[] {
  const out: Float32Array[] = [];
  for (const id of shown) {
    if (out.length >= max) break;
    const v = vectors.get(id);
    if (v && !engaged.has(id)) out.push(v);
  }
  for (const [id, v] of vectors) {
    if (out.length >= max) break;
    if (!engaged.has(id) && !shown.has(id)) out.push(v);
  }
  return out;
}

export interface LocalTrainingResult {
  steps: number;
  examples: number;
  loss: number | null;
}

/** Runs `steps` optimiser steps on the visitor's sequence. No-op when there is nothing to learn from. */
export async function trainLocally(
  model: ShelfModel,
  events: readonly TrainingEvent[],
  negatives: readonly Float32Array[],
  steps = 3,
  learningRate = 0.005,
): Promise<LocalTrainingResult> {
  const examples = countExamples(events, model.config);
  if (examples === 0 || negatives.length === 0) return { steps: 0, examples: 0, loss: null };
  const batch = buildTrainingBatch([events], negatives, model.config);
  let loss: number | null = null;
  for (let i = 0; i < steps; i++) loss = await model.trainStep(batch, learningRate);
  return { steps, examples, loss };
}

/** current − base − alreadySent: the part of the local progress not yet uploaded for this base version. */
export function pendingDelta(current: Float32Array, base: Float32Array, alreadySent: Float32Array | null): Float32Array {
  const out = new Float32Array(current.length);
  for (let i = 0; i < current.length; i++) out[i] = current[i]! - base[i]! - (alreadySent ? alreadySent[i]! : 0);
  return out;
}

// Turns a visitor's recent events into the encoder's plain-array input, right-aligned and padded.
// Pure arithmetic on typed arrays: no tensors, no I/O.
import type { ModelConfig } from '../protocol.js';

/** One event as the model sees it: the item's vector and the row of its event type. */
export interface SequenceEvent {
  readonly vector: ArrayLike<number>;
  readonly typeIndex: number;
}

/** Flat arrays for one sequence: items [maxLen·itemDim], types [maxLen·eventTypes], mask [maxLen]. */
export interface SequenceArrays {
  items: Float32Array;
  types: Float32Array;
  mask: Float32Array;
  /** How many real events it holds (≤ maxLen). */
  length: number;
}

/**
 * Keeps the last `maxLen` usable events (right vector length, known type) and places them at the end.
 * Events that do not fit the config are skipped, not fatal.
 */
export function buildSequence(events: readonly SequenceEvent[], c: ModelConfig): SequenceArrays {
  const usable = events.filter(
    (e) => e.vector.length === c.itemDim && e.typeIndex >= 0 && e.typeIndex < c.eventTypes,
  );
  const recent = usable.slice(-c.maxLen);
  const items = new Float32Array(c.maxLen * c.itemDim);
  const types = new Float32Array(c.maxLen * c.eventTypes);
  const mask = new Float32Array(c.maxLen);
  const start = c.maxLen - recent.length;
  recent.forEach((e, i) => {
    const pos = start + i;
    for (let j = 0; j < c.itemDim; j++) items[pos * c.itemDim + j] = Number(e.vector[j]) || 0;
    types[pos * c.eventTypes + e.typeIndex] = 1;
    mask[pos] = 1;
  });
  return { items, types, mask, length: recent.length };
}

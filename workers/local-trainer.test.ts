import { describe, expect, it } from 'vitest';
import { negativeVectors, pendingDelta, trainingEvents } from './local-trainer.js';

describe('local trainer helpers', () => {
  const vectors = new Map([
    ['a', new Float32Array([1, 0])],
    ['b', new Float32Array([0, 1])],
    ['c', new Float32Array([1, 1])],
  ]);

  it('turns history into weighted training events, skipping unknown items and non-sequence types', () => {
    const events = trainingEvents(
      [
        { type: 'view_item', itemId: 'a' },
        { type: 'view_item_list', itemId: 'home' },
        { type: 'purchase', itemId: 'b' },
        { type: 'view_item', itemId: 'unknown' },
      ],
      vectors,
    );
    expect(events.map((e) => [e.typeIndex, e.targetWeight])).toEqual([
      [0, 1],
      [3, 3],
    ]);
  });

  it('uses shown-but-not-engaged items as negatives first', () => {
    const neg = negativeVectors(new Set(['b', 'a']), new Set(['a']), vectors, 2);
    expect(neg.map((v) => Array.from(v))).toEqual([
      [0, 1],
      [1, 1],
    ]);
  });

  it('computes the not-yet-uploaded part of the local change', () => {
    const d = pendingDelta(new Float32Array([3, 3]), new Float32Array([1, 1]), new Float32Array([0.5, 2]));
    expect(Array.from(d)).toEqual([1.5, 0]);
  });
});

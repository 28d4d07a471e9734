// Federated averaging math: exact weighted means on inputs small enough to check by hand.
import { describe, expect, it } from 'vitest';
import { allFinite, applyDelta, weightedMean } from './aggregate.js';

describe('weightedMean', () => {
  it('weights each delta by its example count', () => {
    const mean = weightedMean([
      { delta: Float32Array.of(1, -2, 0.5), examples: 1 },
      { delta: Float32Array.of(4, 2, 0.5), examples: 3 },
    ]);
    // (1·1 + 4·3)/4 = 3.25, (−2 + 6)/4 = 1, (0.5 + 1.5)/4 = 0.5
    expect(Array.from(mean)).toEqual([3.25, 1, 0.5]);
  });

  it('is the plain mean when counts are equal, and the delta itself for one update', () => {
    expect(Array.from(weightedMean([{ delta: Float32Array.of(2, 4), examples: 5 }, { delta: Float32Array.of(4, 8), examples: 5 }]))).toEqual([3, 6]);
    expect(Array.from(weightedMean([{ delta: Float32Array.of(0.25, -8), examples: 7 }]))).toEqual([0.25, -8]);
  });

  it('accumulates in float64 so many small contributions are not lost', () => {
    const updates = Array.from({ length: 1000 }, () => ({ delta: Float32Array.of(1e-4), examples: 1 }));
    updates.push({ delta: Float32Array.of(1e4), examples: 1 });
    expect(weightedMean(updates)[0]).toBeCloseTo((1000 * 1e-4 + 1e4) / 1001, 6);
  });

  it('rejects empty input, mismatched lengths and bad counts', () => {
    expect(() => weightedMean([])).toThrow(RangeError);
    expect(() => weightedMean([{ delta: Float32Array.of(1), examples: 1 }, { delta: Float32Array.of(1, 2), examples: 1 }])).toThrow(/2 values, expected 1/);
    expect(() => weightedMean([{ delta: Float32Array.of(1), examples: 0 }])).toThrow(/example count 0/);
    expect(() => weightedMean([{ delta: Float32Array.of(1), examples: Number.NaN }])).toThrow(RangeError);
  });
});

describe('applyDelta', () => {
  it('adds element-wise into a new array', () => {
    const base = Float32Array.of(1, 2, 3);
    const out = applyDelta(base, Float32Array.of(0.5, -2, 0));
    expect(Array.from(out)).toEqual([1.5, 0, 3]);
    expect(Array.from(base)).toEqual([1, 2, 3]);
  });

  it('rejects mismatched lengths', () => {
    expect(() => applyDelta(Float32Array.of(1), Float32Array.of(1, 2))).toThrow(RangeError);
  });
});

describe('allFinite', () => {
  it('spots NaN and infinities', () => {
    expect(allFinite(Float32Array.of(0, -1, 3e38))).toBe(true);
    expect(allFinite(Float32Array.of(0, Number.NaN))).toBe(false);
    expect(allFinite(Float32Array.of(Number.NEGATIVE_INFINITY))).toBe(false);
  });
});

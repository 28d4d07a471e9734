// Robust aggregation: the trimmed mean ignores a minority of extreme values per coordinate, the median is the
// median, 'mean' is the plain clipped mean, and the noise is scaled by the rule's sensitivity factor.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noisyMean } from './aggregate.js';
import { robustNoisyMean, robustSensitivity, trimCount, trimmedSum } from './robust.js';

const u = (...values: number[]) => ({ values: Float32Array.from(values), weight: 1 });
const zero = () => 0;

describe('robust aggregation', () => {
  it('trims k values at each end of every coordinate', () => {
    const rows = [[1, 10], [2, 20], [3, 30], [100, -1000]].map((r) => Float32Array.from(r));
    expect(Array.from(trimmedSum(rows, 1))).toEqual([5, 30]);
    expect(Array.from(trimmedSum(rows, 0))).toEqual([106, -940]);
    expect(() => trimmedSum(rows, 2)).toThrow(RangeError);
  });

  it('counts the trim per rule', () => {
    expect(trimCount(100, { rule: 'trimmed-mean', trim: 0.1 })).toBe(10);
    expect(trimCount(5, { rule: 'median', trim: 0 })).toBe(2);
    expect(trimCount(100, { rule: 'mean', trim: 0.3 })).toBe(0);
    expect(() => trimCount(10, { rule: 'trimmed-mean', trim: 0.5 })).toThrow(RangeError);
  });

  it("keeps one scaled attacker out of the trimmed mean and the median, not out of the mean", () => {
    const honest = Array.from({ length: 9 }, () => u(0.1, 0.1));
    const all = [...honest, u(-50, 50)];
    const s = { clip: 1, noiseMultiplier: 0 };
    const mean = robustNoisyMean(all, s, { rule: 'mean', trim: 0 }, zero);
    const trimmed = robustNoisyMean(all, s, { rule: 'trimmed-mean', trim: 0.1 }, zero);
    const median = robustNoisyMean(all, s, { rule: 'median', trim: 0 }, zero);
    expect(mean[0]!).toBeLessThan(0.05); // clipped to C = 1, the attacker still drags the mean from 0.1 to ≈ 0.02
    expect(trimmed[0]!).toBeCloseTo(0.1, 5);
    expect(median[1]!).toBeCloseTo(0.1, 5);
  });

  it("'mean' equals the DP path of noisyMean", () => {
    fc.assert(
      fc.property(fc.array(fc.float32Array({ minLength: 4, maxLength: 4, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 8 }), (rows) => {
        const ups = rows.map((r) => ({ values: r, weight: 3 }));
        const s = { clip: 1, noiseMultiplier: 0.5 };
        const a = robustNoisyMean(ups, s, { rule: 'mean', trim: 0 }, () => 1);
        const b = noisyMean(ups, s, () => 1, rows.length);
        for (let j = 0; j < 4; j++) expect(a[j]!).toBeCloseTo(b[j]!, 4);
      }),
      { numRuns: 100 },
    );
  });

  it('scales the noise by the sensitivity factor of the trimmed sum', () => {
    expect(robustSensitivity(10, 0)).toBe(1);
    expect(robustSensitivity(100, 10)).toBeCloseTo(4 * Math.sqrt(10), 10);
    const ups = Array.from({ length: 10 }, () => u(0, 0));
    const out = robustNoisyMean(ups, { clip: 2, noiseMultiplier: 1 }, { rule: 'trimmed-mean', trim: 0.1 }, () => 1);
    expect(out[0]!).toBeCloseTo((2 * 4 * Math.sqrt(10)) / 8, 5);
  });

  it('the trimmed sum moves by at most 4·C·√(n/k) when one clipped update is replaced', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 12 }), fc.integer({ min: 0, max: 1000 }), (n, seed) => {
        let x = seed + 1;
        const rnd = () => ((x = (x * 16807) % 2147483647) / 2147483647) * 2 - 1;
        const clip = (r: Float32Array) => {
          const norm = Math.hypot(...r);
          return norm > 1 ? r.map((v) => v / norm) : r;
        };
        const rows = Array.from({ length: n }, () => clip(Float32Array.from({ length: 6 }, rnd)));
        const k = Math.max(1, Math.floor(0.2 * n));
        if (2 * k >= n) return;
        const other = [...rows];
        other[0] = clip(Float32Array.from({ length: 6 }, rnd));
        const a = trimmedSum(rows, k);
        const b = trimmedSum(other, k);
        const dist = Math.hypot(...a.map((v, j) => v - b[j]!));
        expect(dist).toBeLessThanOrEqual(robustSensitivity(n, k) + 1e-6);
      }),
      { numRuns: 300 },
    );
  });
});

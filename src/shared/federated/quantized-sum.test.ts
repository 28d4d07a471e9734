import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noisyMean } from './aggregate.js';
import { clipToNorm, l2Norm } from './clip.js';
import { dequantize, quantizeInt8, type Quantized } from './quantize.js';
import { addClippedQuantized, quantizedNorm } from './quantized-sum.js';
import { robustNoisyMean } from './robust.js';

const seeded = (seed: number) => {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
};

const update = fc
  .record({
    values: fc.array(fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 300 }),
    chunk: fc.integer({ min: 1, max: 64 }),
    seed: fc.integer(),
  })
  .map(({ values, chunk, seed }) => quantizeInt8(Float32Array.from(values), chunk, seeded(seed)));

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

describe('clipped sum from the int8 form', () => {
  it('has the norm of the dequantised values', () => {
    fc.assert(fc.property(update, (u) => close(quantizedNorm(u), l2Norm(dequantize(u)), 1e-6)));
  });

  it('keeps the norm exact for the largest chunk and for chunks past the int32 shortcut', () => {
    for (const chunk of [65535, 70000]) {
      const q = new Int8Array(chunk).fill(-127);
      const u: Quantized = { chunk, scales: Float32Array.of(0.5), q };
      expect(quantizedNorm(u)).toBeCloseTo(Math.sqrt(chunk * 127 * 127 * 0.25), 6);
    }
  });

  it('adds exactly what clipToNorm(dequantize(u)) adds, weighted', () => {
    fc.assert(
      fc.property(update, fc.double({ min: 0.01, max: 3, noNaN: true }), fc.double({ min: 0.01, max: 10, noNaN: true }), (u, bound, w) => {
        const sum = new Float64Array(u.q.length).fill(0.5);
        const norm = addClippedQuantized(sum, u, w, bound);
        const ref = clipToNorm(dequantize(u), bound).values;
        expect(close(norm, l2Norm(dequantize(u)), 1e-6)).toBe(true);
        for (let i = 0; i < sum.length; i++) expect(Math.abs(sum[i]! - (0.5 + w * ref[i]!))).toBeLessThan(1e-6 * Math.max(1, w * bound));
      }),
    );
  });

  it('refuses mismatched lengths, wrong scale counts, a bad bound and non-finite scales', () => {
    const u = quantizeInt8(Float32Array.of(1, 2, 3, 4), 2, seeded(1));
    expect(() => addClippedQuantized(new Float64Array(3), u, 1, 1)).toThrow(/4 values, expected 3/);
    const wrong: Quantized = { ...u, scales: Float32Array.of(1) };
    expect(() => addClippedQuantized(new Float64Array(4), wrong, 1, 1)).toThrow(/1 scales for 4 values/);
    expect(() => addClippedQuantized(new Float64Array(4), u, 1, 0)).toThrow(/clip bound/);
    const inf: Quantized = { ...u, scales: Float32Array.of(Infinity, 1) };
    expect(() => addClippedQuantized(new Float64Array(4), inf, 1, 1)).toThrow(/non-finite/);
  });

  it('gives noisyMean and the robust rules the same result from int8 as from the dequantised float32', () => {
    const rand = seeded(7);
    const ups = Array.from({ length: 12 }, (_, k) => {
      const v = Float32Array.from({ length: 50 }, () => (rand() - 0.5) * (k + 1) * 0.1);
      return { q: quantizeInt8(v, 16, rand), weight: 1 + (k % 3) };
    });
    const asInt8 = ups.map((u) => ({ values: u.q, weight: u.weight }));
    const asFloat = ups.map((u) => ({ values: dequantize(u.q), weight: u.weight }));
    for (const noise of [{ clip: 0.3, noiseMultiplier: 0 }, { clip: 0.3, noiseMultiplier: 0.5 }]) {
      const a = noisyMean(asInt8, noise, (() => { const r = seeded(3); return () => r() - 0.5; })(), 12);
      const b = noisyMean(asFloat, noise, (() => { const r = seeded(3); return () => r() - 0.5; })(), 12);
      for (let j = 0; j < a.length; j++) expect(a[j]).toBeCloseTo(b[j]!, 6);
    }
    const g = () => 0;
    const ra = robustNoisyMean(asInt8, { clip: 0.3, noiseMultiplier: 0 }, { rule: 'trimmed-mean', trim: 0.1 }, g);
    const rb = robustNoisyMean(asFloat, { clip: 0.3, noiseMultiplier: 0 }, { rule: 'trimmed-mean', trim: 0.1 }, g);
    expect(Array.from(ra)).toEqual(Array.from(rb));
  });
});

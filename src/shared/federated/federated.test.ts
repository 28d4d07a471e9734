// Clipping, quantisation (error bound and unbiasedness), the wire codec, and the DP mean and server optimisers.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../model/weights.js';
import { gaussianFrom, noisyMean, scheduledLearningRate, serverStep } from './aggregate.js';
import { clipToNorm, l2Norm } from './clip.js';
import { dequantize, quantizeInt8 } from './quantize.js';
import { WireFormatError, bucketExamples, decodeUpdate, encodeUpdate, wireBytes } from './wire.js';

const rand = () => mulberry32(42);
const randomVector = (n: number, seed = 1) => {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * (r() < 0.05 ? 5 : 0.1));
};

describe('clipToNorm', () => {
  it('scales an update over the bound down to it, keeping its direction', () => {
    const { values, norm, clipped } = clipToNorm(Float32Array.of(3, 4), 1);
    expect(norm).toBe(5);
    expect(clipped).toBe(true);
    expect(l2Norm(values)).toBeLessThanOrEqual(1);
    expect(l2Norm(values)).toBeCloseTo(1, 5);
    expect(values[0]! / values[1]!).toBeCloseTo(0.75, 6);
  });
  it('leaves an update within the bound unchanged', () => {
    const { values, clipped } = clipToNorm(Float32Array.of(0.3, 0.4), 1);
    expect(clipped).toBe(false);
    expect([...values]).toEqual([...Float32Array.of(0.3, 0.4)]);
  });
  it('rejects a bad bound and non-finite values', () => {
    expect(() => clipToNorm(Float32Array.of(1), 0)).toThrow(RangeError);
    expect(() => clipToNorm(Float32Array.of(Number.NaN), 1)).toThrow(RangeError);
  });
});

describe('quantizeInt8', () => {
  it('round-trips within one scale per value, per chunk', () => {
    const x = randomVector(10_000);
    const q = quantizeInt8(x, 256, rand());
    const y = dequantize(q);
    for (let i = 0; i < x.length; i++) expect(Math.abs(y[i]! - x[i]!)).toBeLessThanOrEqual(q.scales[Math.floor(i / 256)]! * (1 + 1e-6));
    // relative L2 error of int8 with per-chunk scales stays small
    const err = l2Norm(y.map((v, i) => v - x[i]!)) / l2Norm(x);
    expect(err).toBeLessThan(0.05);
  });
  it('is unbiased: the mean of many stochastic roundings converges to the value', () => {
    const x = Float32Array.of(0.3, -0.71, 1, 0.0049);
    const r = rand();
    const sum = new Float64Array(4);
    const trials = 20_000;
    for (let t = 0; t < trials; t++) dequantize(quantizeInt8(x, 4, r)).forEach((v, i) => (sum[i]! += v));
    sum.forEach((s, i) => expect(s / trials).toBeCloseTo(x[i]!, 4));
  });
  it('keeps an all-zero chunk at zero and rejects bad chunk sizes', () => {
    expect([...dequantize(quantizeInt8(new Float32Array(5), 2, rand()))]).toEqual([0, 0, 0, 0, 0]);
    expect(() => quantizeInt8(new Float32Array(3), 0, rand())).toThrow(RangeError);
  });
});

describe('wire codec', () => {
  const update = quantizeInt8(randomVector(11_330), 256, rand());
  const msg = { baseVersion: 7, round: 12, exampleBucket: 8, ticket: 'r12.abc_DEF-123.sig', update };

  it('round-trips and is as small as its layout says', () => {
    const bytes = encodeUpdate(msg);
    expect(bytes.byteLength).toBe(wireBytes(11_330, 256, msg.ticket.length));
    expect(bytes.byteLength).toBeLessThan(12_000);
    const back = decodeUpdate(bytes);
    expect(back.baseVersion).toBe(7);
    expect(back.round).toBe(12);
    expect(back.exampleBucket).toBe(8);
    expect(back.ticket).toBe(msg.ticket);
    expect([...back.update.scales]).toEqual([...update.scales]);
    expect([...back.update.q]).toEqual([...update.q]);
  });
  it('rejects truncated, padded, foreign and malformed bodies', () => {
    const bytes = encodeUpdate(msg);
    expect(() => decodeUpdate(bytes.subarray(0, bytes.length - 1))).toThrow(WireFormatError);
    expect(() => decodeUpdate(Uint8Array.from([...bytes, 0]))).toThrow(WireFormatError);
    expect(() => decodeUpdate(new TextEncoder().encode('{"protocol":1,"delta":"AAAA"}'))).toThrow(WireFormatError);
    const badBucket = Uint8Array.from(bytes);
    badBucket[16] = 3;
    expect(() => decodeUpdate(badBucket)).toThrow(/bucket/);
  });
  it('buckets example counts to powers of two up to 64', () => {
    expect([0, 1, 2, 3, 5, 9, 63, 64, 1000].map(bucketExamples)).toEqual([1, 1, 2, 2, 4, 8, 32, 64, 64]);
  });
});

describe('noisyMean and server optimisers', () => {
  const g = gaussianFrom(mulberry32(3));
  it('without noise: the weighted mean of the clipped updates', () => {
    const mean = noisyMean(
      [
        { values: Float32Array.of(1, 0), weight: 1 },
        { values: Float32Array.of(0, 30), weight: 3 }, // clipped to (0, 10)
      ],
      { clip: 10, noiseMultiplier: 0 },
      g,
    );
    expect(mean[0]).toBeCloseTo(0.25, 6);
    expect(mean[1]).toBeCloseTo(7.5, 4);
  });
  it('with noise: unweighted sum plus noise of std z·C, divided by the cohort', () => {
    const n = 20_000;
    const updates = Array.from({ length: 4 }, () => ({ values: new Float32Array(n).fill(0.001), weight: 64 }));
    const mean = noisyMean(updates, { clip: 1, noiseMultiplier: 2 }, g);
    let s = 0;
    let s2 = 0;
    for (const v of mean) {
      s += v;
      s2 += v * v;
    }
    const mu = s / n;
    const sd = Math.sqrt(s2 / n - mu * mu);
    expect(mu).toBeCloseTo(0.001, 2);
    expect(sd / (2 / 4)).toBeCloseTo(1, 1);
  });
  it('FedAvg adds η·mean; FedAdam normalises the step and carries its moments', () => {
    const w = Float32Array.of(1, 1);
    const avg = serverStep(w, Float32Array.of(0.5, -1), { kind: 'fedavg', learningRate: 1 }, null);
    expect([...avg.weights]).toEqual([1.5, 0]);
    const adam = serverStep(w, Float32Array.of(0.5, -1), { kind: 'fedadam', learningRate: 0.01, tau: 1e-3 }, null);
    expect(adam.weights[0]! - 1).toBeCloseTo(0.01 * (0.05 / (Math.sqrt(0.0025) + 1e-3)), 6);
    expect(adam.weights[1]! - 1).toBeLessThan(0);
    const again = serverStep(adam.weights, Float32Array.of(0.5, -1), { kind: 'fedadam', learningRate: 0.01 }, adam.state);
    expect(again.state!.m[0]).toBeCloseTo(0.9 * 0.05 + 0.1 * 0.5, 6);
  });
  it('FedAdam with bias correction: the first step moves each weight by about η·sign(Δ̄), and counts its steps', () => {
    const w = Float32Array.of(1, 1, 1);
    const opt = { kind: 'fedadam', learningRate: 0.01, tau: 1e-9, beta2: 0.999, biasCorrection: true } as const;
    const first = serverStep(w, Float32Array.of(0.5, -1e-4, 0), opt, null);
    expect(first.weights[0]! - 1).toBeCloseTo(0.01, 6);
    expect(first.weights[1]! - 1).toBeCloseTo(-0.01, 6);
    expect(first.weights[2]).toBe(1);
    expect(first.state!.step).toBe(1);
    // Step 2 with the same mean: m̂ = m/(1−β₁²) and v̂ = v/(1−β₂²) are again the mean and its square.
    const second = serverStep(first.weights, Float32Array.of(0.5, -1e-4, 0), opt, first.state);
    expect(second.weights[0]! - first.weights[0]!).toBeCloseTo(0.01, 6);
    expect(second.state!.step).toBe(2);
    // Without correction (the default) the first step is (1−β₁)/√(1−β₂) of that.
    const plain = serverStep(w, Float32Array.of(0.5, -1e-4, 0), { ...opt, biasCorrection: false }, null);
    expect(plain.weights[0]! - 1).toBeCloseTo((0.01 * 0.1) / Math.sqrt(0.001), 5);
  });
  it('a schedule warms the rate up linearly, decays it by a cosine to its floor, then holds it', () => {
    const s = { warmupRounds: 10, decayRounds: 100, floor: 0.1 };
    expect(scheduledLearningRate(0.01, undefined, 500)).toBe(0.01);
    expect(scheduledLearningRate(0.01, s, 1)).toBeCloseTo(0.001, 12);
    expect(scheduledLearningRate(0.01, s, 5)).toBeCloseTo(0.005, 12);
    expect(scheduledLearningRate(0.01, s, 10)).toBeCloseTo(0.01, 12);
    expect(scheduledLearningRate(0.01, s, 60)).toBeCloseTo(0.01 * (0.1 + 0.9 * 0.5), 12);
    expect(scheduledLearningRate(0.01, s, 110)).toBeCloseTo(0.001, 12);
    expect(scheduledLearningRate(0.01, s, 1000)).toBeCloseTo(0.001, 12);
    expect(scheduledLearningRate(0.01, { warmupRounds: 0, decayRounds: 0, floor: 0 }, 7)).toBe(0.01);
    expect(() => scheduledLearningRate(0.01, { warmupRounds: -1, decayRounds: 0, floor: 0 }, 1)).toThrow(RangeError);
    // serverStep takes the rate of its own step (state.step + 1): FedAvg's step is η_t·Δ̄.
    const avg = { kind: 'fedavg', learningRate: 1, schedule: s } as const;
    const one = serverStep(Float32Array.of(0), Float32Array.of(1), avg, null);
    expect(one.weights[0]).toBeCloseTo(0.1, 6);
    const two = serverStep(one.weights, Float32Array.of(1), avg, one.state);
    expect(two.weights[0]! - one.weights[0]!).toBeCloseTo(0.2, 6);
    expect(two.state!.step).toBe(2);
  });
});


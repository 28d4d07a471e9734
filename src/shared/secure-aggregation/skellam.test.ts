import { describe, expect, it } from 'vitest';
import { addSkellamNoise, logGamma, poisson, skellam } from './skellam.js';
import { mulberry32 as seededUniform } from '../model/weights.js';

const moments = (xs: number[]) => {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  return { mean: m, variance: xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1) };
};

describe('Poisson and Skellam draws', () => {
  it('logGamma matches known values', () => {
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 9);
  });
  for (const lam of [0.7, 4, 12, 300, 1e6, 2 ** 40]) {
    it(`Poisson(${lam}) has mean and variance ${lam}`, () => {
      const u = seededUniform(Math.round(lam) + 3);
      const xs = Array.from({ length: 40_000 }, () => poisson(lam, u));
      const { mean, variance } = moments(xs);
      const se = Math.sqrt(lam / xs.length);
      expect(Math.abs(mean - lam)).toBeLessThan(5 * se);
      expect(Math.abs(variance / lam - 1)).toBeLessThan(0.05);
      expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
    });
  }
  it('matches the Poisson pmf at a mid-size mean (chi-square over central cells)', () => {
    const lam = 50;
    const u = seededUniform(11);
    const N = 100_000;
    const counts = new Map<number, number>();
    for (let i = 0; i < N; i++) {
      const k = poisson(lam, u);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    let chi = 0;
    let cells = 0;
    for (let k = 35; k <= 65; k++) {
      const p = Math.exp(-lam + k * Math.log(lam) - logGamma(k + 1));
      chi += ((counts.get(k) ?? 0) - N * p) ** 2 / (N * p);
      cells++;
    }
    // 31 cells: the 99.9% quantile of χ²(31) is about 61.
    expect(chi).toBeLessThan(61);
    expect(cells).toBe(31);
  });
  it('Skellam noise is centred with the requested variance, mod 2^32', () => {
    const u = seededUniform(5);
    const v = 2 ** 30;
    const xs = Array.from({ length: 20_000 }, () => skellam(v, u));
    const { mean, variance } = moments(xs);
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(v / xs.length));
    expect(Math.abs(variance / v - 1)).toBeLessThan(0.05);
    const vec = addSkellamNoise(new Uint32Array(1000), 100, seededUniform(9));
    expect(Array.from(vec).some((x) => x > 2 ** 31)).toBe(true); // negative values wrapped
  });
});

import { describe, expect, it } from 'vitest';
import { dpFedAvgEpsilon, rdpSubsampledGaussian } from './accountant.js';
import { INTEGER_ORDERS, poissonSubsampledRdp, secureEpsilon, secureRoundRelease, skellamRdp } from './skellam-accountant.js';

const gaussian = (z: number) => (a: number) => a / (2 * z * z);

describe('Skellam accountant', () => {
  it('the tight form of the Poisson bound reproduces the sampled Gaussian series (known answer)', () => {
    for (const [q, z] of [[0.01, 1], [0.1, 0.8], [0.5, 2]] as const) {
      for (const a of [2, 3, 8, 32]) expect(poissonSubsampledRdp(a, q, gaussian(z), true)).toBeCloseTo(rdpSubsampledGaussian(q, z, a), 10);
    }
  });
  it('the general bound is above the exact one, and equals the base mechanism at q = 1', () => {
    for (const a of [2, 5, 20]) {
      expect(poissonSubsampledRdp(a, 0.05, gaussian(1))).toBeGreaterThanOrEqual(rdpSubsampledGaussian(0.05, 1, a) - 1e-12);
      expect(poissonSubsampledRdp(a, 1, gaussian(1))).toBe(gaussian(1)(a));
    }
  });
  it('Skellam RDP is the Gaussian RDP plus a discretisation term that vanishes at Shelf scales', () => {
    const r = secureRoundRelease(20, 78_000, (1 * 2 ** 20) ** 2);
    expect(skellamRdp(8, r)).toBeGreaterThan(gaussian(1)(8));
    expect(skellamRdp(8, r) - gaussian(1)(8)).toBeLessThan(1e-6);
    // Coarse integers: the extra term matters and is counted.
    const coarse = secureRoundRelease(2, 100, 16);
    expect(skellamRdp(4, coarse) - gaussian(1)(4)).toBeGreaterThan(0.01);
  });
  it('ε of secure rounds is close to, and never below, the Gaussian accountant at the same q and z', () => {
    const release = secureRoundRelease(23, 11_330, (2 ** 23) ** 2);
    for (const [q, rounds] of [[0.01, 1000], [0.1, 50], [1, 3]] as const) {
      const s = secureEpsilon([{ sampleRate: q, release, rounds }], 1e-6);
      const g = dpFedAvgEpsilon(q, 1, rounds, 1e-6, INTEGER_ORDERS);
      expect(s).toBeGreaterThanOrEqual(g * 0.999);
      // The general Poisson bound (factor 3 on orders ≥ 3) costs 0–25% more ε than the exact sampled Gaussian.
      expect(s).toBeLessThan(g * 1.3);
    }
    expect(secureEpsilon([{ sampleRate: 0.01, release, rounds: 0 }], 1e-6)).toBe(0);
  });
});

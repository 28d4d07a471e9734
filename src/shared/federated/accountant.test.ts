// The accountant against values computed independently here: the RDP integral of the subsampled Gaussian
// by quadrature (no series, no erfc), the ε conversion evaluated from those integrals, and the exact
// privacy curve of the plain Gaussian mechanism (Balle & Wang 2018) as a lower bound on ε.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ORDERS, computeRdp, dpFedAvgEpsilon, epsilonFromRdp, logErfc, noiseForEpsilon, rdpSubsampledGaussian } from './accountant.js';

/** log ∫ N(z; 0, σ²) · ((1 − q) + q·e^{(2z − 1)/(2σ²)})^α dz by the trapezoid rule in log space. */
function logAByQuadrature(q: number, sigma: number, alpha: number): number {
  const lo = -30 * sigma;
  const hi = alpha + 30 * sigma;
  const steps = 200_000;
  const h = (hi - lo) / steps;
  const s2 = sigma * sigma;
  const logs = new Float64Array(steps + 1);
  let max = -Infinity;
  for (let i = 0; i <= steps; i++) {
    const z = lo + i * h;
    const e = (2 * z - 1) / (2 * s2);
    // log((1−q) + q·e^e) computed stably
    const mix = e > 0 ? e + Math.log(q + (1 - q) * Math.exp(-e)) : Math.log(1 - q + q * Math.exp(e));
    const v = -(z * z) / (2 * s2) - 0.5 * Math.log(2 * Math.PI * s2) + alpha * mix;
    logs[i] = v;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let i = 0; i <= steps; i++) sum += (i === 0 || i === steps ? 0.5 : 1) * Math.exp(logs[i]! - max);
  return max + Math.log(sum * h);
}

const rdpByQuadrature = (q: number, sigma: number, alpha: number) => logAByQuadrature(q, sigma, alpha) / (alpha - 1);

function normalCdf(x: number): number {
  // Φ(x) = erfc(−x/√2)/2 by the trapezoid rule on the density (independent of logErfc)
  const lo = -40;
  if (x <= lo) return 0;
  const steps = 400_000;
  const h = (x - lo) / steps;
  let s = 0;
  for (let i = 0; i <= steps; i++) {
    const z = lo + i * h;
    s += (i === 0 || i === steps ? 0.5 : 1) * Math.exp(-z * z / 2);
  }
  return (s * h) / Math.sqrt(2 * Math.PI);
}

describe('accountant', () => {
  it('logErfc matches known values and stays finite far in the tail', () => {
    expect(Math.exp(logErfc(0))).toBeCloseTo(1, 14);
    expect(Math.exp(logErfc(1))).toBeCloseTo(0.157299207050285, 13);
    expect(Math.exp(logErfc(-1))).toBeCloseTo(1.842700792949715, 13);
    expect(Math.exp(logErfc(3.5)) / 7.43098372341412e-7).toBeCloseTo(1, 10);
    expect(logErfc(30)).toBeCloseTo(-900 - 0.5 * Math.log(Math.PI) - Math.log(30) + Math.log1p(-1 / 1800), 5);
  });

  const cases: [number, number, number][] = [
    [0.01, 1.0, 2],
    [0.01, 1.0, 8],
    [0.01, 1.0, 32],
    [0.005, 0.8, 4.5],
    [0.05, 1.3, 1.7],
    [0.01, 1.1, 10.3],
    [0.2, 2.0, 12],
    [0.001, 0.6, 3.3],
  ];
  it.each(cases)('RDP of the subsampled Gaussian (q=%f, z=%f, α=%f) matches quadrature within 1e-3 relative', (q, z, a) => {
    const series = rdpSubsampledGaussian(q, z, a);
    const quad = rdpByQuadrature(q, z, a);
    expect(Math.abs(series - quad) / quad).toBeLessThan(1e-3);
  });

  it('without subsampling it is α/(2σ²)', () => {
    expect(rdpSubsampledGaussian(1, 2, 5)).toBeCloseTo(5 / 8, 12);
    expect(rdpByQuadrature(0.999999, 2, 5) / (5 / 8)).toBeCloseTo(1, 4);
  });

  it('ε after T rounds matches the conversion of quadrature RDP within 1e-3 relative', () => {
    const orders = [1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, 16, 20, 32];
    for (const [q, z, rounds, delta] of [
      [0.01, 1.0, 300, 1e-5],
      [0.0447, 0.9, 100, 1 / 22363],
    ] as const) {
      const ours = epsilonFromRdp(computeRdp(q, z, rounds, orders), orders, delta).epsilon;
      let independent = Infinity;
      for (const a of orders) {
        const rdp = rounds * rdpByQuadrature(q, z, a);
        independent = Math.min(independent, rdp + Math.log1p(-1 / a) - (Math.log(delta) + Math.log(a)) / (a - 1));
      }
      expect(Math.abs(ours - independent) / independent).toBeLessThan(1e-3);
    }
  });

  it('is an upper bound on the exact ε of one Gaussian mechanism, and not a loose one', () => {
    const sigma = 2;
    const delta = 1e-5;
    const ours = dpFedAvgEpsilon(1, sigma, 1, delta);
    // exact δ(ε) = Φ(1/(2σ) − εσ) − e^ε Φ(−1/(2σ) − εσ) (Balle & Wang 2018); at our ε it must be ≤ δ
    const exactDelta = (eps: number) => normalCdf(1 / (2 * sigma) - eps * sigma) - Math.exp(eps) * normalCdf(-1 / (2 * sigma) - eps * sigma);
    expect(exactDelta(ours)).toBeLessThanOrEqual(delta * 1.0001);
    expect(exactDelta(ours * 0.8)).toBeGreaterThan(delta);
  });

  it('grows with rounds and shrinks with noise; noiseForEpsilon inverts it', () => {
    const q = 0.01;
    expect(dpFedAvgEpsilon(q, 1, 200, 1e-5)).toBeGreaterThan(dpFedAvgEpsilon(q, 1, 100, 1e-5));
    expect(dpFedAvgEpsilon(q, 2, 200, 1e-5)).toBeLessThan(dpFedAvgEpsilon(q, 1, 200, 1e-5));
    expect(dpFedAvgEpsilon(q, 0, 10, 1e-5)).toBe(Infinity);
    expect(dpFedAvgEpsilon(q, 1, 0, 1e-5)).toBe(0);
    const z = noiseForEpsilon(q, 200, 4, 1e-5);
    expect(dpFedAvgEpsilon(q, z, 200, 1e-5)).toBeLessThanOrEqual(4);
    expect(dpFedAvgEpsilon(q, z * 0.98, 200, 1e-5)).toBeGreaterThan(4);
    expect(DEFAULT_ORDERS.length).toBe(151);
  });
});

// Robust aggregation rules against poisoned updates, beyond clipping: the coordinate-wise trimmed mean (drop
// the k largest and k smallest values of every coordinate, average the rest) and the coordinate-wise median.
// Clipping alone bounds how far one client can move the mean (C/n); a trimmed mean also ignores the extreme
// values a few attackers must send to move it in a chosen direction. Pure arithmetic, shared by the server
// and the poisoning benchmark; noise comes from the caller's sampler. Never touches I/O or the clock.
//
// The trade-off with DP: the plain sum's sensitivity is C (one client, clipped to C, moves it by at most C), so
// the Gaussian noise is z·C. The trimmed sum's sensitivity is larger: replacing one client shifts each
// kept order statistic to a neighbour, so coordinate j moves by at most 2·(x_(n−k+1),j − x_(k),j); since every
// client is clipped to C and at least k clients are as extreme as x_(k),j, Σ_j x_(k),j² ≤ n·C²/k, and the L2
// sensitivity is at most 4·C·√(n/k). To keep the accountant's ε valid the noise on the trimmed sum is scaled by
// that factor (robustSensitivity), and the trimmed sum is divided by n − 2k values instead of n: at 10%
// trimming the noise std on the average is ≈ 16× that of the plain mean. The median (k = ⌊(n−1)/2⌋) is far
// worse with noise. So: with DP noise, prefer the mean (clipping is the defence) or a light trim with a large
// cohort; without noise (or with the noise budget spent elsewhere), the trimmed mean is the stronger defence.
import { clipToNorm } from './clip.js';
import { dequantize } from './quantize.js';
import type { ClientUpdate, Gaussian, NoiseSettings } from './aggregate.js';

export const ROBUST_RULES = ['mean', 'trimmed-mean', 'median'] as const;
export type RobustRule = (typeof ROBUST_RULES)[number];

export interface RobustSettings {
  readonly rule: RobustRule;
  /** trimmed-mean: the share of values dropped at each end of every coordinate (0 ≤ trim < 0.5). */
  readonly trim: number;
}

/** Values dropped at each end of every coordinate for `n` updates. */
export function trimCount(n: number, s: RobustSettings): number {
  if (s.rule === 'mean') return 0;
  if (s.rule === 'median') return Math.floor((n - 1) / 2);
  if (!(s.trim >= 0 && s.trim < 0.5)) throw new RangeError(`trim must be in [0, 0.5), got ${s.trim}`);
  return Math.min(Math.floor((n - 1) / 2), Math.floor(s.trim * n));
}

/**
 * Factor by which the L2 sensitivity of the (trimmed) sum of n updates clipped to C exceeds C: 1 without
 * trimming, 4·√(n/k) when k values are trimmed at each end (see the module comment).
 */
export function robustSensitivity(n: number, k: number): number {
  return k === 0 ? 1 : 4 * Math.sqrt(n / k);
}

/**
 * Coordinate-wise trimmed sum of `rows`: per coordinate, the sum of the values left after dropping the k
 * smallest and k largest.
 * @throws RangeError for no rows, rows of different lengths, or 2k ≥ n.
 */
export function trimmedSum(rows: readonly Float32Array[], k: number): Float64Array {
  const n = rows.length;
  const first = rows[0];
  if (!first) throw new RangeError('a round needs at least one update');
  if (!(Number.isInteger(k) && k >= 0 && 2 * k < n)) throw new RangeError(`cannot trim ${k} at each end of ${n} values`);
  const d = first.length;
  for (const [i, r] of rows.entries()) if (r.length !== d) throw new RangeError(`update ${i} has ${r.length} values, expected ${d}`);
  const out = new Float64Array(d);
  const column = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) column[i] = rows[i]![j]!;
    if (k > 0) column.sort();
    let s = 0;
    for (let i = k; i < n - k; i++) s += column[i]!;
    out[j] = s;
  }
  return out;
}

/**
 * The round's average update under a robust rule: clip each update to C, take the coordinate-wise trimmed sum,
 * add Gaussian noise of std z·C·robustSensitivity(n, k) (so a given z keeps the same ε), divide by n − 2k.
 * With rule 'mean' this is the unweighted DP mean (noisyMean's DP path).
 * @example
 *   robustNoisyMean(updates, { clip: 1, noiseMultiplier: 0 }, { rule: 'trimmed-mean', trim: 0.1 }, gaussian)
 * @throws RangeError for no updates, mismatched lengths or a trim outside [0, 0.5).
 */
export function robustNoisyMean(updates: readonly ClientUpdate[], noise: NoiseSettings, robust: RobustSettings, gaussian: Gaussian): Float32Array {
  const n = updates.length;
  const k = trimCount(n, robust);
  // Coordinate-wise rules need every update's values side by side: an int8 update is expanded here.
  const rows = updates.map((u) => clipToNorm(u.values instanceof Float32Array ? u.values : dequantize(u.values), noise.clip).values);
  const sum = trimmedSum(rows, k);
  const std = noise.noiseMultiplier * noise.clip * robustSensitivity(n, k);
  const kept = n - 2 * k;
  const out = new Float32Array(sum.length);
  for (let j = 0; j < out.length; j++) out[j] = (sum[j]! + (std > 0 ? std * gaussian() : 0)) / kept;
  return out;
}

// Seeded randomness for the trainer and the harness (mulberry32 from the model code), so every number in
// bench/results can be reproduced. Never uses Math.random.
import { mulberry32 } from '../src/shared/model/weights.js';

export type Rand = () => number;

export function seeded(seed: number): Rand {
  return mulberry32(seed);
}

/** Uniform integer in [lo, hi]. */
export function randInt(rand: Rand, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** In-place Fisher–Yates shuffle. */
export function shuffle<T>(xs: T[], rand: Rand): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** `count` distinct item ids from 1..itemCount, none in `exclude`, uniformly (rejection sampling). */
export function sampleNegatives(rand: Rand, itemCount: number, count: number, exclude: ReadonlySet<number>): Int32Array {
  if (itemCount - exclude.size < count) throw new RangeError(`cannot draw ${count} negatives from ${itemCount} items`);
  const out = new Int32Array(count);
  const taken = new Set<number>();
  for (let n = 0; n < count; ) {
    const t = randInt(rand, 1, itemCount);
    if (exclude.has(t) || taken.has(t)) continue;
    taken.add(t);
    out[n++] = t;
  }
  return out;
}

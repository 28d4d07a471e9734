// Federated averaging: the next version is the base weights plus the example-weighted mean of the deltas.
// Pure arithmetic on float arrays; must never touch storage, the network or the clock.

/** One client's contribution: its delta and the number of training examples behind it. */
export interface WeightedDelta {
  readonly delta: Float32Array;
  readonly examples: number;
}

/**
 * Example-weighted mean of deltas, accumulated in float64 and rounded to float32 once at the end.
 * @example
 *   weightedMean([{ delta: Float32Array.of(1), examples: 1 }, { delta: Float32Array.of(4), examples: 3 }]) // [3.25]
 * @throws RangeError for no updates, mismatched lengths, or a count that is not a positive finite number.
 */
export function weightedMean(updates: readonly WeightedDelta[]): Float32Array {
  const first = updates[0];
  if (!first) throw new RangeError('weightedMean needs at least one update');
  const n = first.delta.length;
  const sum = new Float64Array(n);
  let total = 0;
  for (const [i, u] of updates.entries()) {
    if (u.delta.length !== n) throw new RangeError(`update ${i} has ${u.delta.length} values, expected ${n}`);
    if (!(u.examples > 0) || !Number.isFinite(u.examples)) throw new RangeError(`update ${i} has example count ${u.examples}`);
    total += u.examples;
    for (let j = 0; j < n; j++) sum[j]! += u.examples * u.delta[j]!;
  }
  const mean = new Float32Array(n);
  for (let j = 0; j < n; j++) mean[j] = sum[j]! / total;
  return mean;
}

/**
 * Element-wise `base + delta` as a new array.
 * @throws RangeError when the lengths differ.
 */
export function applyDelta(base: Float32Array, delta: Float32Array): Float32Array {
  if (base.length !== delta.length) throw new RangeError(`base has ${base.length} values, delta ${delta.length}`);
  const out = new Float32Array(base.length);
  for (let j = 0; j < base.length; j++) out[j] = base[j]! + delta[j]!;
  return out;
}

/** True when every value is a finite number (no NaN, no ±Infinity). */
export function allFinite(values: Float32Array): boolean {
  for (let j = 0; j < values.length; j++) if (!Number.isFinite(values[j]!)) return false;
  return true;
}

// The parties' views of the privacy benchmark: each view turns real model updates (one visitor's, or a cohort's)
// into exactly what one party observes; the attack then runs on that observation. Must never give a view more
// than its party receives, and must never hand the attack anything but the observation.
//
// How to add a view (e.g. a protocol's server or second aggregator):
//   1. Append an object to VIEWS below: a unique `name` (the row's `view`), the observing `party`, `cohort` (how
//      many visitors' updates one observation combines: 1 = a single visitor's, K = a sum of K), the noise
//      multiplier `z` it carries (for the record), and `observe(updates, ctx)`.
//   2. `observe` receives the raw updates (local − base, unclipped, float32) of the cohort's visitors — do on them
//      whatever each device does (clip, noise, encode, secret-share) and whatever the party does (sum, decode) —
//      and returns what the party holds: a Float32Array (a decoded update or sum), or `{ share, scale }` with a
//      Uint32Array share mod 2^32, which the attack reads as two's-complement fixed point (value = int32 / scale).
//      It may be async (WebCrypto). Use `ctx.random` / `ctx.gaussian` for randomness, so runs repeat.
//   3. `npm run bench:privacy` then adds one row per model for it; cohort views are attacked once per cohort and
//      scored against every member.
import { clipToNorm } from '../../src/shared/federated/clip.js';
import { dequantize, quantizeInt8 } from '../../src/shared/federated/quantize.js';
import type { Gaussian } from '../../src/shared/federated/aggregate.js';
import type { ModelLayout } from './attack.js';
import { PROTOCOL_VIEWS } from './protocol-views.js';

/** What a party holds: a decoded update, or one additive share mod 2^32 in fixed point. */
export type Observation = Float32Array | { readonly share: Uint32Array; readonly scale: number };

export interface ViewContext {
  /** L2 clip bound C of every update (the server's default). */
  readonly clip: number;
  /** int8 chunk size of the wire format. */
  readonly chunk: number;
  readonly layout: ModelLayout;
  /** The public base weights the updates start from. */
  readonly base: Float32Array;
  /** Seeded uniform [0, 1) source and standard normal source. */
  readonly random: () => number;
  readonly gaussian: Gaussian;
}

export interface View {
  readonly name: string;
  readonly party: string;
  readonly cohort: number;
  /** Noise multiplier z: Gaussian noise of std z·C that the observation carries (0 = none). */
  readonly z: number;
  observe(updates: readonly Float32Array[], ctx: ViewContext): Observation | Promise<Observation>;
}

/** What a device sends today: the update clipped to L2 ≤ C, int8-quantised with stochastic rounding; decoded. */
export function plainUpload(update: Float32Array, ctx: ViewContext): Float32Array {
  return dequantize(quantizeInt8(clipToNorm(update, ctx.clip).values, ctx.chunk, ctx.random));
}

/** values + N(0, std²) on every coordinate (a new array). */
export function withNoise(values: Float32Array, std: number, gaussian: Gaussian): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! + std * gaussian();
  return out;
}

/** Coordinate-wise sum (float64 accumulation). */
export function sumOf(arrays: readonly Float32Array[]): Float32Array {
  const acc = new Float64Array(arrays[0]!.length);
  for (const a of arrays) for (let i = 0; i < a.length; i++) acc[i]! += a[i]!;
  return Float32Array.from(acc);
}

/** The observation as float values: shares are read as two's-complement int32 over `scale`. */
export function decodeObservation(o: Observation): Float32Array {
  if (o instanceof Float32Array) return o;
  const out = new Float32Array(o.share.length);
  for (let i = 0; i < out.length; i++) out[i] = (o.share[i]! | 0) / o.scale;
  return out;
}

/** One visitor's update with Gaussian noise z·C added on the device before the int8 encoding. */
const singleNoised = (z: number): View => ({
  name: `single-noised-z${z}`,
  party: 'server (one update, noised on the device)',
  cohort: 1,
  z,
  observe: ([u], ctx) => dequantize(quantizeInt8(withNoise(clipToNorm(u!, ctx.clip).values, z * ctx.clip, ctx.gaussian), ctx.chunk, ctx.random)),
});

export const SUM_COHORT = 100;

export const VIEWS: readonly View[] = [
  // Today: the server decodes every upload on its own before it sums them.
  { name: 'plain-upload', party: 'server (today)', cohort: 1, z: 0, observe: ([u], ctx) => plainUpload(u!, ctx) },
  // What a party that only ever sees a noised sum of K uploads holds (today's published aggregate, z = 1).
  {
    name: `sum-of-${SUM_COHORT}`,
    party: `anyone seeing only the noised sum of ${SUM_COHORT}`,
    cohort: SUM_COHORT,
    z: 1,
    observe: (us, ctx) => withNoise(sumOf(us.map((u) => plainUpload(u, ctx))), ctx.clip, ctx.gaussian),
  },
  singleNoised(0.01),
  singleNoised(0.1),
  // The protocol that ships: what the leader and the helper aggregator each hold (protocol-views.ts).
  ...PROTOCOL_VIEWS,
];

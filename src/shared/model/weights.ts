// Weight layout of the on-device encoder: names, shapes, flat (de)serialisation and initialisation.
// The order here is the order of `weights.bin` and of every federated update; never reorder silently.
import type { ModelConfig, WeightSpec } from '../protocol.js';

/** Weight names and shapes for a config, in wire order. */
export function weightSpecs(c: ModelConfig): WeightSpec[] {
  const { itemDim: d, hidden: h, maxLen: l, ffn: f, eventTypes: t } = c;
  const block = (p: string): WeightSpec[] => [
    { name: `${p}ln1_gamma`, shape: [h] },
    { name: `${p}ln1_beta`, shape: [h] },
    { name: `${p}query`, shape: [h, h] },
    { name: `${p}key`, shape: [h, h] },
    { name: `${p}value`, shape: [h, h] },
    { name: `${p}attn_out`, shape: [h, h] },
    { name: `${p}ln2_gamma`, shape: [h] },
    { name: `${p}ln2_beta`, shape: [h] },
    { name: `${p}ffn_in`, shape: [h, f] },
    { name: `${p}ffn_in_bias`, shape: [f] },
    { name: `${p}ffn_out`, shape: [f, h] },
    { name: `${p}ffn_out_bias`, shape: [h] },
  ];
  // Block 0 keeps the unprefixed names of the one-block layout; further blocks follow it, before the final norm.
  const extra = Array.from({ length: blockCount(c) - 1 }, (_, i) => block(blockPrefix(i + 1))).flat();
  return [
    { name: 'input_proj', shape: [d, h] },
    { name: 'type_embedding', shape: [t, h] },
    { name: 'position_embedding', shape: [l, h] },
    ...block(''),
    ...extra,
    { name: 'lnf_gamma', shape: [h] },
    { name: 'lnf_beta', shape: [h] },
    { name: 'output_proj', shape: [h, d] },
    // Scalars blending the model's score with the shop's own order: [model scale, server-rank weight].
    { name: 'blend', shape: [2] },
  ];
}

/** Number of attention blocks of a config (absent = 1). */
export function blockCount(c: ModelConfig): number {
  return c.blocks ?? 1;
}

/** Name prefix of block i's weights: '' for block 0 (the original layout), `block<i>_` after it. */
export function blockPrefix(i: number): string {
  return i === 0 ? '' : `block${i}_`;
}

export function specSize(spec: WeightSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

export function parameterCount(specs: readonly WeightSpec[]): number {
  return specs.reduce((n, s) => n + specSize(s), 0);
}

/** Named float32 arrays, one per weight spec. */
export type WeightArrays = Record<string, Float32Array>;

/** Splits a flat float32 array into named weights; throws RangeError on a length mismatch. */
export function unflatten(specs: readonly WeightSpec[], flat: Float32Array): WeightArrays {
  const total = parameterCount(specs);
  if (flat.length !== total) throw new RangeError(`expected ${total} weights, got ${flat.length}`);
  const out: WeightArrays = {};
  let offset = 0;
  for (const spec of specs) {
    const n = specSize(spec);
    out[spec.name] = flat.subarray(offset, offset + n);
    offset += n;
  }
  return out;
}

/** Concatenates named weights in spec order. */
export function flatten(specs: readonly WeightSpec[], weights: WeightArrays): Float32Array {
  const out = new Float32Array(parameterCount(specs));
  let offset = 0;
  for (const spec of specs) {
    const w = weights[spec.name];
    const n = specSize(spec);
    if (!w || w.length !== n) throw new RangeError(`weight ${spec.name}: expected ${n} values, got ${w?.length ?? 0}`);
    out.set(w, offset);
    offset += n;
  }
  return out;
}

/** Small deterministic PRNG (mulberry32), so seeds give the same weights in Node and the browser. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Initial weights: projections start near the identity (so a fresh model already points the visitor's state
 * at the items they engaged with), the rest small and random, layer norms at identity.
 */
export function initialWeights(c: ModelConfig, seed = 1): WeightArrays {
  const rand = mulberry32(seed);
  const uniform = (n: number, scale: number) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
  const nearIdentity = (rows: number, cols: number, noise: number) => {
    const m = uniform(rows * cols, noise);
    for (let i = 0; i < Math.min(rows, cols); i++) m[i * cols + i]! += 1;
    return m;
  };
  const ones = (n: number) => new Float32Array(n).fill(1);
  const { itemDim: d, hidden: h, maxLen: l, ffn: f, eventTypes: t } = c;
  const glorot = (a: number, b: number) => uniform(a * b, Math.sqrt(6 / (a + b)));
  const block = (p: string): WeightArrays => ({
    [`${p}ln1_gamma`]: ones(h),
    [`${p}ln1_beta`]: new Float32Array(h),
    [`${p}query`]: glorot(h, h),
    [`${p}key`]: glorot(h, h),
    [`${p}value`]: glorot(h, h),
    [`${p}attn_out`]: uniform(h * h, 0.05),
    [`${p}ln2_gamma`]: ones(h),
    [`${p}ln2_beta`]: new Float32Array(h),
    [`${p}ffn_in`]: glorot(h, f),
    [`${p}ffn_in_bias`]: new Float32Array(f),
    [`${p}ffn_out`]: uniform(f * h, 0.05),
    [`${p}ffn_out_bias`]: new Float32Array(h),
  });
  // Same draw order as the one-block layout for block 0, so old seeds give the same weights.
  const first = {
    input_proj: nearIdentity(d, h, 0.05),
    type_embedding: uniform(t * h, 0.05),
    position_embedding: uniform(l * h, 0.05),
    ...block(''),
  };
  const extra = Array.from({ length: blockCount(c) - 1 }, (_, i) => block(blockPrefix(i + 1)));
  return {
    ...first,
    ...Object.assign({}, ...extra),
    lnf_gamma: ones(h),
    lnf_beta: new Float32Array(h),
    output_proj: nearIdentity(h, d, 0.05),
    blend: Float32Array.from([4, 0.5]),
  };
}

// Content vectors for items without history, in the learned space: each feed feature (title word, brand, each
// prefix of the category path, price band) gets the mean learned vector of the history items that have it, and an
// item's content vector is the weighted mean of its features' vectors. Items no feature is known for get zeros
// (score 0: they keep their place in the shop's order). Must never change a learned vector.
import type { FeedItem } from '../import/feed-schema.js';
import { priceBand } from '../../src/shared/item-vectors.js';

const WEIGHT: Readonly<Record<string, number>> = { c: 2, b: 1.5, w: 1, p: 0.5 };
const STOP = new Set(['the', 'and', 'with', 'for', 'of', 'a', 'in', 'by', 'to', 'product']);

/** The features of an item, as `kind:value` strings. */
export function itemFeatures(item: FeedItem): string[] {
  const out = new Set<string>();
  for (const w of item.title.toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (w.length > 2 && !STOP.has(w) && !/^\d+$/.test(w)) out.add(`w:${w}`);
  if (item.brand) out.add(`b:${item.brand.toLowerCase()}`);
  for (const path of [item.product_type, item.google_product_category]) {
    if (!path) continue;
    const parts = path.split('>').map((p) => p.trim().toLowerCase()).filter(Boolean);
    for (let i = 1; i <= parts.length; i++) out.add(`c:${parts.slice(0, i).join('>')}`);
  }
  const price = item.sale_price ?? item.price;
  if (price) out.add(`p:${price.currency}:${priceBand(price.amount)}`);
  return [...out];
}

export interface ContentFeatures {
  dim: number;
  /** Mean learned vector of each feature seen on at least `minItems` history items. */
  means: Map<string, Float32Array>;
}

/** Learns feature means from the learned rows 1..learnedRows of `vectors` (row i = ids[i]). */
export function learnContentFeatures(vectors: Float32Array, dim: number, ids: readonly string[], learnedRows: number, feed: readonly FeedItem[], minItems = 2): ContentFeatures {
  const byId = new Map(feed.map((f) => [f.id, f]));
  const sums = new Map<string, { sum: Float64Array; n: number }>();
  for (let r = 1; r <= learnedRows; r++) {
    const item = byId.get(ids[r]!);
    if (!item) continue;
    for (const f of itemFeatures(item)) {
      let s = sums.get(f);
      if (!s) sums.set(f, (s = { sum: new Float64Array(dim), n: 0 }));
      for (let j = 0; j < dim; j++) s.sum[j]! += vectors[r * dim + j]!;
      s.n++;
    }
  }
  const means = new Map<string, Float32Array>();
  for (const [f, s] of [...sums].sort(([a], [b]) => (a < b ? -1 : 1))) if (s.n >= minItems) means.set(f, Float32Array.from(s.sum, (x) => x / s.n));
  return { dim, means };
}

/** The content vector of an item, or null when none of its features is known. */
export function contentVector(cf: ContentFeatures, item: FeedItem): Float32Array | null {
  const out = new Float32Array(cf.dim);
  let total = 0;
  for (const f of itemFeatures(item)) {
    const m = cf.means.get(f);
    if (!m) continue;
    const w = WEIGHT[f[0]!]!;
    for (let j = 0; j < cf.dim; j++) out[j]! += w * m[j]!;
    total += w;
  }
  if (total === 0) return null;
  for (let j = 0; j < cf.dim; j++) out[j]! /= total;
  return out;
}

export function contentFeaturesToJson(cf: ContentFeatures): string {
  const means: Record<string, string> = {};
  for (const [f, v] of cf.means) means[f] = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  return JSON.stringify({ dim: cf.dim, means });
}

export function contentFeaturesFromJson(text: string): ContentFeatures {
  const o = JSON.parse(text) as { dim: number; means: Record<string, string> };
  const means = new Map<string, Float32Array>();
  for (const [f, b64] of Object.entries(o.means)) {
    const b = Buffer.from(b64, 'base64');
    means.set(f, new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
  }
  return { dim: o.dim, means };
}

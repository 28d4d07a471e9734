// The demo shop's item vectors, computed from product facts (category, brand, price band, title words) by
// feature hashing. This is the shop's side of the contract: Shelf only ever receives the vectors.
// Deterministic and dependency-free so the server, the trainer and tests produce identical vectors.
import { mulberry32 } from './model/weights.js';

/** Identifies this featurisation in model manifests and candidate responses. */
export const CONTENT_VECTOR_SPACE = 'content-hash-v1';
export const CONTENT_VECTOR_DIM = 32;

export interface ItemFacts {
  readonly category: string;
  readonly brand: string | null;
  readonly price: number;
  readonly title: string;
}

/** FNV-1a 32-bit hash of a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A fixed pseudo-random direction for a feature name. */
export function featureDirection(feature: string, dim: number): Float32Array {
  const rand = mulberry32(fnv1a(feature));
  const v = Float32Array.from({ length: dim }, () => rand() * 2 - 1);
  return normalize(v);
}

function normalize(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  return v.map((x) => x / norm);
}

/** Price band on a log scale: 0 for < $10, 1 for < $30, 2 for < $100, … */
export function priceBand(price: number): number {
  if (!(price > 0)) return 0;
  return Math.max(0, Math.floor(Math.log(price / 10) / Math.log(3)) + 1);
}

const STOP_WORDS = new Set(['the', 'and', 'with', 'for', 'of', 'a', 'in', 'by', 'to']);

function titleWords(title: string): string[] {
  return title
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 2 && !STOP_WORDS.has(w));
}

/** Unit-length content vector of an item: category dominates, then brand, price band and title words. */
export function contentVector(item: ItemFacts, dim = CONTENT_VECTOR_DIM): Float32Array {
  const v = new Float32Array(dim);
  const add = (feature: string, weight: number) => {
    const d = featureDirection(feature, dim);
    for (let i = 0; i < dim; i++) v[i]! += weight * d[i]!;
  };
  add(`category:${item.category}`, 1);
  if (item.brand) add(`brand:${item.brand.toLowerCase()}`, 0.35);
  add(`price:${priceBand(item.price)}`, 0.25);
  const words = titleWords(item.title);
  for (const w of words) add(`word:${w}`, 0.3 / Math.sqrt(words.length));
  return normalize(v);
}

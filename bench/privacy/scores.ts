// Figures of one attack on one visitor, and their averages: precision at the number of items, recall at a fixed
// budget, the categories named, and the same figures for a ranking drawn at random (the chance an attacker with
// nothing would reach). Pure: rankings and truths in, numbers out.
import { mulberry32 } from '../../src/shared/model/weights.js';
import type { Catalogue } from './attack.js';

/** The visitor's distinct items (what their update was computed from). */
export type Truth = Int32Array;

export interface VisitorScore {
  /** Share of the top m (m = number of the visitor's distinct items) that are theirs. */
  readonly itemPrecision: number;
  /** Share of the visitor's items within the top `budget`. */
  readonly itemRecall: number;
  /** Share of the top m whose category is one of the visitor's categories. */
  readonly categoryPrecision: number;
  /** 1 when the commonest category of the top m is the visitor's commonest category. */
  readonly mainCategory: number;
  readonly items: number;
}

/** The commonest value; ties go to the one seen first. */
function commonest(values: Iterable<number>): number {
  const n = new Map<number, number>();
  let best = -1;
  let bestCount = 0;
  for (const v of values) {
    const c = (n.get(v) ?? 0) + 1;
    n.set(v, c);
    if (c > bestCount) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}

export function scoreRanking(ranking: Int32Array, truth: Truth, catalogue: Catalogue, budget: number): VisitorScore {
  const m = truth.length;
  const own = new Set(truth);
  const top = ranking.subarray(0, m);
  const hits = top.reduce((s, r) => s + (own.has(r) ? 1 : 0), 0);
  const found = ranking.subarray(0, budget).reduce((s, r) => s + (own.has(r) ? 1 : 0), 0);
  const cats = new Set(Array.from(truth, (t) => catalogue.categories[t]!));
  const catHits = top.reduce((s, r) => s + (cats.has(catalogue.categories[r]!) ? 1 : 0), 0);
  const main = commonest(Array.from(truth, (t) => catalogue.categories[t]!));
  const guessed = commonest(Array.from(top, (r) => catalogue.categories[r]!));
  return { itemPrecision: hits / m, itemRecall: found / m, categoryPrecision: catHits / m, mainCategory: main === guessed ? 1 : 0, items: m };
}

/** A uniformly random ranking of the catalogue (Fisher–Yates). */
export function randomRanking(count: number, rand: () => number): Int32Array {
  const r = Int32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [r[i], r[j]] = [r[j]!, r[i]!];
  }
  return r;
}

/** Mean figures of random rankings for this visitor: what guessing reaches (items: m/N; recall: budget/N). */
export function chanceScore(truth: Truth, catalogue: Catalogue, budget: number, draws: number, seed: number): VisitorScore {
  const rand = mulberry32(seed);
  const all = Array.from({ length: draws }, () => scoreRanking(randomRanking(catalogue.count, rand), truth, catalogue, budget));
  return {
    itemPrecision: truth.length / catalogue.count,
    itemRecall: Math.min(1, budget / catalogue.count),
    categoryPrecision: mean(all.map((s) => s.categoryPrecision)),
    mainCategory: mean(all.map((s) => s.mainCategory)),
    items: truth.length,
  };
}

export const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Standard error of the mean. */
export function standardError(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1) / xs.length);
}

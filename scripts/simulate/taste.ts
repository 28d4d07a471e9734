// Hidden tastes of simulated shoppers and how they choose: a preferred category (one with at least 5 products,
// so it can fill a top 5) and price band (the category's cheap, middle or dear third), which may shift to another
// category half-way through the session. Pure and seeded: the same seed gives the same shoppers.

import { mulberry32 } from '../../src/shared/model/weights.js';

export interface SimProduct {
  readonly id: string;
  readonly category: string;
  readonly price: number;
}

export type Band = 0 | 1 | 2;

export interface Taste {
  readonly category: string;
  readonly band: Band;
  /** The category after the shift, and the product view it happens before (null: no shift). */
  readonly shift: { readonly category: string; readonly atView: number } | null;
}

/** A small seeded PRNG (the model's mulberry32), so a seed gives the same shoppers on every run. */
export const rng = mulberry32;

/** Categories with at least `min` products. */
export function eligibleCategories(products: readonly SimProduct[], min = 5): string[] {
  const n = new Map<string, number>();
  for (const p of products) n.set(p.category, (n.get(p.category) ?? 0) + 1);
  return [...n].filter(([, c]) => c >= min).map(([c]) => c).sort();
}

/** The product's price band within its category (terciles by rank). */
export function bandOf(p: SimProduct, products: readonly SimProduct[]): Band {
  const prices = products.filter((q) => q.category === p.category).map((q) => q.price).sort((a, b) => a - b);
  const rank = prices.indexOf(p.price) / Math.max(1, prices.length - 1);
  return rank < 1 / 3 ? 0 : rank < 2 / 3 ? 1 : 2;
}

export function makeTaste(random: () => number, categories: readonly string[], views: number, shiftShare: number): Taste {
  const category = categories[Math.floor(random() * categories.length)]!;
  const band = Math.floor(random() * 3) as Band;
  if (random() >= shiftShare) return { category, band, shift: null };
  const others = categories.filter((c) => c !== category);
  return { category, band, shift: { category: others[Math.floor(random() * others.length)]!, atView: Math.floor(views / 2) } };
}

/** The category the shopper wants before their `view`-th product view (0-based). */
export function wantedAt(t: Taste, view: number): string {
  return t.shift && view >= t.shift.atView ? t.shift.category : t.category;
}

/**
 * What the shopper opens next from a list in the order shown: the first unseen product of the wanted category
 * in their price band among the first `look` shown, else the first unseen of the category; null when the list
 * shows none (the shopper then goes to the category page).
 */
export function choose(shown: readonly SimProduct[], want: string, band: Band, seen: ReadonlySet<string>, all: readonly SimProduct[], look: number): SimProduct | null {
  const window = shown.slice(0, look).filter((p) => p.category === want && !seen.has(p.id));
  return window.find((p) => bandOf(p, all) === band) ?? window[0] ?? null;
}

/** How many of the first 5 shown are in the category. */
export function top5Share(order: readonly string[], byId: ReadonlyMap<string, SimProduct>, category: string): number {
  return order.slice(0, 5).filter((id) => byId.get(id)?.category === category).length / 5;
}

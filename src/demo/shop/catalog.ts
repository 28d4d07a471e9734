// The storefront's side of the shop's own API (not Shelf's): candidate lists from GET /v1/candidates and the
// category list. Keeps every product it has seen, so pages and the privacy panel can name stored item ids.
import type { CandidateItem, CandidatesResponse } from '../../shared/protocol.js';

export type Product = CandidateItem;

export interface Category {
  readonly slug: string;
  readonly name: string;
  readonly count: number;
}

const known = new Map<string, Product>();

/** The shop's ranked list for a list id (`all`, `category:<slug>`, `search:<words>`, `related:<id>`). */
export async function candidates(list: string, limit: number): Promise<Product[]> {
  const res = await fetch(`/v1/candidates?list=${encodeURIComponent(list)}&limit=${limit}`);
  if (!res.ok) throw new Error(`the shop's server answered ${res.status} for list ${list}`);
  const body = (await res.json()) as CandidatesResponse;
  for (const p of body.items) known.set(p.id, p);
  return body.items;
}

export async function categories(): Promise<Category[]> {
  const res = await fetch('/v1/categories');
  return ((await res.json()) as { categories: Category[] }).categories;
}

/** Loads the whole catalogue once (it is small), so any stored item id can be named. */
export async function loadAll(): Promise<void> {
  await candidates('all', 200);
}

export function product(id: string): Product | undefined {
  return known.get(id);
}

export const money = (n: number) => `$${n.toFixed(2)}`;
export const categoryName = (slug: string) => slug[0]!.toUpperCase() + slug.slice(1).replaceAll('-', ' ');

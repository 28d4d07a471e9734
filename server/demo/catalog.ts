// The demo shop's catalogue and its own ranking (the shop's role, not Shelf's): loads catalog.json,
// precomputes each product's content vector, and answers `all`, `category:<slug>`, `search:<words>` and
// `related:<productId>` ("you may also like": same category first, then same brand, then the rest) lists.
// Must stay deterministic (same query, same order) and must never consult Shelf's model.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CONTENT_VECTOR_SPACE, contentVector } from '../../src/shared/item-vectors.js';
import type { CandidateItem, CandidatesResponse } from '../../src/shared/protocol.js';

const ProductSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  brand: z.string().nullable(),
  category: z.string().regex(/^[a-z0-9-]+$/),
  price: z.number().nonnegative(),
  rating: z.number().min(0).max(5),
});
const CatalogFileSchema = z.object({ attribution: z.string(), products: z.array(ProductSchema).min(1) });
export type Product = z.infer<typeof ProductSchema>;

export interface CategorySummary {
  readonly slug: string;
  /** Display name, from the slug (`mens-shoes` → `Mens shoes`). */
  readonly name: string;
  readonly count: number;
}

/** A parsed list id: what the page asks the shop for. */
export type ListQuery =
  | { kind: 'all' }
  | { kind: 'category'; slug: string }
  | { kind: 'search'; words: string[] }
  | { kind: 'related'; id: string };

export interface Catalog {
  readonly attribution: string;
  readonly products: readonly Product[];
  readonly categories: readonly CategorySummary[];
  /** Ranked candidates for a list id. @throws RangeError with a client-facing message for a bad list id. */
  candidates(listId: string, limit: number): CandidatesResponse;
}

const words = (text: string) => text.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 0);

/** Parses `all`, `category:<slug>`, `search:<words>` or `related:<id>`. @throws RangeError saying what is wrong. */
export function parseListId(listId: string, knownCategories: ReadonlySet<string>, knownIds?: ReadonlySet<string>): ListQuery {
  if (listId === 'all') return { kind: 'all' };
  const colon = listId.indexOf(':');
  const kind = colon < 0 ? listId : listId.slice(0, colon);
  const arg = colon < 0 ? '' : listId.slice(colon + 1);
  if (kind === 'category') {
    if (!knownCategories.has(arg)) {
      throw new RangeError(`unknown category '${arg}' in list '${listId}'; GET /v1/categories lists the slugs`);
    }
    return { kind: 'category', slug: arg };
  }
  if (kind === 'search') {
    const w = words(arg);
    if (w.length === 0) throw new RangeError(`list '${listId}' has no search words; use search:<words>`);
    return { kind: 'search', words: w };
  }
  if (kind === 'related' && knownIds) {
    if (!knownIds.has(arg)) throw new RangeError(`unknown product '${arg}' in list '${listId}'`);
    return { kind: 'related', id: arg };
  }
  throw new RangeError(`unknown list '${listId}'; use all, category:<slug>, search:<words> or related:<productId>`);
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/**
 * The shortest decimal that reads back as the same float32: a vector is float32 on both sides, so this is
 * lossless, and a candidate list's JSON is less than half the size of printing each value's float64 digits.
 */
export function shortestFloat32(x: number): number {
  const f = Math.fround(x);
  for (let p = 6; p < 9; p++) {
    const y = Number(f.toPrecision(p));
    if (Math.fround(y) === f) return y;
  }
  return Number(f.toPrecision(9));
}

/** Builds the catalogue from parsed file contents. @throws ZodError when the file is not a valid catalogue. */
export function createCatalog(file: unknown): Catalog {
  const data = CatalogFileSchema.parse(file);
  const products = data.products;
  const items = products.map(
    (p): Omit<CandidateItem, 'score'> => ({ ...p, vector: Array.from(contentVector(p), shortestFloat32) }),
  );
  // The category's words count too ("mens-shoes" → mens, shoes), and a search word matches inside them
  // ("phone" finds "smartphones"), so a shopper's everyday word finds the shop's category.
  const searchText = products.map((p) => new Set(words(`${p.title} ${p.brand ?? ''} ${p.category}`)));
  const categoryWords = products.map((p) => words(p.category));
  const matches = (w: string, i: number): boolean => {
    const have = searchText[i]!;
    if (have.has(w) || have.has(`${w}s`) || (w.endsWith('s') && have.has(w.slice(0, -1)))) return true;
    return w.length >= 4 && categoryWords[i]!.some((c) => c.includes(w.replace(/s$/, '')));
  };

  const counts = new Map<string, number>();
  for (const p of products) counts.set(p.category, (counts.get(p.category) ?? 0) + 1);
  const categories = [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([slug, count]) => ({ slug, name: slug[0]!.toUpperCase() + slug.slice(1).replaceAll('-', ' '), count }));
  const known = new Set(counts.keys());
  const ids = new Set(products.map((p) => p.id));
  const byId = new Map(products.map((p) => [p.id, p]));

  /** The shop's relevance: popularity (rating) for browsing; word matches first, then rating, for search. */
  function score(query: ListQuery, i: number): number | null {
    const p = products[i]!;
    if (query.kind === 'all') return p.rating;
    if (query.kind === 'category') return p.category === query.slug ? p.rating : null;
    if (query.kind === 'related') {
      const of = byId.get(query.id)!;
      if (p.id === of.id) return null;
      return (p.category === of.category ? 20 : 0) + (p.brand !== null && p.brand === of.brand ? 10 : 0) + p.rating;
    }
    const matched = query.words.filter((w) => matches(w, i)).length;
    return matched === 0 ? null : round4((10 * matched) / query.words.length + p.rating);
  }

  return {
    attribution: data.attribution,
    products,
    categories,
    candidates(listId, limit) {
      const query = parseListId(listId, known, ids);
      const ranked: CandidateItem[] = [];
      items.forEach((item, i) => {
        const s = score(query, i);
        if (s !== null) ranked.push({ ...item, score: s });
      });
      // Array.prototype.sort is stable, so ties keep catalogue order: the same query always gives the same list.
      ranked.sort((a, b) => b.score - a.score);
      return { listId, vectorSpace: CONTENT_VECTOR_SPACE, items: ranked.slice(0, limit) };
    },
  };
}

/** Loads `server/demo/catalog.json`. @throws when the file is missing or invalid. */
export function loadDemoCatalog(): Catalog {
  const url = new URL('./catalog.json', import.meta.url);
  return createCatalog(JSON.parse(readFileSync(url, 'utf8')));
}

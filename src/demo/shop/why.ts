// The "why" line on a card of Shelf's order: how far Shelf moved it from the shop's slot, and which of the
// visitor's recent stored events it has most in common with (same category, then same brand). This is the
// demo's reading, not the model's attribution: the model scores every product from the item vectors of the
// visitor's recent events (category, brand, price band and title words are all in those vectors), so the line
// says "like …", never "because of …". Pure: no DOM, no SDK.

export interface WhyProduct {
  readonly id: string;
  readonly title: string;
  readonly brand: string | null;
  readonly category: string;
}

export interface WhyEvent {
  readonly type: string;
  readonly itemId: string;
  readonly at: number;
}

export interface Why {
  /** Places moved up (positive) or down (negative) from the shop's order; 0 unmoved. */
  readonly moved: number;
  /** The short line for the card ('' when there is nothing honest to say). */
  readonly text: string;
  /** Ids of the recent events' products it names. */
  readonly because: readonly string[];
}

/** Engagement events, the ones the model reads as the visitor's sequence (impressions are not). */
const ENGAGED = new Set(['view_item', 'select_item', 'add_to_cart', 'purchase']);

/**
 * Explains one card.
 * @param events the visitor's stored events, newest last (from `shelf.events()`)
 * @example explain(product, 7, 1, events, products.get.bind(products)) // { moved: 6, text: '↑6 · like Red Lipstick …' }
 */
export function explain(
  product: WhyProduct,
  serverRank: number,
  shelfRank: number,
  events: readonly WhyEvent[],
  lookup: (id: string) => WhyProduct | undefined,
  recent = 20,
): Why {
  const moved = serverRank - shelfRank;
  const arrow = moved > 0 ? `↑${moved}` : moved < 0 ? `↓${-moved}` : '=';
  const seen = new Set<string>();
  const history: WhyProduct[] = [];
  for (let i = events.length - 1; i >= 0 && history.length < recent; i--) {
    const e = events[i]!;
    if (!ENGAGED.has(e.type) || seen.has(e.itemId)) continue;
    seen.add(e.itemId);
    const p = lookup(e.itemId);
    if (p) history.push(p);
  }
  if (history.length === 0) return { moved, text: moved === 0 ? '' : `${arrow} · no recent activity yet`, because: [] };
  const sameCategory = history.filter((h) => h.category === product.category && h.id !== product.id);
  const sameBrand = history.filter((h) => h.brand !== null && h.brand === product.brand && h.id !== product.id && h.category !== product.category);
  const like = sameCategory.length > 0 ? sameCategory : sameBrand;
  if (moved <= 0 || like.length === 0) return { moved, text: moved === 0 ? '' : arrow, because: [] };
  const names = like.slice(0, 2).map((h) => h.title);
  const more = like.length > 2 ? ` +${like.length - 2}` : '';
  const what = sameCategory.length > 0 ? product.category.replaceAll('-', ' ') : `brand ${product.brand}`;
  return { moved, text: `${arrow} · like your recent ${names.join(', ')}${more} (${what})`, because: like.map((h) => h.id) };
}

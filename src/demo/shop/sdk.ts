// How the storefront reaches Shelf: only `window.shelf`, the global the script-tag snippet creates (see
// index.html), and GA4 e-commerce events pushed to `window.dataLayer`, exactly as a shop integrates it.
// Nothing here imports Shelf's code; the type import is erased at build time.
import type { ShelfGlobal } from '../../sdk/index.js';
import type { Product } from './catalog.js';

declare global {
  interface Window {
    shelf: ShelfGlobal;
    dataLayer: unknown[];
  }
}

export const shelf = (): ShelfGlobal => window.shelf;

/** A GA4 item, with Shelf's optional `item_vector`. */
export function ga4Item(p: Product, listId?: string, index?: number): Record<string, unknown> {
  return {
    item_id: p.id,
    item_name: p.title,
    item_brand: p.brand ?? undefined,
    item_category: p.category,
    price: p.price,
    ...(listId ? { item_list_id: listId } : {}),
    ...(index !== undefined ? { index } : {}),
    item_vector: p.vector,
  };
}

/** Pushes a GA4 e-commerce event, as the shop's analytics tag would; Shelf reads it from the dataLayer. */
export function pushEvent(event: string, items: Record<string, unknown>[], extra: Record<string, unknown> = {}): void {
  window.dataLayer = window.dataLayer ?? [];
  window.dataLayer.push({ event, ecommerce: { currency: 'USD', items, ...extra } });
}

import { describe, expect, it } from 'vitest';
import { MAX_ITEMS_PER_EVENT, SEGMENT_ALIASES, canonicalName, gtagConsent, mapDataLayerEntry, mapEventObject, mapNamedEvent } from './event-map.js';

describe('GA4 events', () => {
  it('maps items[] with item_id, item_list_id and 0-based index; one input per item', () => {
    const m = mapNamedEvent('add_to_cart', { items: [{ item_id: 'a', item_list_id: 'home', index: 2, price: 9.5, quantity: 1 }, { item_id: 7 }] });
    expect(m.inputs).toEqual([
      { type: 'add_to_cart', itemId: 'a', listId: 'home', position: 2 },
      { type: 'add_to_cart', itemId: '7' },
    ]);
  });
  it('view_item_list becomes one impression of the list with the ids shown', () => {
    const m = mapNamedEvent('view_item_list', { item_list_id: 'cat:shoes', items: [{ item_id: 'a' }, { item_id: 'b' }] });
    expect(m.inputs).toEqual([{ type: 'view_item_list', itemId: 'cat:shoes', listId: 'cat:shoes', shownIds: ['a', 'b'] }]);
  });
  it('echoes rerank_id on select_item and keeps an item vector', () => {
    const m = mapNamedEvent('select_item', { rerank_id: 'r1', item_list_id: 'home', items: [{ item_id: 'a', item_vector: [1, 2] }] });
    expect(m.inputs[0]).toEqual({ type: 'select_item', itemId: 'a', listId: 'home', rerankId: 'r1', vector: [1, 2] });
  });
  it('begin_checkout counts as adding its items to the cart; purchase stays purchase', () => {
    expect(mapNamedEvent('begin_checkout', { items: [{ item_id: 'a' }] }).inputs[0]!.type).toBe('add_to_cart');
    expect(mapNamedEvent('purchase', { items: [{ item_id: 'a' }] }).inputs[0]!.type).toBe('purchase');
  });
});

describe('Segment aliases', () => {
  it('maps every alias onto a GA4 name', () => {
    for (const [name, ga4] of Object.entries(SEGMENT_ALIASES)) expect(canonicalName(name)).toBe(ga4);
  });
  it('reads product_id and a 1-based position from the properties', () => {
    expect(mapNamedEvent('Product Clicked', { product_id: 'p', position: 3, list_id: 'home' }).inputs).toEqual([
      { type: 'select_item', itemId: 'p', listId: 'home', position: 2 },
    ]);
    expect(mapNamedEvent('Order Completed', { products: [{ product_id: 'a' }, { sku: 'b' }] }).inputs.map((i) => i.itemId)).toEqual(['a', 'b']);
  });
});

describe('event objects and dataLayer entries', () => {
  it("accepts Shelf's own shape", () => {
    expect(mapEventObject({ type: 'view_item', itemId: 5, position: 1 }).inputs).toEqual([{ type: 'view_item', itemId: '5', position: 1 }]);
  });
  it('reads GTM object pushes and gtag arguments; ignores other entries', () => {
    expect(mapDataLayerEntry({ event: 'view_item', ecommerce: { items: [{ item_id: 'a' }] } })!.inputs[0]!.itemId).toBe('a');
    const args = (function (..._a: unknown[]) {
      // eslint-disable-next-line prefer-rest-params
      return arguments;
    })('event', 'remove_from_cart', { items: [{ item_id: 'b' }] });
    expect(mapDataLayerEntry(args)!.inputs[0]).toEqual({ type: 'remove_from_cart', itemId: 'b' });
    expect(mapDataLayerEntry({ event: 'gtm.js' })).toBeNull();
    expect(mapDataLayerEntry(['config', 'G-1'])).toBeNull();
    expect(mapDataLayerEntry({ ecommerce: null })).toBeNull();
  });
  it('ignores bad input with a note instead of throwing', () => {
    for (const bad of [null, 42, 'x', [], { type: 'bogus', itemId: 'a' }, { type: 'view_item' }, { type: 'view_item', itemId: {} }]) {
      const m = mapEventObject(bad);
      expect(m.inputs).toEqual([]);
      expect(m.notes.length).toBeGreaterThan(0);
    }
    expect(mapNamedEvent('Not An Event', {}).inputs).toEqual([]);
    expect(mapNamedEvent('view_item', { items: [{ name: 'no id' }] }).inputs).toEqual([]);
  });
  it('caps items per event and copies only primitive fields', () => {
    const items = Array.from({ length: MAX_ITEMS_PER_EVENT + 50 }, (_, i) => ({ item_id: `p${i}`, fn: () => i, vector: [Number.NaN] }));
    const m = mapNamedEvent('purchase', { items });
    expect(m.inputs).toHaveLength(MAX_ITEMS_PER_EVENT);
    expect(m.notes.join(' ')).toContain('only the first');
    expect(Object.keys(m.inputs[0]!)).toEqual(['type', 'itemId']);
    expect(() => structuredClone(m.inputs)).not.toThrow();
  });
});

describe('Google Consent Mode', () => {
  const types = ['analytics_storage', 'personalization_storage'];
  const gtag = (...a: unknown[]) => a;
  it('reads default and update commands for the configured types', () => {
    expect(gtagConsent(gtag('consent', 'default', { analytics_storage: 'denied', ad_storage: 'denied' }), types)).toBe('denied');
    expect(gtagConsent(gtag('consent', 'update', { analytics_storage: 'granted' }), types)).toBe('granted');
    expect(gtagConsent(gtag('consent', 'update', { analytics_storage: 'granted', personalization_storage: 'denied' }), types)).toBe('denied');
  });
  it('ignores other commands and types', () => {
    expect(gtagConsent(gtag('consent', 'update', { ad_storage: 'granted' }), types)).toBeNull();
    expect(gtagConsent(gtag('event', 'view_item', {}), types)).toBeNull();
    expect(gtagConsent({ event: 'consent' }, types)).toBeNull();
    expect(gtagConsent(gtag('consent', 'update', { analytics_storage: 'granted' }), [])).toBeNull();
  });
});

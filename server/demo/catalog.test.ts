import { describe, expect, it } from 'vitest';
import { loadDemoCatalog } from './catalog.js';

describe('demo catalogue lists', () => {
  const catalog = loadDemoCatalog();
  it('related:<id> puts the same category first, never the product itself', () => {
    const p = catalog.products.find((x) => x.category === 'laptops')!;
    const { items } = catalog.candidates(`related:${p.id}`, 12);
    expect(items.map((i) => i.id)).not.toContain(p.id);
    const same = catalog.products.filter((x) => x.category === p.category && x.id !== p.id).length;
    expect(items.slice(0, Math.min(same, 12)).every((i) => i.category === p.category)).toBe(true);
    expect(catalog.candidates(`related:${p.id}`, 12)).toEqual(catalog.candidates(`related:${p.id}`, 12));
  });
  it('rejects an unknown product', () => {
    expect(() => catalog.candidates('related:nope', 5)).toThrow(RangeError);
  });
});

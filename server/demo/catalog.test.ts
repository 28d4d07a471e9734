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

describe('shortestFloat32 (candidate vectors on the wire)', () => {
  it('reads back as exactly the same float32 and is never longer than float64 printing', async () => {
    const { shortestFloat32 } = await import('./catalog.js');
    const { contentVector } = await import('../../src/shared/item-vectors.js');
    const v = contentVector({ category: 'smartphones', brand: 'Apple', price: 999, title: 'iPhone 9 64GB' });
    for (const x of v) {
      const s = shortestFloat32(x);
      expect(Math.fround(s)).toBe(x);
      expect(String(s).length).toBeLessThanOrEqual(String(x).length);
    }
    expect(Float32Array.from(v, shortestFloat32)).toEqual(v);
  });
});

describe('search finds categories by everyday words', () => {
  const catalog = loadDemoCatalog();
  it('"phone" finds the smartphones, "shoe" the shoes, "watch" the watches', () => {
    const phones = catalog.candidates('search:phone', 50).items;
    expect(phones.length).toBeGreaterThan(0);
    expect(phones.filter((p) => p.category === 'smartphones').length).toBe(catalog.products.filter((p) => p.category === 'smartphones').length);
    expect(catalog.candidates('search:shoe', 50).items.some((p) => p.category.endsWith('shoes'))).toBe(true);
    expect(catalog.candidates('search:watch', 50).items.every((p) => /watch/i.test(`${p.title} ${p.category}`))).toBe(true);
  });
});

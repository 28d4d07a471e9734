import { describe, expect, it } from 'vitest';
import { productSvg } from './image.js';

describe('product pictures', () => {
  it('differ between products of one category (silhouette pose and backdrop per product)', () => {
    const products = Array.from({ length: 40 }, (_, i) => ({ id: `p${i}`, title: `Lunch Box ${i}`, category: 'kitchen-accessories' }));
    const svgs = products.map(productSvg);
    expect(new Set(svgs).size).toBe(svgs.length);
    const poses = svgs.map((s) => /<g transform="([^"]+)"/.exec(s)![1]);
    expect(new Set(poses).size).toBeGreaterThanOrEqual(38);
  });

  it('draws kitchen items and groceries differently, and escapes titles', () => {
    const glyphOf = (category: string) => productSvg({ id: 'x', title: 'X', category }).replace(/<g transform="[^"]+"[^>]*>/, '<g>');
    expect(glyphOf('kitchen-accessories')).not.toEqual(glyphOf('groceries'));
    expect(productSvg({ id: 'x', title: '<script>', category: 'tops' })).not.toContain('<script>');
  });
});

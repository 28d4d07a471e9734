import { describe, expect, it } from 'vitest';
import { explain, type WhyProduct } from './why.js';

const P = (id: string, category: string, brand: string | null = null): WhyProduct => ({ id, title: `T${id}`, brand, category });
const products = new Map([P('a', 'shoes', 'Nike'), P('b', 'shoes'), P('c', 'bags', 'Nike'), P('d', 'phones'), P('x', 'shoes')].map((p) => [p.id, p]));
const lookup = (id: string) => products.get(id);
const ev = (type: string, itemId: string, at = 0) => ({ type, itemId, at });

describe('explain', () => {
  it('names recent engaged products of the same category, newest first, for a raised card', () => {
    const w = explain(products.get('x')!, 9, 2, [ev('view_item', 'a'), ev('view_item_list', 'home'), ev('select_item', 'b')], lookup);
    expect(w.moved).toBe(7);
    expect(w.text).toBe('↑7 · like your recent Tb, Ta (shoes)');
    expect(w.because).toEqual(['b', 'a']);
  });
  it('falls back to the same brand, and says only the move when nothing is in common', () => {
    const shoeNike = P('n', 'wallets', 'Nike');
    expect(explain(shoeNike, 5, 1, [ev('view_item', 'c')], lookup).text).toBe('↑4 · like your recent Tc (brand Nike)');
    expect(explain(products.get('d')!, 5, 1, [ev('view_item', 'a')], lookup).text).toBe('↑4');
  });
  it('says nothing for an unmoved card, and only the move for a lowered one', () => {
    expect(explain(products.get('x')!, 3, 3, [ev('view_item', 'a')], lookup).text).toBe('');
    expect(explain(products.get('x')!, 1, 4, [ev('view_item', 'a')], lookup).text).toBe('↓3');
    expect(explain(products.get('x')!, 4, 1, [], lookup).text).toBe('↑3 · no recent activity yet');
  });
});

import { describe, expect, it } from 'vitest';
import { bandOf, choose, eligibleCategories, makeTaste, rng, top5Share, wantedAt, type SimProduct } from './taste.js';

const P = (id: string, category: string, price: number): SimProduct => ({ id, category, price });
const all = [P('a', 'shoes', 10), P('b', 'shoes', 20), P('c', 'shoes', 30), P('d', 'bags', 5), P('e', 'shoes', 40), P('f', 'shoes', 50)];

describe('simulated tastes', () => {
  it('keeps categories that can fill a top 5, and bands by price rank within the category', () => {
    expect(eligibleCategories(all)).toEqual(['shoes']);
    expect(all.filter((p) => p.category === 'shoes').map((p) => bandOf(p, all))).toEqual([0, 0, 1, 2, 2]);
  });
  it('is seeded, and a shift changes the wanted category half-way', () => {
    const t1 = makeTaste(rng(3), ['x', 'y', 'z'], 10, 1);
    expect(makeTaste(rng(3), ['x', 'y', 'z'], 10, 1)).toEqual(t1);
    expect(t1.shift).toMatchObject({ atView: 5 });
    expect(wantedAt(t1, 4)).toBe(t1.category);
    expect(wantedAt(t1, 5)).toBe(t1.shift!.category);
    expect(makeTaste(rng(3), ['x', 'y'], 10, 0).shift).toBeNull();
  });
  it('opens the first unseen product of the category, in band when one is shown; null when none is in view', () => {
    expect(choose(all, 'shoes', 2, new Set(), all, 6)!.id).toBe('e');
    expect(choose(all, 'shoes', 2, new Set(['e', 'f']), all, 6)!.id).toBe('a');
    expect(choose(all, 'bags', 0, new Set(), all, 3)).toBeNull();
    expect(top5Share(['a', 'd', 'b', 'c', 'e', 'f'], new Map(all.map((p) => [p.id, p])), 'shoes')).toBe(0.8);
  });
});

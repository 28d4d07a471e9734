import { expect, test } from '@playwright/test';
import type { CandidateItem } from '../src/shared/protocol.js';
import { openEngine, type Result } from './engine-helpers.js';
import { rerankFollowsVisitor } from './rerank-flow.js';

test('events go to IndexedDB, the next rerank follows them, browser = Node scores (wasm)', async ({ page, baseURL }) => {
  await rerankFollowsVisitor(page, baseURL!, {}, 'wasm');
});

test('the ranking guard: with nothing like the visitor\'s recent items among the candidates, the shop\'s order stays', async ({ page }) => {
  await openEngine(page);
  const r = await page.evaluate(async () => {
    const w = window as unknown as { shelf: { track(e: unknown): Promise<boolean>; rerank(c: unknown[], ctx: unknown): Promise<Result> }; shelfDemo: { candidates: CandidateItem[] } };
    const all = w.shelfDemo.candidates;
    // A category with at least two products among the demo's candidates: the visitor views the first of them.
    const category = all.find((c) => all.filter((d) => d.category === c.category).length >= 2)!.category;
    const [viewed, other] = all.filter((c) => c.category === category);
    for (const type of ['select_item', 'view_item']) await w.shelf.track({ type, itemId: viewed!.id, vector: viewed!.vector });
    const unrelated = all.filter((c) => c.category !== category);
    const guarded = await w.shelf.rerank(unrelated, { timeoutMs: 20_000 });
    // The same pool with one product of the viewed category last: the model moves it up.
    const related = await w.shelf.rerank([...unrelated, other!], { timeoutMs: 20_000 });
    return { guarded, related, otherId: other!.id };
  });
  expect(r.guarded.source).toBe('model');
  expect(r.guarded.items.map((i) => i.serverRank)).toEqual(r.guarded.items.map((_, i) => i));
  const scores = r.guarded.items.map((i) => i.score!);
  expect(scores.every((s, k) => k === 0 || s <= scores[k - 1]!)).toBe(true);
  expect(r.guarded.notes.join(' ')).toMatch(/no candidate resembles the visitor's recent items/);
  expect(r.related.source).toBe('model');
  expect(r.related.notes.join(' ')).not.toMatch(/no candidate resembles/);
  expect(r.related.items.findIndex((i) => i.id === r.otherId)).toBeLessThan(5);
});

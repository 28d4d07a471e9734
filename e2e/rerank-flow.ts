// The walking skeleton's core browser check, run on each backend: events land in IndexedDB, the next rerank
// moves the visitor's category up, and the browser's scores equal the Node model's on the same input.
import { expect, type Page } from '@playwright/test';
import { demoCandidates, demoState, openDemo, pickUnderrankedCategory, readStoredEvents, viewItem } from './demo-page.js';
import { nodeScores } from './node-model.js';

export async function rerankFollowsVisitor(page: Page, baseURL: string, params: Record<string, string>, backend: string): Promise<void> {
  const db = `shelf-e2e-${Math.random().toString(36).slice(2)}`;
  // No local training here, so the browser scores with exactly the published weights.
  await openDemo(page, { ...params, db, trainEvery: '100000' });
  const before = await demoState(page);
  expect(before.source).toBe('fallback');
  expect(before.reason).toBe('cold_start');
  const status = await page.evaluate(() => (window as unknown as { shelf: { status(): Promise<{ backend: string | null }> } }).shelf.status());
  expect(status.backend).toBe(backend);

  const { category, ids } = await pickUnderrankedCategory(page, 3, 5);
  const viewed = ids.slice(0, 3);
  for (const id of viewed) await viewItem(page, id);

  const stored = await readStoredEvents(page, db);
  for (const type of ['select_item', 'view_item']) {
    expect(stored.filter((e) => e.type === type).map((e) => e.itemId)).toEqual(viewed);
  }

  const after = await demoState(page);
  expect(after.source).toBe('model');
  expect(after.backend).toBe(backend);
  expect(after.items.slice(0, 5).filter((i) => i.category === category).length).toBeGreaterThanOrEqual(3);

  const candidates = await demoCandidates(page);
  const byId = new Map(candidates.map((c) => [c.id, c]));
  const sequence = stored.filter((e) => e.type !== 'view_item_list').map((e) => ({ type: e.type, vector: byId.get(e.itemId)!.vector }));
  const expected = await nodeScores(baseURL, after.modelVersion!, sequence, candidates);
  for (const item of after.items) {
    const want = expected[item.serverRank]!;
    expect(Math.abs(item.score! - want)).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(want)));
  }
}

// track()'s synchronous main-thread cost in a page that exposes `window.shelf` and a product list (the bench page's
// `bench.items` or the lab page's `shelfDemo.candidates`): per-call mean over 200 batches of 50 calls, because
// performance.now() is rounded to 0.1 ms without cross-origin isolation. Used by bench:engine and bench:browser.
import type { Page } from '@playwright/test';

type Item = { id: string; vector: number[] };

export async function trackCost(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    const w = window as unknown as { shelf: { track(e: unknown): Promise<boolean> }; bench?: { items: Item[] }; shelfDemo?: { candidates: Item[] } };
    const c = w.bench?.items ?? w.shelfDemo?.candidates;
    if (!c?.length) throw new Error('the page exposes no product list (bench.items or shelfDemo.candidates)');
    const perCall: number[] = [];
    for (let b = 0; b < 200; b++) {
      const pending: Promise<boolean>[] = [];
      const t0 = performance.now();
      for (let i = 0; i < 50; i++) pending.push(w.shelf.track({ type: 'view_item', itemId: c[(b + i) % c.length]!.id, vector: c[(b + i) % c.length]!.vector }));
      perCall.push((performance.now() - t0) / 50);
      await Promise.all(pending);
    }
    return perCall;
  });
}

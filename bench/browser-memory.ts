// bench:browser's memory measures: the JS heap of the page and of the engine worker (through the DevTools
// protocol: a worker has no performance.memory) and the engine's live tensors, before and after 10,000 events.
// Reads only; never changes what it measures beyond the events it sends.
import type { CDPSession, Page, Worker } from '@playwright/test';

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
type EngineStatus = { numTensors?: number; events: number };
type BenchWindow = { shelf: { track(e: unknown): Promise<boolean>; rerank(c: unknown[]): Promise<unknown>; status(): Promise<{ engine: EngineStatus | null }> }; bench: { items: { id: string; vector: number[] }[]; list(n: number): { id: string; vector: number[] }[] } };

/** The engine worker (started from a blob: URL by the SDK): the one exposing the rerank timings. */
export async function engineWorker(page: Page): Promise<Worker | null> {
  for (const w of page.workers()) {
    if (await w.evaluate(() => typeof (globalThis as unknown as { shelfRerankTimings?: unknown }).shelfRerankTimings === 'object').catch(() => false)) return w;
  }
  return null;
}

/** Memory after 10,000 events: the engine's live tensors and the JS heap of the page and of the engine worker. */
/**
 * A dedicated worker's used JS heap after a garbage collection, through the DevTools protocol: workers have no
 * performance.memory, so the page's CDP session attaches to the worker's target (unflattened: Playwright's
 * CDPSession cannot address a child session) and asks it. Null when no worker target has that URL.
 */
export async function workerHeapUsed(cdp: CDPSession, url: string): Promise<number | null> {
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] };
  const target = targetInfos.find((t) => t.type === 'worker' && t.url === url);
  if (!target) return null;
  const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false })) as { sessionId: string };
  let next = 0;
  const call = (method: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = ++next;
      const onMessage = (e: { sessionId: string; message: string }) => {
        const m = JSON.parse(e.message) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
        if (e.sessionId !== sessionId || m.id !== id) return;
        cdp.off('Target.receivedMessageFromTarget', onMessage);
        if (m.error) reject(new Error(`${method}: ${m.error.message}`));
        else resolve(m.result ?? {});
      };
      cdp.on('Target.receivedMessageFromTarget', onMessage);
      void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method }) });
    });
  try {
    await call('HeapProfiler.collectGarbage');
    return Number((await call('Runtime.getHeapUsage'))['usedSize']);
  } finally {
    await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
  }
}

/** The page's and the engine worker's used JS heap (MB) after a garbage collection in each. */
export function heapReader(page: Page, cdp: CDPSession): () => Promise<{ pageMb: number; workerMb: number | null }> {
  return async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const pageHeap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    const worker = await engineWorker(page);
    const workerUsed = worker ? await workerHeapUsed(cdp, worker.url()) : null;
    return { pageMb: round(pageHeap.usedSize / 2 ** 20, 2), workerMb: workerUsed === null ? null : round(workerUsed / 2 ** 20, 2) };
  };
}

export async function memoryAfterEvents(page: Page, cdpHeap: () => Promise<{ pageMb: number; workerMb: number | null }>) {
  const before = (await page.evaluate(() => (window as unknown as BenchWindow).shelf.status())).engine!;
  const heapBefore = await cdpHeap();
  await page.evaluate(async () => {
    const { shelf, bench } = window as unknown as BenchWindow;
    const list = bench.list(200);
    for (let b = 0; b < 100; b++) {
      const pending: Promise<boolean>[] = [];
      for (let i = 0; i < 100; i++) {
        const item = bench.items[(b * 100 + i) % bench.items.length]!;
        pending.push(shelf.track({ type: i % 3 ? 'view_item' : 'select_item', itemId: item.id, vector: item.vector }));
      }
      await Promise.all(pending);
      await shelf.rerank(list);
    }
  });
  const after = (await page.evaluate(() => (window as unknown as BenchWindow).shelf.status())).engine!;
  const heapAfter = await cdpHeap();
  return { events: 10_000, storedEvents: after.events, numTensorsBefore: before.numTensors ?? null, numTensorsAfter: after.numTensors ?? null, heapBefore, heapAfter };
}


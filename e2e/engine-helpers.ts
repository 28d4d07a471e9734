// Helpers for the engine's browser tests: open the demo with a fresh database and debug hooks, call the
// public API from the page, and reach the engine worker's test hooks (installed only when debug is on).
import { expect, type Page, type Worker } from '@playwright/test';
import { openDemo } from './demo-page.js';

export type Status = {
  ready: boolean;
  backend: string | null;
  backendReason?: string;
  skippedBackends: { backend: string; reason: string }[];
  storage: string;
  storageReason: string | null;
  events: number;
  numTensors?: number;
  trainedSteps?: number;
  training?: string;
  modelError?: string | null;
  droppedForQuota?: number;
  lastError: string | null;
};
export type Result = { source: string; reason: string | null; backend: string | null; notes: string[]; items: { id: string; score: number | null; serverRank: number }[] };

export function freshDb(): string {
  return `shelf-e2e-${Math.random().toString(36).slice(2)}`;
}

/** Opens the demo with a fresh database (unless given), debug hooks on, and no training unless asked. */
export async function openEngine(page: Page, params: Record<string, string> = {}): Promise<string> {
  const db = params['db'] ?? freshDb();
  await openDemo(page, { trainEvery: '100000', debug: '1', ...params, db });
  return db;
}

export async function status(page: Page): Promise<Status> {
  return page.evaluate(() => (window as unknown as { shelf: { status(): Promise<Status> } }).shelf.status());
}

/** Reranks the demo's candidates from the page. */
export async function rerank(page: Page, context: Record<string, unknown> = {}): Promise<Result> {
  return page.evaluate(
    (ctx) => {
      const w = window as unknown as { shelf: { rerank(c: unknown[], ctx: unknown): Promise<Result> }; shelfDemo: { candidates: unknown[] } };
      return w.shelf.rerank(w.shelfDemo.candidates, { timeoutMs: 20_000, ...ctx });
    },
    context,
  );
}

/** Tracks `type` on the demo's candidate at `index` (with its vector). */
export async function track(page: Page, index: number, type = 'view_item'): Promise<boolean> {
  return page.evaluate(
    ({ index, type }) => {
      const w = window as unknown as { shelf: { track(e: unknown): Promise<boolean> }; shelfDemo: { candidates: { id: string; vector: number[] }[] } };
      const c = w.shelfDemo.candidates[index]!;
      return w.shelf.track({ type, itemId: c.id, vector: c.vector });
    },
    { index, type },
  );
}

export function engineWorkers(page: Page): Worker[] {
  return page.workers().filter((w) => /engine[.-]worker|shelf-engine/.test(w.url()));
}

/** The engine worker (there must be exactly one alive). */
export async function engineWorker(page: Page): Promise<Worker> {
  await expect.poll(() => engineWorkers(page).length).toBe(1);
  return engineWorkers(page)[0]!;
}

type Hooks = { slowScores(ms: number): void; loseDevice(): boolean; dropKernel(name: string): boolean; crash(): void; train(steps: number, batchSize: number, inline: boolean): Promise<unknown> };
export async function hook<K extends keyof Hooks>(page: Page, name: K, ...args: Parameters<Hooks[K]>): Promise<unknown> {
  const worker = await engineWorker(page);
  return worker.evaluate(
    ({ name, args }) => {
      const hooks = (globalThis as unknown as { shelfEngineTest: Record<string, (...a: unknown[]) => unknown> }).shelfEngineTest;
      return hooks[name]!(...args);
    },
    { name, args: args as unknown[] },
  );
}

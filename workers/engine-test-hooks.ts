// What the engine exposes to browser tests and benchmarks through the worker's global: where the last model rerank
// spent its time (always), and fault injection and a training benchmark (only when `debug` is on). Must never
// change what the engine does unless a test calls a hook.
import type { ShelfModel } from '../src/shared/model/model.js';
import { dropKernelForTest, loseDeviceForTest } from './backends.js';
import type { LocalLearning } from './local-learning.js';
import type { LoadedModel } from './model-loader.js';
import type { VisitorState } from './visitor-state.js';

export interface RerankTimings {
  prepareMs: number;
  scoreMs: number;
  orderMs: number;
  candidates: number;
}

/** Where the worker's time went in the last model rerank (read by `npm run bench:browser` through the worker's global). */
let lastRerankTimings: RerankTimings = { prepareMs: 0, scoreMs: 0, orderMs: 0, candidates: 0 };
Object.defineProperty(globalThis, 'shelfRerankTimings', { get: () => lastRerankTimings, configurable: true });

export function recordRerankTimings(t: RerankTimings): void {
  lastRerankTimings = t;
}

/** Fault injection for browser tests. */
export interface TestFaults {
  slowScoreMs: number;
}

/** Installs `shelfEngineTest` on the worker's global (debug only). */
export function installTestHooks(e: { faults: TestFaults; model(): ShelfModel | null; loaded(): LoadedModel | null; learning: LocalLearning; visitor: VisitorState }): void {
  Object.assign(globalThis, {
    shelfEngineTest: {
      slowScores: (ms: number) => void (e.faults.slowScoreMs = ms),
      // The hooks also drop the cached visitor state, so the next rerank really computes on the broken backend.
      loseDevice: () => (e.model()?.forgetState(), loseDeviceForTest()),
      dropKernel: (name: string) => (e.model()?.forgetState(), dropKernelForTest(name)),
      crash: () => setTimeout(() => {
        throw new Error('simulated engine crash');
      }, 0),
      /** Benchmark: `steps` optimiser steps on a batch of `batchSize` copies of the visitor's sequence, in the
       * training worker or (inline) in this thread; the engine's model is left as it was. */
      train: (steps: number, batchSize: number, inline: boolean) => e.learning.bench(e.model(), e.loaded(), e.visitor, steps, batchSize, inline),
    },
  });
}

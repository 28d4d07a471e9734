// Where the engine worker lives when Shelf is bundled by vite (the demo, npm users with vite): the worker is
// built as its own chunk and this is its URL. The SDK build swaps this module for src/sdk/worker-url.ts.
import url from '../workers/engine.worker.ts?worker&url';

/** Absolute URL of the bundled engine worker. */
export function bundledWorkerUrl(): string {
  return new URL(url, import.meta.url).href;
}

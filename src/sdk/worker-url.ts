// Where the engine worker lives in the published SDK: `shelf-engine.worker.js`, next to `shelf-client.js`
// (so a CDN serves them together). Replaces src/worker-url.ts in the SDK build.
import { SDK_FILES } from './methods.js';

/** Absolute URL of the published engine worker, beside this client file. */
export function bundledWorkerUrl(): string {
  return new URL(SDK_FILES.worker, import.meta.url).href;
}

// The published SDK entry (`shelf-client.js`, ESM with .d.ts): the API for bundlers, and — when the page has
// the snippet's stub queue — the script-tag install. Importing it without a stub has no side effect.
// tfjs, idb and the model are not imported here: they live only in the worker's chunk.
import { ShelfClient } from './client.js';
import { installGlobal } from './install.js';
import { GLOBAL_NAME } from './methods.js';

export { ShelfClient } from './client.js';
export type { ClientEnvironment, RerankElementsOptions, SdkMode, SdkStatus } from './client.js';
export type { ShelfGlobal } from './install.js';
export { QUEUED_METHODS, SDK_FILES } from './methods.js';
export type { QueuedMethod } from './methods.js';
export { GA4_EVENTS, SEGMENT_ALIASES } from './event-map.js';
export type { Ga4EventName } from './event-map.js';
export type { ConsentSource } from './consent.js';
export * from '../index.js';
export type { ConsentState, SdkOptions } from '../options.js';

/** Origin root of this file: where Shelf's server lives unless `serverUrl` says otherwise. */
function ownServer(): string | undefined {
  try {
    const here = import.meta.url;
    return new URL('/', here).href;
  } catch {
    return undefined;
  }
}

/**
 * A new Shelf client for bundler users (the script tag creates one for you as `window.shelf`).
 * @example
 *   import { createShelf } from 'shelf';
 *   const shelf = createShelf();
 *   await shelf.init({ serverUrl: 'https://shelf.example.com/', consentDefault: 'denied' });
 */
export function createShelf(): ShelfClient {
  return new ShelfClient({});
}

try {
  const w = typeof window === 'undefined' ? undefined : (window as unknown as Record<string, unknown>);
  if (w && Array.isArray(w[GLOBAL_NAME])) {
    const server = ownServer();
    installGlobal(window, new ShelfClient(server ? { defaultServerUrl: server } : {}));
  }
} catch {
  // Never into the page.
}

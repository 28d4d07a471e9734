// Starts the engine worker from a URL. A worker script on another origin (Shelf's files on a CDN) cannot be
// started directly, so a same-origin `blob:` module that imports it is started instead; the page's CSP must
// then allow `worker-src blob:` and Shelf's origin in `script-src` (the `securitypolicyviolation` event says
// when it does not). Must never throw
// for a CSP refusal: the caller's worker host sees an `error` event and falls back to the shop's order.

import { blobSource } from './shared/worker-blob.js';

export { blobSource };

/** True when `url` is on the page's own origin (or there is no page location to compare with). */
export function isSameOrigin(url: string): boolean {
  try {
    return typeof location === 'undefined' || new URL(url, location.href).origin === location.origin;
  } catch {
    return false;
  }
}

/**
 * A module Worker running `url`: directly when same-origin, through a `blob:` module that imports it otherwise.
 * @example const w = startModuleWorker('https://cdn.example/sdk/shelf-engine.worker.js', 'shelf-engine')
 */
export function startModuleWorker(url: string, name: string): Worker {
  if (isSameOrigin(url)) return new Worker(url, { type: 'module', name });
  const abs = new URL(url, location.href).href;
  const blobUrl = URL.createObjectURL(new Blob([blobSource(abs)], { type: 'text/javascript' }));
  try {
    return new Worker(blobUrl, { type: 'module', name });
  } finally {
    // The worker fetches its script asynchronously; revoke once that has surely happened.
    setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
  }
}

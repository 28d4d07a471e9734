// The script-tag loader (built as a tiny IIFE, `shelf-loader.js`): adds the client module
// (`shelf-client.js`, next to this file) to the page with its Subresource Integrity, the nonce of this script
// and crossorigin=anonymous. Must never throw into the page, never load twice, and never import tfjs or idb:
// those live only in the worker's chunk.
import { GLOBAL_NAME, SDK_FILES, type QueuedCall } from './methods.js';

declare const __SHELF_CLIENT_SRI__: string;

type Stub = QueuedCall[] & { loaderStarted?: boolean; initialized?: boolean; failed?: boolean };

(() => {
  try {
    const w = window as unknown as Record<string, unknown>;
    const q = (w[GLOBAL_NAME] ??= []) as Stub;
    if (!Array.isArray(q) || q.loaderStarted || q.initialized) return;
    q.loaderStarted = true;
    const me = document.currentScript as HTMLScriptElement | null;
    const s = document.createElement('script');
    s.type = 'module';
    s.src = new URL(SDK_FILES.client, me?.src || location.href).href;
    s.crossOrigin = 'anonymous';
    if (__SHELF_CLIENT_SRI__) s.integrity = __SHELF_CLIENT_SRI__;
    if (me?.nonce) s.nonce = me.nonce;
    s.onerror = () => {
      // The client could not load (network, CSP, integrity): settle queued calls so nobody waits forever.
      q.failed = true;
      for (const call of q) call?.[2]?.(undefined);
    };
    (document.head || document.documentElement).appendChild(s);
  } catch {
    // The shop's page must never see an error from Shelf.
  }
})();

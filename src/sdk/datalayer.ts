// The GA4 dataLayer bridge: replays what the page already pushed, then wraps `dataLayer.push` so every later
// entry (e-commerce events as GTM object pushes or gtag's `arguments`, Consent Mode commands) reaches Shelf
// too. The shop's own push runs first and its return value is kept; Shelf's part never throws into it.

const WRAPPED = Symbol.for('shelf.dataLayer');

/**
 * Starts listening to `window[name]`: `onEntry` sees every entry, those already there first. Returns a function
 * that stops listening (restoring the previous push).
 * @example const stop = bridgeDataLayer(window, 'dataLayer', (entry) => console.log(entry))
 */
export function bridgeDataLayer(win: Window, name: string, onEntry: (entry: unknown) => void): () => void {
  const w = win as unknown as Record<string, unknown>;
  const existing = w[name];
  const layer = (Array.isArray(existing) ? existing : (w[name] = [])) as unknown[] & { [WRAPPED]?: boolean };
  if (layer[WRAPPED]) return () => {};
  const handle = (entry: unknown) => {
    try {
      onEntry(entry);
    } catch {
      // A malformed entry is the page's business, not an error in it.
    }
  };
  for (const entry of layer.slice()) handle(entry);
  const previous = layer.push;
  const push = function (this: unknown[], ...entries: unknown[]): number {
    const n = previous.apply(this, entries);
    for (const entry of entries) handle(entry);
    return n;
  };
  layer.push = push;
  layer[WRAPPED] = true;
  return () => {
    if (layer.push === push) layer.push = previous;
    delete layer[WRAPPED];
  };
}

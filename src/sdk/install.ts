// Turns the snippet's stub queue into the live `window.shelf`, in place (functions the page captured from the
// stub keep working), and replays the queued calls in this documented order:
//   1. every `debug(…)` call, so the replay itself is logged;
//   2. the first `init(…)` (later ones are ignored; with none, `init()` with defaults);
//   3. all other calls, in the order the page made them (so a `track` made before `consent('granted')` under
//      an opt-in default is not recorded, exactly as if Shelf had been loaded).
// Each queued call's Promise settles with the real call's result. Must never throw into the page.
import { GLOBAL_NAME, QUEUED_METHODS, isQueuedMethod, type QueuedCall, type QueuedMethod } from './methods.js';
import type { ShelfClient } from './client.js';

/** The live global: every queued method, plus the markers the snippet and loader check. */
export type ShelfGlobal = { [M in QueuedMethod]: ShelfClient[M] } & { initialized: true; push(call: QueuedCall): number };

function dispatch(client: ShelfClient, call: unknown): void {
  if (!Array.isArray(call)) return;
  const [method, args, resolve] = call as QueuedCall;
  const settle = typeof resolve === 'function' ? resolve : () => {};
  if (!isQueuedMethod(method)) {
    settle(undefined);
    return;
  }
  let result: Promise<unknown>;
  try {
    const fn = client[method] as (...a: unknown[]) => Promise<unknown>;
    result = Promise.resolve(fn.apply(client, Array.isArray(args) ? args : []));
  } catch {
    result = Promise.resolve(undefined);
  }
  result.then(settle, () => settle(undefined));
}

/** Replays the stub's queue on `client` and makes `window.shelf` the client. Safe to call twice. */
export function installGlobal(win: Window, client: ShelfClient): ShelfGlobal | null {
  const w = win as unknown as Record<string, unknown>;
  const existing = w[GLOBAL_NAME] as (QueuedCall[] & Record<string, unknown>) | undefined;
  if (existing && !Array.isArray(existing)) return (existing['initialized'] ? existing : null) as ShelfGlobal | null;
  const target = (existing ?? []) as QueuedCall[] & Record<string, unknown>;
  if (target['initialized']) return target as unknown as ShelfGlobal;
  const queued = target.splice(0, target.length);
  for (const m of QUEUED_METHODS) {
    target[m] = (...args: unknown[]) => {
      try {
        return (client[m] as (...a: unknown[]) => Promise<unknown>).apply(client, args).catch(() => undefined);
      } catch {
        return Promise.resolve(undefined);
      }
    };
  }
  // The stub's functions push onto this array: from now on a push is a call.
  target['push'] = (call: QueuedCall) => (dispatch(client, call), 0);
  target['initialized'] = true;
  w[GLOBAL_NAME] = target;

  const debugs = queued.filter((c) => c?.[0] === 'debug');
  const inits = queued.filter((c) => c?.[0] === 'init');
  const rest = queued.filter((c) => c?.[0] !== 'debug' && c?.[0] !== 'init');
  for (const c of debugs) dispatch(client, c);
  if (inits.length) for (const c of inits) dispatch(client, c);
  else dispatch(client, ['init', []]);
  for (const c of rest) dispatch(client, c);
  return target as unknown as ShelfGlobal;
}

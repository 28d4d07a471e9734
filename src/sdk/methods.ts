// The one list of methods the inline snippet queues before Shelf has loaded. The snippet text, the loader's
// replay and the typed global are all generated from it. Must stay plain data (no DOM): build scripts and
// unit tests import it in Node.

/** Methods a page may call on `window.shelf` before the SDK has loaded; each returns a Promise. */
export const QUEUED_METHODS = [
  'init',
  'debug',
  'consent',
  'track',
  'rerank',
  'rerankElements',
  'status',
  'flush',
  'forget',
  'ready',
  'events',
] as const;
export type QueuedMethod = (typeof QUEUED_METHODS)[number];

/** The page global the snippet creates. */
export const GLOBAL_NAME = 'shelf';

/** Pinned file names of the published SDK (`dist/sdk/`). */
export const SDK_FILES = Object.freeze({
  loader: 'shelf-loader.js',
  client: 'shelf-client.js',
  worker: 'shelf-engine.worker.js',
  trainer: 'shelf-trainer.worker.js',
});

/** One queued call, as the snippet's stub pushes it: method, arguments, and the resolver of its Promise. */
export type QueuedCall = [method: string, args: unknown[], resolve?: (value: unknown) => void];

export function isQueuedMethod(value: unknown): value is QueuedMethod {
  return typeof value === 'string' && (QUEUED_METHODS as readonly string[]).includes(value);
}

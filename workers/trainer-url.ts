// Where the training worker's script is when vite bundles the engine (the lab page, npm users with vite): its
// own worker chunk. The SDK build swaps this module for workers/sdk-trainer-url.ts, where the training worker
// is an entry of the same build as the engine and shares its tfjs chunks.
import url from './trainer.worker.ts?worker&url';

/** Absolute URL of the training worker's script. */
export function trainerWorkerUrl(): string {
  return new URL(url, import.meta.url).href;
}

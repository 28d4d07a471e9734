// Where the training worker is in the published SDK: `shelf-trainer.worker.js`, beside the engine worker and
// every shared chunk (they all sit in one folder), so it imports the tfjs chunks the engine already fetched.
// Replaces workers/trainer-url.ts in the SDK build; must never name a second copy of tfjs.

/** The training worker's pinned file name: SDK_FILES.trainer in src/sdk/methods.ts (the build names it so). */
export const TRAINER_FILE = 'shelf-trainer.worker.js';

/** Absolute URL of the published training worker, beside this chunk. */
export function trainerWorkerUrl(): string {
  return new URL(TRAINER_FILE, import.meta.url).href;
}

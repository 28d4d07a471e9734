// Where local training runs. Preferably a second worker spawned by this (engine) worker: the optimiser steps
// then run in parallel with re-ranking, and the page needs to know nothing about it. When nested workers are
// unavailable, or the training worker keeps dying, training runs in this thread between calls and status says
// so ('inline'). Must never hold the engine's model: it gets weights in, gives weights back. The in-thread
// trainer (and tfjs's gradients with it) is imported only when training falls back inline, so the engine's
// first download carries no training code.
import * as tf from '@tensorflow/tfjs-core';
import { wrap, type Remote } from 'comlink';
import type { BackendName } from '../src/shared/engine-api.js';
import { ShelfError } from '../src/shared/errors.js';
import { blobSource } from '../src/shared/worker-blob.js';
import type { TrainerApi, TrainJob, TrainOutcome } from './trainer-api.js';
import type { createTrainerCore } from './trainer-core.js';
import { trainerWorkerUrl } from './trainer-url.js';

export interface Training {
  readonly where: 'worker' | 'inline';
  train(job: TrainJob): Promise<TrainOutcome>;
  dispose(): void;
}

const MAX_RESPAWNS = 2;

/** Starts training off-thread when possible. `spawn` is injectable for tests. */
export function startTraining(spawn: (() => Worker) | null = defaultSpawn()): Training {
  let worker: Worker | null = null;
  let remote: Remote<TrainerApi> | null = null;
  let deaths = 0;
  let failPending: ((err: Error) => void)[] = [];
  let inlineCore: Promise<ReturnType<typeof createTrainerCore>> | null = null;
  const inline = () => (inlineCore ??= import('./trainer-core-browser.js').then((m) => m.createTrainerCore(async () => tf.getBackend() as BackendName)));
  const state = { where: (spawn ? 'worker' : 'inline') as 'worker' | 'inline' };

  const ensure = (): Remote<TrainerApi> | null => {
    if (state.where === 'inline' || !spawn) return null;
    if (remote) return remote;
    try {
      worker = spawn();
    } catch {
      state.where = 'inline';
      return null;
    }
    worker.addEventListener('error', (e) => {
      e.preventDefault();
      worker?.terminate();
      worker = null;
      remote = null;
      if (++deaths > MAX_RESPAWNS) state.where = 'inline';
      const err = new ShelfError('internal', `training worker stopped: ${e.message || 'error'}`);
      for (const f of failPending) f(err);
      failPending = [];
    });
    remote = wrap<TrainerApi>(worker);
    return remote;
  };

  return {
    get where() {
      return state.where;
    },
    async train(job) {
      const r = ensure();
      if (!r) return (await inline()).train(job);
      return new Promise<TrainOutcome>((resolve, reject) => {
        failPending.push(reject);
        r.train(job).then(resolve, reject).finally(() => {
          failPending = failPending.filter((f) => f !== reject);
        });
      });
    },
    dispose() {
      worker?.terminate();
      void inlineCore?.then((core) => core.dispose());
    },
  };
}

function defaultSpawn(): (() => Worker) | null {
  if (typeof Worker === 'undefined') return null;
  const url = trainerWorkerUrl();
  return () => spawnModuleWorker(url, 'shelf-trainer');
}

/**
 * The training worker, started directly when its file is on this worker's origin, and through a same-origin
 * `blob:` module otherwise: when the SDK is served from a CDN the engine itself runs from a blob module on the
 * shop's origin, and a worker script on the CDN's origin cannot be started from there directly.
 */
function spawnModuleWorker(url: string, name: string): Worker {
  if (new URL(url).origin === self.location.origin) return new Worker(url, { type: 'module', name });
  const blobUrl = URL.createObjectURL(new Blob([blobSource(url)], { type: 'text/javascript' }));
  try {
    return new Worker(blobUrl, { type: 'module', name });
  } finally {
    setTimeout(() => URL.revokeObjectURL(blobUrl), 60_000);
  }
}

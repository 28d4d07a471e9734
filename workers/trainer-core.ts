// Runs training jobs on a model it keeps between jobs (so Adam's moments, when a job asks for Adam, carry over). Shared by the
// training worker and the in-thread fallback; knows nothing about threads, storage or the network. The browser loads
// it through trainer-core-browser.ts, which registers tfjs's gradients first.
import { ShelfModel } from '../src/shared/model/model.js';
import type { BackendName } from '../src/shared/engine-api.js';
import type { TrainJob, TrainOutcome } from './trainer-api.js';

export function createTrainerCore(backend: () => Promise<BackendName>): { train(job: TrainJob): Promise<TrainOutcome>; dispose(): void } {
  let current: { key: string; model: ShelfModel } | null = null;
  return {
    async train(job) {
      const name = await backend();
      if (!current || current.key !== job.key) {
        current?.model.dispose();
        current = { key: job.key, model: ShelfModel.fromFlat(job.config, job.specs, job.weights) };
      }
      const t0 = performance.now();
      let loss: number | null = null;
      for (let i = 0; i < job.steps; i++) {
        loss = job.optimizer === 'sgd' ? await current.model.sgdStep(job.batch, job.learningRate) : await current.model.trainStep(job.batch, job.learningRate);
      }
      const ms = performance.now() - t0;
      return { weights: await current.model.toFlat(), loss, steps: job.steps, ms, backend: name };
    },
    dispose() {
      current?.model.dispose();
      current = null;
    },
  };
}

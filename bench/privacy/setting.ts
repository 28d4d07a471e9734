// What one setting of the privacy benchmark consists of (a public model, a public catalogue, simulated visitors),
// and each visitor's real update: the worker's own local training job (workers/local-recipe.ts, one plain SGD
// step through workers/trainer-core.ts) from the public base weights. Never lets the attack see a visitor's events.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../../src/shared/engine-api.js';
import { buildTrainingBatch, type TrainingEvent } from '../../src/shared/model/examples.js';
import { localTrainJob } from '../../workers/local-recipe.js';
import { createTrainerCore } from '../../workers/trainer-core.js';
import type { Catalogue, ModelLayout } from './attack.js';

export interface Visitor {
  /** Catalogue indices of the distinct items in the visitor's training window (what the attack should name). */
  readonly truth: Int32Array;
  /** The events the device trains on (item vectors, types, target weights). */
  readonly events: readonly TrainingEvent[];
  /** Negatives of the batch (items shown and passed over, or sampled items). */
  readonly negatives: readonly Float32Array[];
}

export interface Setting {
  readonly model: 'demo' | 'benchmark';
  readonly layout: ModelLayout;
  readonly base: Float32Array;
  readonly catalogue: Catalogue;
  readonly visitors: readonly Visitor[];
  /** Places read for the recall figure. */
  readonly recallBudget: number;
  /** How the setting was built (model, data, item vectors, visitors), for the results file. */
  readonly about: Readonly<Record<string, string | number>>;
}

/**
 * When the device trains before it uploads. `once`: one training call on the whole sequence (the upload is one SGD
 * step). `every-5`: the engine's default schedule (trainEvery 5): a call after every 5 positive events, each on the
 * sequence so far and continuing from the last, then the upload carries all those steps.
 */
export type Schedule = 'once' | 'every-5';

/** Lengths of the sequence prefixes each training call sees. */
function cuts(events: readonly TrainingEvent[], schedule: Schedule): number[] {
  if (schedule === 'once') return [events.length];
  const out: number[] = [];
  let positives = 0;
  events.forEach((e, i) => {
    if (e.targetWeight > 0 && ++positives % 5 === 0) out.push(i + 1);
  });
  if (out.at(-1) !== events.length) out.push(events.length);
  return out.filter((n) => n >= 2);
}

/** Each visitor's update, local − base, after the worker's local training job(s) (unclipped, float32). */
export async function visitorUpdates(s: Setting, schedule: Schedule = 'once', log: (line: string) => void = () => {}): Promise<Float32Array[]> {
  const trainer = createTrainerCore(async () => tf.getBackend() as BackendName);
  const out: Float32Array[] = [];
  try {
    for (const [i, v] of s.visitors.entries()) {
      let weights = s.base;
      // One key per visitor: the trainer keeps that visitor's model between calls, as the training worker does.
      for (const n of cuts(v.events, schedule)) {
        const batch = buildTrainingBatch([v.events.slice(0, n)], v.negatives, s.layout.config);
        weights = (await trainer.train(localTrainJob(`privacy-bench#${s.model}#${schedule}#${i}`, s.layout.config, s.layout.specs, s.base, batch))).weights;
      }
      out.push(weights.map((w, k) => w - s.base[k]!));
      if ((i + 1) % 100 === 0) log(`${s.model}: ${i + 1}/${s.visitors.length} updates`);
    }
  } finally {
    trainer.dispose();
  }
  return out;
}

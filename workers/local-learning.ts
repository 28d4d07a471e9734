// The device's own copy of learning: the upload's local weights on top of the global version, the visitor's personal
// weights (the ranking's; never uploaded), how many steps produced them, and the training worker that computes new
// ones. Builds the batch from the visitor state (impressions as negatives), runs the recipe (local-recipe.ts) in the
// trainer, and keeps the result; the engine decides when to train and upload.
// Never touches the network; never blocks the engine's thread on an optimiser step (unless inline fallback).
import { ShelfError } from '../src/shared/errors.js';
import { buildTrainingBatch, countExamples } from '../src/shared/model/examples.js';
import type { ShelfModel } from '../src/shared/model/model.js';
import type { EventStore, LocalModelState } from './event-store.js';
import { negativeVectors, trainingEvents } from './local-trainer.js';
import type { LoadedModel } from './model-loader.js';
import { LOCAL_TRAINING, localTrainJob, runLocalRecipe, visitorBatch } from './local-recipe.js';
import { startTraining, type Training } from './training.js';

export { LOCAL_TRAINING, localTrainJob };
import type { VisitorState } from './visitor-state.js';

export class LocalLearning {
  /** The upload's local weights (base + one-step displacements), or null while they equal the loaded version's. */
  weights: Float32Array | null = null;
  /** The visitor's personal weights (what the served model holds), or null while they equal `weights`. */
  personal: Float32Array | null = null;
  steps = 0;
  private epoch = 0;
  private training: Training | null = null;

  get where(): 'worker' | 'inline' | 'off' {
    return this.training?.where ?? 'off';
  }

  /** A new base version: local progress starts over. */
  reset(): void {
    this.weights = null;
    this.personal = null;
    this.steps = 0;
    this.epoch++;
  }

  /** The weights the visitor's ranking uses, or null while they equal the loaded version's. */
  get served(): Float32Array | null {
    return this.personal ?? this.weights;
  }

  /**
   * One training call of the recipe (RECIPE: the upload's SGD step, then the personal fine-tune) in the training
   * worker, each job started only once `idle()` resolves (no rerank lately), so steps and bursts of re-ranking rarely
   * share the CPU. The model takes the personal weights unless the engine moved to another model meanwhile
   * (`current()` no longer returns it).
   */
  async train(
    model: ShelfModel,
    loaded: LoadedModel,
    visitor: VisitorState,
    current: () => ShelfModel | null,
    idle: () => Promise<void> = async () => {},
  ): Promise<number> {
    const batch = visitorBatch(visitor, model.config);
    if (!batch) return 0;
    this.training ??= startTraining();
    const epoch = this.epoch;
    const key = `${loaded.manifest.name}@${loaded.manifest.version}#${epoch}`;
    const keys = { upload: key, personal: `${key}/personal#${this.steps}` };
    const { weights, personal, steps } = await runLocalRecipe(this.training, keys, model.config, loaded.manifest.weights, loaded.weights, this.weights ?? loaded.weights, batch, idle);
    if (current() !== model || epoch !== this.epoch) return 0;
    model.assign(personal);
    this.weights = weights;
    this.personal = personal === weights ? null : personal;
    this.steps += steps;
    return steps;
  }

  /** Continues from weights saved on an earlier page load when they start from this version. */
  async restore(store: EventStore | null, modelName: string, model: ShelfModel, loaded: LoadedModel): Promise<LocalModelState | null> {
    const saved = await store?.getModelState(modelName).catch(() => undefined);
    if (!saved || saved.baseVersion !== loaded.manifest.version || saved.weights.length !== loaded.weights.length) return null;
    const personal = saved.personal && saved.personal.length === saved.weights.length ? saved.personal : null;
    model.assign(personal ?? saved.weights);
    this.weights = saved.weights;
    this.personal = personal;
    this.steps = saved.trainedSteps;
    this.epoch++;
    return saved;
  }

  async save(store: EventStore | null, modelName: string, loaded: LoadedModel, extra: { sentDelta: Float32Array | null; pendingExamples: number }): Promise<void> {
    if (!this.weights) return;
    await store?.putModelState({
      model: modelName,
      baseVersion: loaded.manifest.version,
      weights: this.weights,
      personal: this.personal,
      sentDelta: extra.sentDelta,
      pendingExamples: extra.pendingExamples,
      trainedSteps: this.steps,
      savedAt: Date.now(),
    });
  }

  /** Benchmark: `steps` steps on `batchSize` copies of the visitor's sequence; the served model is untouched. */
  async bench(model: ShelfModel | null, loaded: LoadedModel | null, visitor: VisitorState, steps: number, batchSize: number, inline: boolean) {
    if (!model || !loaded) throw new ShelfError('model_unavailable', 'no model is loaded');
    const events = trainingEvents(visitor.history, visitor.vectors);
    const negatives = negativeVectors(visitor.shown, visitor.engaged, visitor.vectors);
    const training = inline ? startTraining(null) : (this.training ??= startTraining());
    const batch = buildTrainingBatch(Array.from({ length: batchSize }, () => events), negatives, model.config);
    const out = await training.train(localTrainJob(`bench#${Math.random()}`, model.config, loaded.manifest.weights, loaded.weights.slice(), batch, steps));
    if (inline) training.dispose();
    return { ms: out.ms, steps: out.steps, backend: out.backend };
  }
}

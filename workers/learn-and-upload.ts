// The engine's learning job: counts the visitor's positives, runs local steps in the training worker when enough
// have arrived (each step waits for a pause in re-ranking), uploads the pending delta once enough examples have
// accumulated, and keeps the local state (weights, already-sent delta) across page loads. Must never upload
// anything but the clipped delta the uploader builds, and never run two of these jobs at once (the engine
// serializes them).
import type { EngineConfig, FlushResult } from '../src/shared/engine-api.js';
import { ShelfError } from '../src/shared/errors.js';
import type { ShelfModel } from '../src/shared/model/model.js';
import type { EventStore } from './event-store.js';
import { LocalLearning } from './local-learning.js';
import { pendingDelta } from './local-trainer.js';
import type { LoadedModel } from './model-loader.js';
import { uploadUpdate } from './uploader.js';
import type { VisitorState } from './visitor-state.js';

/** Training steps wait for this long without a rerank… */
const IDLE_MS = 50;
/** …but never longer than this. */
const IDLE_WAIT_MAX_MS = 2_000;

/** What the learning job reads from the engine. */
export interface LearningHost {
  readonly visitor: VisitorState;
  config(): EngineConfig;
  /** The model being served and the version it was loaded from, or nulls. */
  model(): ShelfModel | null;
  loaded(): LoadedModel | null;
  store(): EventStore | null;
  /** When the last rerank arrived (Date.now()). */
  lastRerankAt(): number;
  /** Loads the server's current version (after a publish or a 409). */
  switchToLatest(): Promise<void>;
  note(err: unknown): void;
  setLastError(message: string | null): void;
}

export class LearningJob {
  readonly learning = new LocalLearning();
  positivesSinceTraining = 0;
  pendingExamples = 0;
  uploads = 0;
  private sentDelta: Float32Array | null = null;

  constructor(private readonly host: LearningHost) {}

  /** A new base version: local progress and the already-sent delta start over. */
  reset(): void {
    this.sentDelta = null;
    this.learning.reset();
  }

  async learnAndUpload(force: boolean): Promise<FlushResult> {
    const host = this.host;
    const config = host.config();
    const model = host.model();
    const loaded = host.loaded();
    if (!model || !loaded) throw new ShelfError('model_unavailable', 'no model is loaded');
    const result = await this.trainOffThread(model, loaded);
    this.positivesSinceTraining = 0;
    const none = { trainedSteps: result.steps, examples: this.pendingExamples, uploaded: false, status: null, published: null };
    if (result.steps === 0) return { ...none, reason: 'nothing to learn from yet' };
    if (!force && this.pendingExamples < config.uploadMinExamples) return { ...none, reason: 'waiting for more examples' };
    // The upload's weights, not the served model's: the personal fine-tune it ranks with is never uploaded.
    const delta = pendingDelta(this.learning.weights ?? loaded.weights, loaded.weights, this.sentDelta);
    const examples = Math.max(1, Math.min(10_000, this.pendingExamples));
    const outcome = await uploadUpdate(config.serverUrl, config.model, loaded.manifest.version, examples, delta);
    const base = { trainedSteps: result.steps, examples, uploaded: outcome.accepted, status: outcome.status, published: outcome.published };
    if (outcome.accepted) {
      this.uploads++;
      this.pendingExamples = 0;
      this.sentDelta = this.sentDelta ? this.sentDelta.map((x, i) => x + delta[i]!) : delta;
      await this.save();
      if (outcome.published !== null) await host.switchToLatest();
      return { ...base, reason: null };
    }
    if (outcome.status === 409) {
      // Our base is no longer current: drop the update and move to the new version.
      this.pendingExamples = 0;
      await host.switchToLatest();
    }
    host.setLastError(outcome.message);
    return { ...base, reason: outcome.message };
  }

  /** A few optimiser steps in the training worker; the engine's model takes the resulting weights. */
  private async trainOffThread(model: ShelfModel, loaded: LoadedModel): Promise<{ steps: number }> {
    const steps = await this.learning.train(
      model,
      loaded,
      this.host.visitor,
      () => (this.host.loaded() === loaded ? this.host.model() : null),
      () => this.untilIdle(),
    );
    if (steps > 0) await this.save();
    return { steps };
  }

  /** Resolves once no rerank has arrived for IDLE_MS (or after IDLE_WAIT_MAX_MS, so training is never starved). */
  private async untilIdle(): Promise<void> {
    const start = Date.now();
    while (Date.now() - this.host.lastRerankAt() < IDLE_MS && Date.now() - start < IDLE_WAIT_MAX_MS) {
      await new Promise((r) => setTimeout(r, IDLE_MS));
    }
  }

  /** Continues from the local weights saved on an earlier page load, when they start from this version. */
  async restore(): Promise<void> {
    const model = this.host.model();
    const loaded = this.host.loaded();
    if (!model || !loaded) return;
    const saved = await this.learning.restore(this.host.store(), this.host.config().model, model, loaded);
    if (!saved) return;
    this.sentDelta = saved.sentDelta;
    this.pendingExamples = Math.max(this.pendingExamples, saved.pendingExamples);
  }

  async save(): Promise<void> {
    const loaded = this.host.loaded();
    if (!loaded) return;
    await this.learning
      .save(this.host.store(), this.host.config().model, loaded, { sentDelta: this.sentDelta, pendingExamples: this.pendingExamples })
      .catch((err: unknown) => this.host.note(err));
  }
}

// The on-device engine: owns the backend, the model, the event store and local learning, and answers the
// page through EngineApi. rerank() always resolves — with the model's order, or the server's order and a
// reason. Events are applied to in-memory state before any await, so the next rerank sees them.
import type {
  EngineApi,
  EngineConfig,
  EngineStatus,
  FallbackReason,
  FlushResult,
  RankedItem,
  RerankRequest,
  RerankResult,
  StoredEvent,
  TrackInput,
  BackendName,
} from '../src/shared/engine-api.js';
import { isEventType, sequenceTypeIndex, POSITIVE_WEIGHT } from '../src/shared/events.js';
import { ShelfError, toShelfError } from '../src/shared/errors.js';
import type { ShelfModel } from '../src/shared/model/model.js';
import { buildSequence } from '../src/shared/model/sequence.js';
import { backendsAfter, chooseBackend } from './backends.js';
import { openEventStore, type EventStore, type NewEvent } from './event-store.js';
import { negativeVectors, pendingDelta, trainLocally, trainingEvents, type HistoryEvent } from './local-trainer.js';
import { buildModel, fetchLatestManifest, loadVersion, type LoadedModel } from './model-loader.js';
import { mergeScores, prepareCandidates, serverOrder, toVector } from './ranking.js';
import { uploadUpdate } from './uploader.js';

const HISTORY_KEEP = 200;

export class Engine implements EngineApi {
  private config: EngineConfig | null = null;
  private store: EventStore | null = null;
  private backend: BackendName | null = null;
  private skipped: EngineStatus['skippedBackends'] = [];
  private model: ShelfModel | null = null;
  private loaded: LoadedModel | null = null;
  private history: (HistoryEvent & { at: number })[] = [];
  private readonly vectors = new Map<string, Float32Array>();
  private readonly shown = new Set<string>();
  private positivesSinceTraining = 0;
  private pendingExamples = 0;
  private sentDelta: Float32Array | null = null;
  private uploads = 0;
  private lastError: string | null = null;
  private writeQueue: { event: NewEvent; done: (ok: boolean) => void }[] = [];
  private writeScheduled = false;
  private busy: Promise<unknown> = Promise.resolve();
  private checkTimer: ReturnType<typeof setInterval> | null = null;
  private initPromise: Promise<EngineStatus> | null = null;

  init(config: EngineConfig): Promise<EngineStatus> {
    this.initPromise ??= this.doInit(config);
    return this.initPromise;
  }

  private async doInit(config: EngineConfig): Promise<EngineStatus> {
    this.config = config;
    this.store = await openEventStore(config.dbName, (why) => this.onStoreClosed(why));
    await this.restoreHistory();
    try {
      const choice = await chooseBackend(config.backends, config.allowSoftwareGpu);
      this.backend = choice.backend;
      this.skipped = choice.skipped;
      await this.switchToLatest(config);
    } catch (err) {
      this.note(err);
    }
    if (config.modelCheckIntervalMs > 0) {
      this.checkTimer = setInterval(() => void this.checkForUpdate().catch((e: unknown) => this.note(e)), config.modelCheckIntervalMs);
    }
    return this.status();
  }

  async track(input: TrackInput): Promise<boolean> {
    const store = this.store;
    if (!input || typeof input !== 'object' || !isEventType(input.type) || typeof input.itemId !== 'string' || !input.itemId) {
      this.debug('ignored event', input);
      return false;
    }
    const at = Date.now();
    // In-memory state first, synchronously: the next message (a rerank) must see this event.
    if (input.vector && this.model) {
      const v = toVector(input.vector, this.model.config.itemDim);
      if (v) this.vectors.set(input.itemId, v);
    }
    if (input.type === 'view_item_list') for (const id of input.shownIds ?? []) if (typeof id === 'string') this.shown.add(id);
    if (sequenceTypeIndex(input.type) >= 0) {
      this.history.push({ type: input.type, itemId: input.itemId, at });
      if (this.history.length > HISTORY_KEEP) this.history.splice(0, this.history.length - HISTORY_KEEP);
      if (POSITIVE_WEIGHT[input.type] > 0) {
        this.positivesSinceTraining++;
        this.pendingExamples++;
      }
    }
    if (this.config && this.positivesSinceTraining >= this.config.trainEvery) this.scheduleLearning();
    const event: NewEvent = {
      type: input.type,
      itemId: input.itemId,
      at,
      ...(typeof input.listId === 'string' ? { listId: input.listId } : {}),
      ...(Number.isInteger(input.position) ? { position: input.position! } : {}),
      ...(typeof input.rerankId === 'string' ? { rerankId: input.rerankId } : {}),
    };
    if (!store) return true;
    return new Promise<boolean>((done) => {
      this.writeQueue.push({ event, done });
      if (!this.writeScheduled) {
        this.writeScheduled = true;
        setTimeout(() => void this.flushWrites(), 0);
      }
    });
  }

  async rerank(request: RerankRequest): Promise<RerankResult> {
    const rerankId = crypto.randomUUID();
    const base = { rerankId, modelVersion: this.loaded?.manifest.version ?? null, backend: this.backend };
    const fallback = (items: RankedItem[], reason: FallbackReason, notes: string[] = []): RerankResult => ({
      ...base,
      items: limitItems(items, request?.limit),
      source: 'fallback',
      reason,
      notes,
    });
    if (!request || !Array.isArray(request.candidates)) return fallback([], 'invalid_candidates', ['candidates must be an array']);
    const model = this.model;
    const prepared = prepareCandidates(request.candidates, model?.config.itemDim ?? 0);
    if (prepared.ids.length === 0) return fallback([], request.candidates.length ? 'invalid_candidates' : 'empty', prepared.notes);
    if (!model || !this.loaded) return fallback(serverOrder(prepared.ids), this.config ? 'no_model' : 'not_initialized', prepared.notes);
    this.rememberVectors(prepared.ids, prepared.vectors);
    const sequence = buildSequence(trainingEvents(this.history, this.vectors), model.config);
    if (sequence.length === 0) return fallback(serverOrder(prepared.ids), 'cold_start', prepared.notes);
    const withVectors = prepared.vectors.flatMap((v, i) => (v ? [{ v, i }] : []));
    if (withVectors.length === 0) return fallback(serverOrder(prepared.ids), 'no_vectors', prepared.notes);
    const d = model.config.itemDim;
    const vectors = new Float32Array(withVectors.length * d);
    withVectors.forEach(({ v }, k) => vectors.set(v, k * d));
    try {
      const scores = await model.score({ sequence, vectors, serverRanks: Float32Array.from(withVectors, ({ i }) => i) });
      return { ...base, items: limitItems(mergeScores(prepared, scores), request.limit), source: 'model', reason: null, notes: prepared.notes };
    } catch (err) {
      this.note(err);
      void this.moveToNextBackend();
      return fallback(serverOrder(prepared.ids), 'model_error', [...prepared.notes, toShelfError(err).message]);
    }
  }

  async status(): Promise<EngineStatus> {
    return {
      ready: this.model !== null,
      backend: this.backend,
      skippedBackends: this.skipped,
      model: this.config?.model ?? '',
      modelVersion: this.loaded?.manifest.version ?? null,
      storage: this.store?.kind ?? 'memory',
      storageReason: this.store?.reason ?? null,
      events: (await this.store?.countEvents().catch(() => 0)) ?? 0,
      pendingExamples: this.pendingExamples,
      uploads: this.uploads,
      lastError: this.lastError,
    };
  }

  async events(limit = 100): Promise<readonly StoredEvent[]> {
    await this.flushWrites();
    return (await this.store?.recentEvents(Math.max(1, Math.min(10_000, limit)))) ?? [];
  }

  /** Trains on pending events and uploads now. */
  flush(): Promise<FlushResult> {
    return this.serial(() => this.learnAndUpload(true));
  }

  async checkForUpdate(): Promise<EngineStatus> {
    const config = this.requireConfig();
    const manifest = await fetchLatestManifest(config.serverUrl, config.model);
    if (manifest.version !== this.loaded?.manifest.version) {
      await this.serial(async () => this.switchTo(await loadVersion(config.serverUrl, manifest)));
    }
    return this.status();
  }

  private async learnAndUpload(force: boolean): Promise<FlushResult> {
    const config = this.requireConfig();
    const model = this.model;
    const loaded = this.loaded;
    if (!model || !loaded) throw new ShelfError('model_unavailable', 'no model is loaded');
    const engaged = new Set(this.history.map((e) => e.itemId));
    const result = await trainLocally(model, trainingEvents(this.history, this.vectors), negativeVectors(this.shown, engaged, this.vectors));
    this.positivesSinceTraining = 0;
    const none = { trainedSteps: result.steps, examples: this.pendingExamples, uploaded: false, status: null, published: null };
    if (result.steps === 0) return { ...none, reason: 'nothing to learn from yet' };
    if (!force && this.pendingExamples < config.uploadMinExamples) return { ...none, reason: 'waiting for more examples' };
    const delta = pendingDelta(await model.toFlat(), loaded.weights, this.sentDelta);
    const examples = Math.max(1, Math.min(10_000, this.pendingExamples));
    const outcome = await uploadUpdate(config.serverUrl, config.model, loaded.manifest.version, examples, delta);
    const base = { trainedSteps: result.steps, examples, uploaded: outcome.accepted, status: outcome.status, published: outcome.published };
    if (outcome.accepted) {
      this.uploads++;
      this.pendingExamples = 0;
      this.sentDelta = this.sentDelta ? this.sentDelta.map((x, i) => x + delta[i]!) : delta;
      if (outcome.published !== null) await this.switchToLatest(config);
      return { ...base, reason: null };
    }
    if (outcome.status === 409) {
      // Our base is no longer current: drop the update and move to the new version.
      this.pendingExamples = 0;
      await this.switchToLatest(config);
    }
    this.lastError = outcome.message;
    return { ...base, reason: outcome.message };
  }

  private scheduleLearning(): void {
    this.positivesSinceTraining = 0;
    setTimeout(() => {
      void this.serial(() => this.learnAndUpload(false)).catch((err: unknown) => this.note(err));
    }, 0);
  }

  private async switchToLatest(config: EngineConfig): Promise<void> {
    await this.switchTo(await loadVersion(config.serverUrl, await fetchLatestManifest(config.serverUrl, config.model)));
  }

  private async switchTo(loaded: LoadedModel): Promise<void> {
    const model = buildModel(loaded);
    const old = this.model;
    this.model = model;
    this.loaded = loaded;
    this.sentDelta = null;
    old?.dispose();
    await this.store?.setMeta('model', { name: loaded.manifest.name, version: loaded.manifest.version }).catch(() => {});
  }

  private async moveToNextBackend(): Promise<void> {
    const config = this.config;
    if (!config || !this.backend || !this.loaded) return;
    try {
      const choice = await chooseBackend(backendsAfter(config.backends, this.backend), config.allowSoftwareGpu);
      this.skipped = [...this.skipped, { backend: this.backend, reason: 'failed while running' }, ...choice.skipped];
      this.backend = choice.backend;
      await this.switchTo(this.loaded);
    } catch (err) {
      this.note(err);
    }
  }

  private rememberVectors(ids: readonly string[], vectors: readonly (Float32Array | null)[]): void {
    const fresh: [string, Float32Array][] = [];
    ids.forEach((id, i) => {
      const v = vectors[i];
      if (v && !this.vectors.has(id)) fresh.push([id, v]);
      if (v) this.vectors.set(id, v);
    });
    if (fresh.length) void this.store?.putVectors(fresh).catch((err: unknown) => this.note(err));
  }

  private async restoreHistory(): Promise<void> {
    if (!this.store) return;
    try {
      const recent = await this.store.recentEvents(HISTORY_KEEP);
      this.history = recent.filter((e) => sequenceTypeIndex(e.type) >= 0).map(({ type, itemId, at }) => ({ type, itemId, at }));
      const found = await this.store.getVectors([...new Set(this.history.map((e) => e.itemId))]);
      for (const [id, v] of found) this.vectors.set(id, v);
    } catch (err) {
      this.note(err);
    }
  }

  private async flushWrites(): Promise<void> {
    this.writeScheduled = false;
    const batch = this.writeQueue;
    this.writeQueue = [];
    if (!batch.length || !this.store) return;
    try {
      await this.store.addEvents(batch.map((b) => b.event));
      for (const b of batch) b.done(true);
    } catch (err) {
      this.note(err);
      for (const b of batch) b.done(false);
    }
  }

  private onStoreClosed(why: string): void {
    this.lastError = `event store closed: ${why}`;
  }

  /** Runs model-mutating work one at a time (training, uploads, version switches). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.busy.then(work, work);
    this.busy = run.catch(() => undefined);
    return run;
  }

  private requireConfig(): EngineConfig {
    if (!this.config) throw new ShelfError('not_initialized', 'init() has not been called');
    return this.config;
  }

  private note(err: unknown): void {
    this.lastError = toShelfError(err).message;
    this.debug('error', this.lastError);
  }

  private debug(...args: unknown[]): void {
    if (this.config?.debug) console.debug('[shelf engine]', ...args);
  }
}

function limitItems(items: RankedItem[], limit: unknown): RankedItem[] {
  return typeof limit === 'number' && Number.isInteger(limit) && limit >= 0 ? items.slice(0, limit) : items;
}

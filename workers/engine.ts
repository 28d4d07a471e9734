// The on-device engine: owns the backend and the model, composes one object per job (recording:
// event-recorder.ts; learning and upload: learn-and-upload.ts; item vectors: item-vectors.ts), and answers the
// page through EngineApi. rerank() always resolves — with the model's order, or the server's order and a
// reason. Events are applied to in-memory state before any await, so the next rerank sees them. Training runs
// in a second worker (training.ts) and only its resulting weights come back here, so it never delays a rerank.
import type {
  EngineApi,
  EngineConfig,
  EngineStatus,
  FallbackReason,
  FlushResult,
  RerankRequest,
  RerankResult,
  StoredEvent,
  TrackInput,
  BackendName,
} from '../src/shared/engine-api.js';
import { isEventType } from '../src/shared/events.js';
import { decodeRerankRequest, encodeRerankResult, type PackedRerankRequest, type PackedRerankResult } from '../src/shared/rerank-wire.js';
import { transfer } from 'comlink';
import { ShelfError, toShelfError } from '../src/shared/errors.js';
import type { ShelfModel } from '../src/shared/model/model.js';
import { buildSequence } from '../src/shared/model/sequence.js';
import { candidateFacts, type CandidateFacts } from './adjustments.js';
import { backendsAfter, chooseBackend, liveTensors, watchDeviceLoss } from './backends.js';
import { DEFAULT_RETENTION, type NewEvent } from './event-store.js';
import { EventRecorder } from './event-recorder.js';
import { LearningJob } from './learn-and-upload.js';
import { trainingEvents } from './local-trainer.js';
import { buildModel, fetchLatestManifest, loadVersion, type LoadedModel } from './model-loader.js';
import { orderByScores, prepareCandidates, preparePacked, rankedItems, serverRanking, toVector, type PreparedCandidates, type Ranking } from './ranking.js';
import { finishRanking, noModelReason, packedFacts } from './rank-steps.js';
import { rankingGuard } from './resemblance-guard.js';
import { configureUploader, uploadsStopped } from './uploader.js';
import { installTestHooks, recordRerankTimings, type TestFaults } from './engine-test-hooks.js';
import { ItemVectors } from './item-vectors.js';
import { VisitorState } from './visitor-state.js';

export class Engine implements EngineApi {
  private config: EngineConfig | null = null;
  private backend: BackendName | null = null;
  private backendReason = '';
  private skipped: EngineStatus['skippedBackends'] = [];
  private model: ShelfModel | null = null;
  private loaded: LoadedModel | null = null;
  private modelError: ShelfError | null = null;
  private readonly visitor = new VisitorState();
  private readonly recorder = new EventRecorder(
    this.visitor,
    (err) => this.note(err),
    (message) => void (this.lastError = message),
  );
  private readonly job = new LearningJob({
    visitor: this.visitor,
    config: () => this.requireConfig(),
    model: () => this.model,
    loaded: () => this.loaded,
    store: () => this.recorder.store,
    lastRerankAt: () => this.lastRerankAt,
    switchToLatest: () => this.switchToLatest(this.requireConfig()),
    note: (err) => this.note(err),
    setLastError: (message) => void (this.lastError = message),
  });
  /** Item vectors of the model's space: the page's, the cache's, and those fetched from Shelf's server. */
  private readonly vectors = new ItemVectors({
    visitor: this.visitor,
    serverUrl: () => this.requireConfig().serverUrl,
    store: () => this.recorder.store,
    changed: () => this.scheduleStateRefresh(),
    note: (err) => this.note(err),
  });
  private lastError: string | null = null;
  private lastRerankAt = 0;
  private stateRefreshScheduled = false;
  private busy: Promise<unknown> = Promise.resolve();
  private moving: Promise<void> | null = null;
  private checkTimer: ReturnType<typeof setInterval> | null = null;
  private initPromise: Promise<EngineStatus> | null = null;
  private readonly faults: TestFaults = { slowScoreMs: 0 };

  init(config: EngineConfig): Promise<EngineStatus> {
    this.initPromise ??= this.doInit(config);
    return this.initPromise;
  }

  private async doInit(config: EngineConfig): Promise<EngineStatus> {
    this.config = config;
    configureUploader({ minIntervalMs: config.uploadMinIntervalMs ?? 0, siteKey: config.siteKey ?? null, helperKeyPins: config.helperKeySha256 ?? null });
    const retention = {
      ...DEFAULT_RETENTION,
      ...(config.maxEvents !== undefined ? { maxEvents: config.maxEvents } : {}),
      ...(config.retentionDays !== undefined ? { maxAgeMs: config.retentionDays * 86_400_000 } : {}),
    };
    if (config.debug) installTestHooks({ faults: this.faults, model: () => this.model, loaded: () => this.loaded, learning: this.job.learning, visitor: this.visitor });
    const store = await this.recorder.open(config.dbName, retention);
    configureUploader({ queue: store });
    try {
      const choice = await chooseBackend(config.backends, config.allowSoftwareGpu);
      this.skipped = choice.skipped;
      this.useBackend(choice);
      await this.switchToLatest(config);
      await this.job.restore();
    } catch (err) {
      this.modelError = toShelfError(err);
      this.note(err);
    }
    if (config.modelCheckIntervalMs > 0) {
      this.checkTimer = setInterval(() => void this.checkForUpdate().catch((e: unknown) => this.note(e)), config.modelCheckIntervalMs);
    }
    return this.status();
  }

  async track(input: TrackInput): Promise<boolean> {
    if (!input || typeof input !== 'object' || !isEventType(input.type) || typeof input.itemId !== 'string' || !input.itemId) {
      this.debug('ignored event', input);
      return false;
    }
    const at = Date.now();
    const shownIds = input.type === 'view_item_list' && Array.isArray(input.shownIds) ? input.shownIds.filter((id) => typeof id === 'string') : undefined;
    // In-memory state first, synchronously: the next message (a rerank) must see this event.
    if (this.model) this.vectors.tracked(input.itemId, input.vector ? toVector(input.vector, this.model.config.itemDim) : null, shownIds);
    if (this.visitor.apply({ type: input.type, itemId: input.itemId, at, ...(shownIds ? { shownIds } : {}) }) > 0) {
      this.job.positivesSinceTraining++;
      this.job.pendingExamples++;
    }
    if (this.config && this.job.positivesSinceTraining >= this.config.trainEvery) this.scheduleLearning();
    this.scheduleStateRefresh();
    const event: NewEvent = {
      type: input.type,
      itemId: input.itemId,
      at,
      ...(typeof input.listId === 'string' ? { listId: input.listId } : {}),
      ...(Number.isInteger(input.position) ? { position: input.position! } : {}),
      ...(typeof input.rerankId === 'string' ? { rerankId: input.rerankId } : {}),
      ...(shownIds ? { shownIds } : {}),
    };
    return this.recorder.record(event);
  }

  async rerank(request: RerankRequest): Promise<RerankResult> {
    const t0 = performance.now();
    const rerankId = crypto.randomUUID();
    if (!request || !Array.isArray(request.candidates)) {
      this.lastRerankAt = Date.now();
      return { ...this.resultMeta(rerankId), items: [], notes: ['candidates must be an array'], source: 'fallback', reason: 'invalid_candidates' };
    }
    const prepared = prepareCandidates(request.candidates, this.model?.config.itemDim ?? 0, request.packed);
    const r = await this.rank(prepared, request, request.candidates.length, () => candidateFacts(request.candidates), t0);
    return { ...this.resultMeta(rerankId), items: rankedItems(prepared.ids, r.ranking), notes: r.notes, source: r.source, reason: r.reason };
  }

  /** rerank() with the page's binary request and a binary reply (rerank-wire.ts): no object per candidate crosses. */
  async rerankPacked(request: PackedRerankRequest): Promise<PackedRerankResult> {
    const t0 = performance.now();
    const rerankId = crypto.randomUUID();
    const decoded = decodeRerankRequest(request);
    if (!decoded) {
      this.lastRerankAt = Date.now();
      const none = encodeRerankResult({ ...this.resultMeta(rerankId), notes: ['the candidates could not be read'], source: 'fallback', reason: 'invalid_candidates' }, [], [], null);
      return transfer(none.result, none.transfer);
    }
    const prepared = preparePacked(decoded, this.model?.config.itemDim ?? 0);
    const r = await this.rank(prepared, decoded, decoded.keys.length, () => packedFacts(decoded), t0);
    const out = encodeRerankResult({ ...this.resultMeta(rerankId), notes: r.notes, source: r.source, reason: r.reason }, r.ranking.idx, prepared.source, r.ranking.scoreOf);
    return transfer(out.result, out.transfer);
  }

  private resultMeta(rerankId: string) {
    return { rerankId, modelVersion: this.loaded?.manifest.version ?? null, backend: this.backend };
  }

  /**
   * The order of a prepared request: the model's, or the server's with a reason; adjustments and the limit applied.
   * Shared by rerank() and rerankPacked(), so both answer alike.
   */
  private async rank(
    given: PreparedCandidates,
    request: { readonly adjust?: RerankRequest['adjust']; readonly limit?: number },
    rawCount: number,
    facts: () => CandidateFacts,
    t0: number,
  ): Promise<{ ranking: Ranking; notes: string[]; source: 'model' | 'fallback'; reason: FallbackReason | null }> {
    this.lastRerankAt = Date.now();
    let prepared = given;
    const finish = (ranking: Ranking, notes: string[]) => finishRanking(prepared, ranking, notes, request, facts, this.visitor);
    const fallback = (reason: FallbackReason, notes: string[]) => ({ ...finish(serverRanking(prepared.ids.length), notes), source: 'fallback' as const, reason });
    const model = this.model;
    if (prepared.ids.length === 0) return fallback(rawCount ? 'invalid_candidates' : 'empty', prepared.notes);
    if (!model || !this.loaded) {
      const why = this.modelError ? [this.modelError.message] : [];
      return fallback(noModelReason(this.config !== null, this.modelError), [...prepared.notes, ...why]);
    }
    // Candidates and history items without a vector: from the cache or the server, waiting a little for them.
    prepared = await this.vectors.complete(prepared, model.config.itemDim);
    if (this.model !== model) return fallback('no_vectors', [...prepared.notes, 'the model moved to another version while its vectors were fetched']);
    const sequence = buildSequence(trainingEvents(this.visitor.history, this.visitor.vectors), model.config);
    if (sequence.length === 0) return fallback('cold_start', prepared.notes);
    if (prepared.ranks.length === 0) return fallback('no_vectors', prepared.notes);
    const input = { sequence, vectors: prepared.matrix, serverRanks: prepared.ranks };
    const notes = [...prepared.notes];
    // The ranking guard: when no candidate resembles the visitor's recent items, the model's part weighs less (down to
    // nothing: the shop's order), so it cannot lift unrelated items on a guess.
    const guard = rankingGuard(sequence, model.config.itemDim, prepared.matrix, this.loaded.manifest.vectorSpace);
    if (guard.note) notes.push(guard.note);
    const t1 = performance.now();
    // A failing backend (missing kernel, lost WebGPU device) moves the engine to the next one; this call is
    // then served there rather than lost.
    // While the engine moves to another backend (a lost device), wait for it rather than use the old model.
    if (this.moving) await this.moving;
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = this.model;
      if (!current) break;
      try {
        if (this.faults.slowScoreMs > 0) await new Promise((r) => setTimeout(r, this.faults.slowScoreMs));
        // The visitor's state is computed once per event (and weights); candidates are scored by dot products.
        const scores = await current.scoreFast(input, guard.weight);
        const t2 = performance.now();
        const result = { ...finish(orderByScores(prepared, scores), notes), source: 'model' as const, reason: null };
        recordRerankTimings({ prepareMs: t1 - t0, scoreMs: t2 - t1, orderMs: performance.now() - t2, candidates: prepared.ids.length });
        return result;
      } catch (err) {
        this.note(err);
        notes.push(`${this.backend} failed: ${toShelfError(err).message}`);
        if (!(await this.moveToNextBackend(`failed while scoring: ${toShelfError(err).message}`))) break;
      }
    }
    return fallback('model_error', notes);
  }

  async status(): Promise<EngineStatus> {
    const store = this.recorder.store;
    return {
      ready: this.model !== null,
      backend: this.backend,
      skippedBackends: this.skipped,
      model: this.config?.model ?? '',
      modelVersion: this.loaded?.manifest.version ?? null,
      storage: store?.kind ?? 'memory',
      storageReason: store?.reason ?? null,
      events: (await store?.countEvents().catch(() => 0)) ?? 0,
      pendingExamples: this.job.pendingExamples,
      uploads: this.job.uploads,
      lastError: this.lastError,
      backendReason: this.backendReason,
      numTensors: this.backend ? liveTensors() : 0,
      trainedSteps: this.job.learning.steps,
      training: this.job.learning.where,
      modelError: this.modelError?.message ?? null,
      droppedForQuota: this.recorder.droppedForQuota,
      uploadsStopped: uploadsStopped(),
    };
  }

  async events(limit = 100): Promise<readonly StoredEvent[]> {
    await this.recorder.flushWrites();
    return (await this.recorder.store?.recentEvents(Math.max(1, Math.min(10_000, limit)))) ?? [];
  }

  /** Trains on pending events and uploads now. */
  flush(): Promise<FlushResult> {
    return this.serial(() => this.job.learnAndUpload(true));
  }

  /** See EngineApi.pageHidden: the same path as after a burst of events, not forced, errors kept for status(). */
  async pageHidden(): Promise<FlushResult | null> {
    if (!this.config || !this.model || this.job.pendingExamples === 0) return null;
    try {
      return await this.serial(() => this.job.learnAndUpload(false));
    } catch (err) {
      this.note(err);
      return null;
    }
  }

  async checkForUpdate(): Promise<EngineStatus> {
    const config = this.requireConfig();
    const manifest = await fetchLatestManifest(config.serverUrl, config.model);
    if (manifest.version !== this.loaded?.manifest.version) {
      await this.serial(async () => this.switchTo(await loadVersion(config.serverUrl, manifest)));
    }
    return this.status();
  }

  /**
   * Computes the visitor's new state soon after an event (once per burst of events), off the rerank path, so the
   * next rerank finds it ready. Errors are left to the rerank, which moves backends if it must.
   */
  private scheduleStateRefresh(): void {
    if (this.stateRefreshScheduled || !this.model) return;
    this.stateRefreshScheduled = true;
    setTimeout(() => {
      this.stateRefreshScheduled = false;
      const model = this.model;
      if (!model) return;
      const sequence = buildSequence(trainingEvents(this.visitor.history, this.visitor.vectors), model.config);
      if (sequence.length > 0) model.state(sequence).catch(() => {});
    }, 0);
  }

  private scheduleLearning(): void {
    this.job.positivesSinceTraining = 0;
    setTimeout(() => {
      void this.serial(() => this.job.learnAndUpload(false)).catch((err: unknown) => this.note(err));
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
    this.modelError = null;
    this.job.reset();
    this.vectors.use(loaded.manifest.vectorSpace, loaded.manifest.config.itemDim);
    disposeQuietly(old);
    await model.warmUp().catch((err: unknown) => this.note(err));
    await this.recorder.store?.setMeta('model', { name: loaded.manifest.name, version: loaded.manifest.version }).catch(() => {});
  }

  private useBackend(choice: { backend: BackendName; reason: string }): void {
    this.backend = choice.backend;
    this.backendReason = choice.reason;
    watchDeviceLoss((why) => {
      this.note(new Error(why));
      void this.moveToNextBackend(why);
    });
  }

  /** Rebuilds the model (with its local weights) on the next backend in the order. Resolves false when none is left. */
  private moveToNextBackend(why: string): Promise<boolean> {
    this.moving ??= (async () => {
      const config = this.config;
      const from = this.backend;
      if (!config || !from || !this.loaded) return;
      try {
        const choice = await chooseBackend(backendsAfter(config.backends, from), config.allowSoftwareGpu);
        this.skipped = [...this.skipped, { backend: from, reason: why }, ...choice.skipped];
        this.useBackend(choice);
        const old = this.model;
        this.model = buildModel({ ...this.loaded, weights: this.job.learning.served ?? this.loaded.weights });
        disposeQuietly(old);
      } catch (err) {
        this.model = null;
        this.backend = null;
        this.modelError = toShelfError(err);
        this.note(err);
      }
    })().finally(() => {
      this.moving = null;
    });
    const from = this.backend;
    return this.moving.then(() => this.model !== null && this.backend !== from);
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

function disposeQuietly(model: ShelfModel | null): void {
  try {
    model?.dispose();
  } catch {
    // Its backend may be gone (lost device): nothing left to free.
  }
}

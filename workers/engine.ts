// The on-device engine: owns the backend, the model, the event store and local learning, and answers the
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
import { decodeRerankRequest, encodeRerankResult, type DecodedRerankRequest, type PackedRerankRequest, type PackedRerankResult } from '../src/shared/rerank-wire.js';
import { transfer } from 'comlink';
import { ShelfError, toShelfError } from '../src/shared/errors.js';
import type { ShelfModel } from '../src/shared/model/model.js';
import { buildSequence } from '../src/shared/model/sequence.js';
import { applyAdjustments, candidateFacts, type CandidateFacts } from './adjustments.js';
import { backendsAfter, chooseBackend, dropKernelForTest, liveTensors, loseDeviceForTest, watchDeviceLoss } from './backends.js';
import { appendEvents, DEFAULT_RETENTION, MemoryEventStore, openEventStore, type EventStore, type NewEvent, type Retention } from './event-store.js';
import { LocalLearning } from './local-learning.js';
import { pendingDelta, trainingEvents } from './local-trainer.js';
import { buildModel, fetchLatestManifest, loadVersion, type LoadedModel } from './model-loader.js';
import { orderByScores, prepareCandidates, preparePacked, rankedItems, serverRanking, toVector, type PreparedCandidates, type Ranking } from './ranking.js';
import { configureUploader, uploadsStopped, uploadUpdate } from './uploader.js';
import { HISTORY_KEEP, VisitorState, type VisitorEvent } from './visitor-state.js';

/** Training steps wait for this long without a rerank… */
const IDLE_MS = 50;
/** …but never longer than this. */
const IDLE_WAIT_MAX_MS = 2_000;
/** Writes between two retention passes. */
const PRUNE_EVERY = 50;

/** Where the worker's time went in the last model rerank (read by `npm run bench:browser` through the worker's global). */
let lastRerankTimings = { prepareMs: 0, scoreMs: 0, orderMs: 0, candidates: 0 };
Object.defineProperty(globalThis, 'shelfRerankTimings', { get: () => lastRerankTimings, configurable: true });

/** Fault injection for browser tests; installed only when `debug` is on. */
interface TestFaults {
  slowScoreMs: number;
}

export class Engine implements EngineApi {
  private config: EngineConfig | null = null;
  private store: EventStore | null = null;
  private retention: Retention = DEFAULT_RETENTION;
  private backend: BackendName | null = null;
  private backendReason = '';
  private skipped: EngineStatus['skippedBackends'] = [];
  private model: ShelfModel | null = null;
  private loaded: LoadedModel | null = null;
  private modelError: ShelfError | null = null;
  private readonly visitor = new VisitorState();
  private readonly learning = new LocalLearning();
  private positivesSinceTraining = 0;
  private pendingExamples = 0;
  private sentDelta: Float32Array | null = null;
  private uploads = 0;
  private lastError: string | null = null;
  private droppedForQuota = 0;
  private writesSincePrune = 0;
  private lastRerankAt = 0;
  private writeQueue: { event: NewEvent; done: (ok: boolean) => void }[] = [];
  private writeScheduled = false;
  private stateRefreshScheduled = false;
  private busy: Promise<unknown> = Promise.resolve();
  private moving: Promise<void> | null = null;
  private checkTimer: ReturnType<typeof setInterval> | null = null;
  private initPromise: Promise<EngineStatus> | null = null;
  private channel: BroadcastChannel | null = null;
  private readonly faults: TestFaults = { slowScoreMs: 0 };

  init(config: EngineConfig): Promise<EngineStatus> {
    this.initPromise ??= this.doInit(config);
    return this.initPromise;
  }

  private async doInit(config: EngineConfig): Promise<EngineStatus> {
    this.config = config;
    configureUploader({ minIntervalMs: config.uploadMinIntervalMs ?? 0, siteKey: config.siteKey ?? null });
    this.retention = {
      ...DEFAULT_RETENTION,
      ...(config.maxEvents !== undefined ? { maxEvents: config.maxEvents } : {}),
      ...(config.retentionDays !== undefined ? { maxAgeMs: config.retentionDays * 86_400_000 } : {}),
    };
    if (config.debug) this.installTestHooks();
    this.store = await openEventStore(config.dbName, { onClosed: (why) => this.onStoreClosed(why) });
    configureUploader({ queue: this.store });
    await this.store.prune(this.retention).catch((err: unknown) => this.note(err));
    await this.restoreHistory();
    this.listenToOtherTabs(config.dbName);
    try {
      const choice = await chooseBackend(config.backends, config.allowSoftwareGpu);
      this.skipped = choice.skipped;
      this.useBackend(choice);
      await this.switchToLatest(config);
      await this.restoreLocalState(config);
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
    if (input.vector && this.model) {
      const v = toVector(input.vector, this.model.config.itemDim);
      // Persisted too, so the restored history of the next page load can use it.
      if (v && this.visitor.setVector(input.itemId, v)) void this.store?.putVectors([[input.itemId, v]]).catch((err: unknown) => this.note(err));
    }
    if (this.visitor.apply({ type: input.type, itemId: input.itemId, at, ...(shownIds ? { shownIds } : {}) }) > 0) {
      this.positivesSinceTraining++;
      this.pendingExamples++;
    }
    if (this.config && this.positivesSinceTraining >= this.config.trainEvery) this.scheduleLearning();
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
    if (!this.store) return true;
    return new Promise<boolean>((done) => {
      this.writeQueue.push({ event, done });
      if (!this.writeScheduled) {
        this.writeScheduled = true;
        setTimeout(() => void this.flushWrites(), 0);
      }
    });
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
    prepared: PreparedCandidates,
    request: { readonly adjust?: RerankRequest['adjust']; readonly limit?: number },
    rawCount: number,
    facts: () => CandidateFacts,
    t0: number,
  ): Promise<{ ranking: Ranking; notes: string[]; source: 'model' | 'fallback'; reason: FallbackReason | null }> {
    this.lastRerankAt = Date.now();
    const finish = (ranking: Ranking, notes: string[]) => {
      let out = ranking;
      let all = notes;
      // Category and stock facts are only read by adjustments: not collected when none are asked for.
      if (request.adjust && typeof request.adjust === 'object') {
        const done = applyAdjustments(rankedItems(prepared.ids, ranking), request.adjust, facts(), this.visitor);
        out = { idx: Int32Array.from(done.items, (item) => item.serverRank), scoreOf: ranking.scoreOf };
        all = [...notes, ...done.notes];
      }
      const limit = request.limit;
      if (typeof limit === 'number' && Number.isInteger(limit) && limit >= 0 && limit < out.idx.length) out = { ...out, idx: out.idx.subarray(0, limit) };
      return { ranking: out, notes: all };
    };
    const fallback = (reason: FallbackReason, notes: string[]) => ({ ...finish(serverRanking(prepared.ids.length), notes), source: 'fallback' as const, reason });
    const model = this.model;
    if (prepared.ids.length === 0) return fallback(rawCount ? 'invalid_candidates' : 'empty', prepared.notes);
    if (!model || !this.loaded) {
      const why = this.modelError ? [this.modelError.message] : [];
      return fallback(this.noModelReason(), [...prepared.notes, ...why]);
    }
    this.rememberVectors(prepared);
    const sequence = buildSequence(trainingEvents(this.visitor.history, this.visitor.vectors), model.config);
    if (sequence.length === 0) return fallback('cold_start', prepared.notes);
    if (prepared.ranks.length === 0) return fallback('no_vectors', prepared.notes);
    const input = { sequence, vectors: prepared.matrix, serverRanks: prepared.ranks };
    const notes = [...prepared.notes];
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
        const scores = await current.scoreFast(input);
        const t2 = performance.now();
        const result = { ...finish(orderByScores(prepared, scores), notes), source: 'model' as const, reason: null };
        lastRerankTimings = { prepareMs: t1 - t0, scoreMs: t2 - t1, orderMs: performance.now() - t2, candidates: prepared.ids.length };
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
      backendReason: this.backendReason,
      numTensors: this.backend ? liveTensors() : 0,
      trainedSteps: this.learning.steps,
      training: this.learning.where,
      modelError: this.modelError?.message ?? null,
      droppedForQuota: this.droppedForQuota,
      uploadsStopped: uploadsStopped(),
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

  /** See EngineApi.pageHidden: the same path as after a burst of events, not forced, errors kept for status(). */
  async pageHidden(): Promise<FlushResult | null> {
    if (!this.config || !this.model || this.pendingExamples === 0) return null;
    try {
      return await this.serial(() => this.learnAndUpload(false));
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

  private async learnAndUpload(force: boolean): Promise<FlushResult> {
    const config = this.requireConfig();
    const model = this.model;
    const loaded = this.loaded;
    if (!model || !loaded) throw new ShelfError('model_unavailable', 'no model is loaded');
    const result = await this.trainOffThread(model, loaded);
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
      await this.saveLocalState();
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

  /** A few optimiser steps in the training worker; the engine's model takes the resulting weights. */
  private async trainOffThread(model: ShelfModel, loaded: LoadedModel): Promise<{ steps: number }> {
    const steps = await this.learning.train(
      model,
      loaded,
      this.visitor,
      () => (this.loaded === loaded ? this.model : null),
      () => this.untilIdle(),
    );
    if (steps > 0) await this.saveLocalState();
    return { steps };
  }

  /** Resolves once no rerank has arrived for IDLE_MS (or after IDLE_WAIT_MAX_MS, so training is never starved). */
  private async untilIdle(): Promise<void> {
    const start = Date.now();
    while (Date.now() - this.lastRerankAt < IDLE_MS && Date.now() - start < IDLE_WAIT_MAX_MS) {
      await new Promise((r) => setTimeout(r, IDLE_MS));
    }
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
    this.modelError = null;
    this.sentDelta = null;
    this.learning.reset();
    disposeQuietly(old);
    await model.warmUp().catch((err: unknown) => this.note(err));
    await this.store?.setMeta('model', { name: loaded.manifest.name, version: loaded.manifest.version }).catch(() => {});
  }

  /** Continues from the local weights saved on an earlier page load, when they start from this version. */
  private async restoreLocalState(config: EngineConfig): Promise<void> {
    if (!this.model || !this.loaded) return;
    const saved = await this.learning.restore(this.store, config.model, this.model, this.loaded);
    if (!saved) return;
    this.sentDelta = saved.sentDelta;
    this.pendingExamples = Math.max(this.pendingExamples, saved.pendingExamples);
  }

  private async saveLocalState(): Promise<void> {
    if (!this.config || !this.loaded) return;
    await this.learning
      .save(this.store, this.config.model, this.loaded, { sentDelta: this.sentDelta, pendingExamples: this.pendingExamples })
      .catch((err: unknown) => this.note(err));
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
        this.model = buildModel({ ...this.loaded, weights: this.learning.weights ?? this.loaded.weights });
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

  private rememberVectors(prepared: PreparedCandidates): void {
    const fresh: [string, Float32Array][] = [];
    const known = this.visitor.vectors;
    const { ids, rowOf, matrix } = prepared;
    const dim = this.model?.config.itemDim ?? 0;
    for (let i = 0; i < ids.length; i++) {
      const row = rowOf[i]!;
      if (row < 0) continue;
      const id = ids[i]!;
      // Kept vectors are copies of this call's matrix rows (a view would pin the whole matrix).
      const old = known.get(id);
      const v = old && sameRow(old, matrix, row * dim, dim) ? old : matrix.slice(row * dim, row * dim + dim);
      if (this.visitor.setVector(id, v)) fresh.push([id, v]);
    }
    if (fresh.length) void this.store?.putVectors(fresh).catch((err: unknown) => this.note(err));
  }

  private async restoreHistory(): Promise<void> {
    if (!this.store) return;
    try {
      this.visitor.restore(await this.store.recentEvents(HISTORY_KEEP * 2));
      const found = await this.store.getVectors([...new Set([...this.visitor.history.map((e) => e.itemId), ...this.visitor.shown])]);
      for (const [id, v] of found) this.visitor.setVector(id, v);
    } catch (err) {
      this.note(err);
    }
  }

  /** Other tabs of the shop write to the same log; their events join this tab's picture of the visitor too. */
  private listenToOtherTabs(dbName: string): void {
    if (typeof BroadcastChannel === 'undefined') return;
    this.channel = new BroadcastChannel(`shelf-events:${dbName}`);
    this.channel.onmessage = (msg: MessageEvent<VisitorEvent[]>) => {
      if (!Array.isArray(msg.data)) return;
      for (const e of msg.data) if (isEventType(e?.type)) this.visitor.apply(e);
    };
  }

  private async flushWrites(): Promise<void> {
    this.writeScheduled = false;
    const batch = this.writeQueue;
    this.writeQueue = [];
    if (!batch.length || !this.store) return;
    try {
      const events = batch.map((b) => b.event);
      const { seqs, dropped } = await appendEvents(this.store, events);
      this.droppedForQuota += dropped;
      if (dropped) this.lastError = `storage is full: dropped the ${dropped} oldest event(s)`;
      this.visitor.markSeen(seqs);
      this.channel?.postMessage(events.map((e, i) => ({ type: e.type, itemId: e.itemId, at: e.at, seq: seqs[i], ...(e.shownIds ? { shownIds: e.shownIds } : {}) })));
      for (const b of batch) b.done(true);
      this.writesSincePrune += batch.length;
      if (this.writesSincePrune >= PRUNE_EVERY) {
        this.writesSincePrune = 0;
        await this.store.prune(this.retention).catch((err: unknown) => this.note(err));
      }
    } catch (err) {
      this.note(err);
      for (const b of batch) b.done(false);
    }
  }

  private onStoreClosed(why: string): void {
    this.lastError = `event store closed: ${why}`;
    // Keep going in memory: events from now on live as long as this worker.
    this.store = new MemoryEventStore(why);
  }

  private noModelReason(): FallbackReason {
    if (!this.config) return 'not_initialized';
    if (this.modelError?.code === 'model_integrity' || this.modelError?.code === 'model_mismatch') return 'model_integrity';
    if (this.modelError?.code === 'model_unavailable' || this.modelError?.code === 'network') return 'model_unavailable';
    return 'no_model';
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

  private installTestHooks(): void {
    Object.assign(globalThis, {
      shelfEngineTest: {
        slowScores: (ms: number) => void (this.faults.slowScoreMs = ms),
        // The hooks also drop the cached visitor state, so the next rerank really computes on the broken backend.
        loseDevice: () => (this.model?.forgetState(), loseDeviceForTest()),
        dropKernel: (name: string) => (this.model?.forgetState(), dropKernelForTest(name)),
        crash: () => setTimeout(() => {
          throw new Error('simulated engine crash');
        }, 0),
        /** Benchmark: `steps` optimiser steps on a batch of `batchSize` copies of the visitor's sequence, in the
         * training worker or (inline) in this thread; the engine's model is left as it was. */
        train: (steps: number, batchSize: number, inline: boolean) => this.learning.bench(this.model, this.loaded, this.visitor, steps, batchSize, inline),
      },
    });
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

/** True when `a` equals the `dim` values of `m` from `offset`. */
function sameRow(a: Float32Array, m: Float32Array, offset: number, dim: number): boolean {
  if (a.length !== dim || offset + dim > m.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== m[offset + i]) return false;
  return true;
}

/** Category and stock per candidate id from a binary request (malformed ids skipped; a later duplicate wins, as in candidateFacts). */
function packedFacts(req: DecodedRerankRequest): Required<CandidateFacts> {
  const category = new Map<string, string>();
  const inStock = new Map<string, boolean>();
  req.keys.forEach((id, i) => {
    if (!id) return;
    const c = req.categories?.[i];
    if (typeof c === 'string') category.set(id, c);
    const s = req.inStock?.[i];
    if (s === 0 || s === 1) inStock.set(id, s === 1);
  });
  return { category, inStock };
}

// The public facade a shop calls: init, track, rerank. rerank() always resolves (the shop's own order and a
// reason when anything fails); track() never throws. Only developer-facing calls (init with bad options,
// flush, checkForUpdate) reject, with a ShelfError.
import type { BackendName, EngineStatus, FallbackReason, FlushResult, RerankAdjustments, StoredEvent, TrackInput } from './shared/engine-api.js';
import { decodeRerankItems, encodeRerankRequest } from './shared/rerank-wire.js';
import type { EventType } from './shared/events.js';
import { ShelfError, toShelfError } from './shared/errors.js';
import { resolveOptions, type ResolvedOptions, type ShelfOptions } from './options.js';
import { transfer } from 'comlink';
import { WorkerHost } from './worker-host.js';
import { startModuleWorker } from './worker-start.js';
import { bundledWorkerUrl } from './worker-url.js';

/** A product the shop wants ranked: an id and, ideally, the item vector its server sent. */
export interface Candidate {
  id: string | number;
  vector?: ArrayLike<number> | null;
  /** For `adjust.diversity`. */
  category?: string;
  /** false marks the item out of stock, for `adjust.excludeOutOfStock`. */
  inStock?: boolean;
}

export interface RerankContext {
  /** Which list this is (e.g. 'home', 'category:shoes'); echoed in events for attribution. */
  listId?: string;
  /** Return at most this many items. */
  limit?: number;
  /** Override the default timeout for this call. */
  timeoutMs?: number;
  /** Adjustments applied after the model's scores: fatigue, purchased, diversity, pins, out-of-stock. */
  adjust?: RerankAdjustments;
}

export interface RerankedItem<T> {
  item: T;
  id: string;
  /** The model's score, or null when the server's order was kept for this item. */
  score: number | null;
  /** Position in the list the shop passed in (0-based). */
  serverRank: number;
}

export interface ShelfRerankResult<T> {
  rerankId: string;
  items: RerankedItem<T>[];
  /** 'model' when Shelf's model produced the order, 'fallback' when it is the shop's own order. */
  source: 'model' | 'fallback';
  reason: FallbackReason | null;
  modelVersion: number | null;
  backend: BackendName | null;
  notes: readonly string[];
}

export interface ShelfEvent {
  type: EventType;
  itemId: string | number;
  listId?: string;
  position?: number;
  vector?: readonly number[];
  rerankId?: string;
  /** For view_item_list: the ids shown, in order. */
  shownIds?: readonly (string | number)[];
}

export class Shelf {
  /** Removes the page-hidden listener (destroy). */
  private readonly stopWatchingVisibility: () => void;

  private constructor(
    private readonly host: WorkerHost | null,
    private readonly options: ResolvedOptions,
    private startStatus: EngineStatus | null,
    private startError: string | null,
  ) {
    this.stopWatchingVisibility = host ? watchHidden(() => void host.call('pageHidden', [], 30_000).catch((err: unknown) => this.debug('upload on hide failed', err))) : () => {};
  }

  /**
   * Starts Shelf: spawns the engine worker, picks a backend, loads the model.
   * Resolves even when the worker or model cannot start (rerank then returns the shop's order).
   * @throws ShelfError `invalid_options` for a bad option.
   * @example const shelf = await Shelf.init({ serverUrl: 'https://shelf.example.com/' })
   */
  static async init(options: ShelfOptions = {}): Promise<Shelf> {
    const resolved = resolveOptions(options, globalThis.location?.href ?? 'http://localhost/');
    if (typeof Worker === 'undefined') return new Shelf(null, resolved, null, 'Web Workers are not available');
    const workerUrl = resolved.workerUrl ?? bundledWorkerUrl();
    const create = () => startModuleWorker(workerUrl, 'shelf-engine');
    const { initTimeoutMs, timeoutMs: _t, workerUrl: _w, ...engineConfig } = resolved;
    let host: WorkerHost;
    try {
      host = new WorkerHost(create, engineConfig, initTimeoutMs);
    } catch (err) {
      return new Shelf(null, resolved, null, toShelfError(err).message);
    }
    try {
      return new Shelf(host, resolved, await host.start(), null);
    } catch (err) {
      return new Shelf(host, resolved, null, toShelfError(err).message);
    }
  }

  /** Records a behaviour event. Never throws; resolves false when the event was ignored. */
  async track(event: ShelfEvent): Promise<boolean> {
    try {
      if (!this.host || !event || typeof event !== 'object') return false;
      const input: TrackInput = {
        type: event.type,
        itemId: String(event.itemId ?? ''),
        ...(event.listId !== undefined ? { listId: String(event.listId) } : {}),
        ...(typeof event.position === 'number' ? { position: event.position } : {}),
        ...(Array.isArray(event.vector) ? { vector: event.vector.map(Number) } : {}),
        ...(typeof event.rerankId === 'string' ? { rerankId: event.rerankId } : {}),
        ...(Array.isArray(event.shownIds) ? { shownIds: event.shownIds.map(String) } : {}),
      };
      return await this.host.call('track', [input], Math.max(this.options.timeoutMs, 2_000));
    } catch (err) {
      this.debug('track failed', err);
      return false;
    }
  }

  /**
   * Re-orders the shop's candidates for this visitor. Always resolves: on any failure the items come back in
   * the order given, with `source: 'fallback'` and a `reason`.
   * @example const { items } = await shelf.rerank(products, { listId: 'home' })
   */
  async rerank<T extends Candidate>(candidates: readonly T[], context: RerankContext = {}): Promise<ShelfRerankResult<T>> {
    const list = Array.isArray(candidates) ? candidates : [];
    const fallback = (reason: FallbackReason, notes: string[] = []): ShelfRerankResult<T> => {
      const byId = new Map<string, T>();
      for (const c of list) {
        const id = c && typeof c === 'object' && (typeof c.id === 'string' || typeof c.id === 'number') ? String(c.id) : '';
        if (id && !byId.has(id)) byId.set(id, c);
      }
      const items = [...byId].map(([id, item], i) => ({ item, id, score: null, serverRank: i }));
      return { rerankId: '', items: limit(items, context?.limit), source: 'fallback', reason, modelVersion: null, backend: null, notes };
    };
    if (!Array.isArray(candidates)) return fallback('invalid_candidates', ['candidates must be an array']);
    if (!this.host) return fallback('worker_unavailable', this.startError ? [this.startError] : []);
    try {
      // Binary both ways (rerank-wire.ts): ids as one string, vectors as one transferred Float32Array; the reply is
      // typed arrays of candidate indices, server ranks and scores, turned into the shop's objects here.
      const { request, keys, transfer: buffers } = encodeRerankRequest(list, context ?? {});
      const result = await this.host.call('rerankPacked', [transfer(request, buffers)], context?.timeoutMs ?? this.options.timeoutMs);
      const items = decodeRerankItems(result, list, keys);
      return { rerankId: result.rerankId, items, source: result.source, reason: result.reason, modelVersion: result.modelVersion, backend: result.backend, notes: result.notes };
    } catch (err) {
      const e = toShelfError(err);
      const reason: FallbackReason = e.code === 'timeout' ? 'timeout' : e.code === 'worker_crashed' ? 'worker_crashed' : 'worker_unavailable';
      return fallback(reason, [e.message]);
    }
  }

  /** What the engine is doing: backend, model version, storage, counts. Never throws. */
  async status(): Promise<EngineStatus & { error: string | null }> {
    try {
      if (!this.host) throw new ShelfError('worker_unavailable', this.startError ?? 'no worker');
      this.startStatus = await this.host.call('status', [], 5_000);
      return { ...this.startStatus, error: this.startError };
    } catch (err) {
      return { ...(this.startStatus ?? emptyStatus(this.options)), error: toShelfError(err).message };
    }
  }

  /** Stored events on this device, newest last (for privacy panels). */
  async events(limitCount = 100): Promise<readonly StoredEvent[]> {
    return this.requireHost().call('events', [limitCount], 5_000);
  }

  /** Trains on pending events and uploads the update now. @throws ShelfError */
  async flush(): Promise<FlushResult> {
    return this.requireHost().call('flush', [], 30_000);
  }

  /** Looks for a new global model version now. @throws ShelfError */
  async checkForUpdate(): Promise<EngineStatus> {
    return this.requireHost().call('checkForUpdate', [], this.options.initTimeoutMs);
  }

  /** Stops the worker. Later reranks return the shop's order. */
  destroy(): void {
    this.stopWatchingVisibility();
    this.host?.terminate();
  }

  private requireHost(): WorkerHost {
    if (!this.host) throw new ShelfError('worker_unavailable', this.startError ?? 'the engine worker is not running');
    return this.host;
  }

  private debug(...args: unknown[]): void {
    if (this.options.debug) console.debug('[shelf]', ...args);
  }
}

/**
 * Calls `onHidden` each time the document becomes hidden (the last moment a page is sure to run: browsers fire it
 * before unloading, and on mobile often nothing fires after it). No document (a worker): nothing to watch.
 * @returns a function that stops watching
 */
export function watchHidden(onHidden: () => void, doc: Document | undefined = globalThis.document): () => void {
  if (!doc || typeof doc.addEventListener !== 'function') return () => {};
  const listener = () => {
    if (doc.visibilityState === 'hidden') onHidden();
  };
  doc.addEventListener('visibilitychange', listener);
  return () => doc.removeEventListener('visibilitychange', listener);
}

function limit<T>(items: T[], n: unknown): T[] {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? items.slice(0, n) : items;
}

function emptyStatus(o: ResolvedOptions): EngineStatus {
  return {
    ready: false, backend: null, skippedBackends: [], model: o.model, modelVersion: null, storage: 'memory',
    storageReason: null, events: 0, pendingExamples: 0, uploads: 0, lastError: null,
  };
}

/** The page's packing of candidate vectors (now in rerank-wire.ts, with the rest of the binary request). */
export { packVectors } from './shared/rerank-wire.js';

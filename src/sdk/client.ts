// The SDK's facade over the engine: consent (default, GPC, remembered choice), the engine's lifecycle (start
// only with consent; stop and delete on denial; forget), GA4/Segment events, the dataLayer bridge, attribute
// auto-capture, rerank and the DOM helper, and a debug log of every decision. Every method resolves and none
// throws into the page: bad input, calls after forget(), or a blocked worker give a debug message and no effect.
import { resolveSdkOptions, type ConsentState, type ResolvedSdkOptions, type SdkOptions, type ShelfOptions } from '../options.js';
import type { EngineStatus, FallbackReason, FlushResult, StoredEvent, TrackInput } from '../shared/engine-api.js';
import { Shelf, type Candidate, type RerankContext, type ShelfEvent, type ShelfRerankResult } from '../shelf.js';
import { startAutoCapture } from './autocapture.js';
import { deleteDatabase, initialConsent, storeConsent, type ConsentSource } from './consent.js';
import { bridgeDataLayer } from './datalayer.js';
import { createDeduper } from './dedupe.js';
import { ATTR, readCards, readVector, reorderInPlace } from './dom.js';
import { gtagConsent, mapDataLayerEntry, mapEventObject, mapNamedEvent, type Mapped } from './event-map.js';
import { MAX_CANDIDATES, fallbackResult, guardVectors } from './rerank-input.js';

/** What Shelf is doing on this page. */
export type SdkMode = 'idle' | 'starting' | 'worker' | 'fallback' | 'off' | 'forgotten';

export interface SdkStatus {
  /** `'worker'`: the model ranks; `'fallback'`: the shop's order is kept (see `reason`); `'off'`: consent denied. */
  readonly mode: SdkMode;
  /** Why the mode is not `'worker'` (e.g. `consent_denied`, `csp_blocked_worker`, `worker_unavailable`). */
  readonly reason: string | null;
  readonly consent: ConsentState;
  readonly consentSource: ConsentSource;
  /** The engine's own status while it runs. */
  readonly engine: (EngineStatus & { error: string | null }) | null;
}

/** Options of `rerankElements`. */
export interface RerankElementsOptions {
  /** Which list this is; default: the container's `data-shelf-list-id`. */
  listId?: string;
  timeoutMs?: number;
}

export interface ClientEnvironment {
  /** Default `serverUrl` (the SDK: the origin it was loaded from). */
  readonly defaultServerUrl?: string;
}

/**
 * The script-tag SDK's object (also usable from npm through `createShelf`).
 * @example
 *   const shelf = createShelf();
 *   await shelf.init({ consentDefault: 'denied' });
 *   await shelf.consent('granted');
 *   await shelf.track('view_item', { items: [{ item_id: 'sku-1' }] });
 */
export class ShelfClient {
  private sdk: ResolvedSdkOptions | null = null;
  private engineOptions: ShelfOptions | null = null;
  private dbName = 'shelf';
  private shelf: Shelf | null = null;
  private starting: Promise<void> | null = null;
  private startSeq = 0;
  private mode: SdkMode = 'idle';
  private reason: string | null = null;
  private consentState: ConsentState = 'granted';
  private consentSource: ConsentSource = 'default';
  private debugOn = false;
  private forgotten = false;
  private stops: (() => void)[] = [];
  private settled: Promise<void> = Promise.resolve();
  /** One action reported by both GA4 events and the data attributes is recorded once. */
  private readonly deduper = createDeduper();

  constructor(private readonly env: ClientEnvironment = {}) {}

  /**
   * Configures and starts Shelf (the engine starts only with consent). Only the first call counts.
   * Resolves with the status once the engine is ready or Shelf has fallen back to the shop's order.
   */
  async init(options: SdkOptions = {}): Promise<SdkStatus> {
    if (this.forgotten) return this.ignored('init after forget()');
    if (this.sdk) return this.ignored('init was called already; later calls are ignored');
    try {
      const withDefaults = { ...(this.env.defaultServerUrl && typeof options === 'object' && options && !('serverUrl' in options) ? { serverUrl: this.env.defaultServerUrl } : {}), ...options };
      const { sdk, engine, resolved } = resolveSdkOptions(withDefaults, location.href);
      this.sdk = sdk;
      this.engineOptions = engine;
      this.dbName = resolved.dbName;
      this.debugOn ||= resolved.debug;
    } catch (err) {
      this.setMode('off', 'invalid_options');
      this.log('init: invalid options, Shelf stays off:', err instanceof Error ? err.message : err);
      return this.status();
    }
    if (this.consentSource !== 'call') {
      const c = initialConsent(this.sdk.consentDefault, this.sdk.respectGpc);
      this.consentState = c.state;
      this.consentSource = c.source;
    }
    this.log(`consent ${this.consentState} (from ${this.consentSource})`);
    // Calls queued after init (consent, …) are applied first: the engine starts in a later task.
    this.settled = new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => this.apply());
    if (this.sdk.dataLayer) {
      const types = this.sdk.gtagConsent;
      this.stops.push(
        bridgeDataLayer(window, this.sdk.dataLayer, (entry) => {
          const signal = types ? gtagConsent(entry, types) : null;
          // A site's Consent Mode *default* is not the shopper's choice: it never overrides their browser's GPC.
          // An *update* (the shopper's answer in the shop's banner) does, as consent('granted') does.
          if (signal === 'granted' && this.consentSource === 'gpc' && (entry as ArrayLike<unknown>)[1] === 'default') {
            return this.log("Consent Mode default 'granted' ignored: Global Privacy Control says denied until the shopper grants");
          }
          if (signal) return void this.setConsent(signal, 'gtag');
          const mapped = mapDataLayerEntry(entry);
          if (mapped) void this.recordMapped(mapped, 'dataLayer');
        }),
      );
      this.log(`listening to window.${this.sdk.dataLayer}`);
    }
    if (this.sdk.autoCapture && typeof document !== 'undefined') {
      this.stops.push(startAutoCapture(document, this.sdk.dwellMs, (inputs, why) => void this.record(inputs, why)));
    }
    await this.settled;
    return this.status();
  }

  /** Turns the debug log (every decision, to the console) on or off. */
  async debug(on: boolean = true): Promise<boolean> {
    this.debugOn = on !== false;
    return this.debugOn;
  }

  /**
   * Records the visitor's choice (remembered on this device). `'denied'` stops the engine and deletes what
   * Shelf stored; `'granted'` starts it.
   * @example shelf.consent('granted')
   */
  async consent(state: ConsentState): Promise<SdkStatus> {
    if (this.forgotten) return this.ignored('consent after forget()');
    if (state !== 'granted' && state !== 'denied') return this.ignored(`consent must be 'granted' or 'denied', got ${String(state).slice(0, 32)}`);
    storeConsent(state);
    return this.setConsent(state, 'call');
  }

  /** Applies a consent change (a call is remembered by the caller; a Consent Mode signal is re-sent by every page). */
  private async setConsent(state: ConsentState, source: ConsentSource): Promise<SdkStatus> {
    if (this.forgotten) return this.status();
    this.consentState = state;
    this.consentSource = source;
    this.log(`consent ${state} (from ${source === 'call' ? 'a consent() call' : 'Google Consent Mode in the dataLayer'})`);
    if (this.sdk) {
      this.settled = this.settled.then(() => this.apply());
      await this.settled;
    }
    return this.status();
  }

  /**
   * Records an event: Shelf's own `{ type, itemId }`, a GA4 event (`track('add_to_cart', { items })` or a
   * dataLayer object `{ event, ecommerce }`), or a Segment e-commerce name (`track('Product Viewed', props)`).
   * Resolves true when at least one event was recorded.
   */
  async track(event: ShelfEvent | string | Record<string, unknown>, params?: Record<string, unknown>): Promise<boolean> {
    if (this.forgotten) return this.ignored('track after forget()'), false;
    try {
      return await this.recordMapped(typeof event === 'string' ? mapNamedEvent(event, params) : mapEventObject(event), 'track');
    } catch (err) {
      this.log('track failed:', err);
      return false;
    }
  }

  /**
   * Shelf's order of the shop's candidates, each with its score and server rank, a `rerankId` to echo in later
   * `select_item` events, and whether the model or the fallback produced it. Never rejects; items without a
   * (valid) vector keep their server slot.
   * @example const { items, rerankId } = await shelf.rerank(products, { listId: 'home', limit: 24 })
   */
  async rerank<T extends Candidate>(candidates: readonly T[], context: RerankContext = {}): Promise<ShelfRerankResult<T>> {
    try {
      if (!Array.isArray(candidates)) return this.fallback([], context, 'invalid_candidates', 'candidates must be an array');
      let list: readonly T[] = candidates;
      const notes: string[] = [];
      if (list.length > MAX_CANDIDATES) {
        notes.push(`${list.length} candidates: only the first ${MAX_CANDIDATES} are ranked`);
        list = list.slice(0, MAX_CANDIDATES);
      }
      if (this.forgotten || this.consentState === 'denied') return this.fallback(list, context, 'disabled', this.reason ?? 'consent denied');
      await this.settled;
      await this.starting;
      const shelf = this.shelf;
      if (!shelf || this.mode !== 'worker') return this.fallback(list, context, 'worker_unavailable', this.reason ?? 'the engine is not running');
      // Vectors that are not arrays of sane length are dropped here, so nothing odd is copied to the worker.
      const { safe, restore } = guardVectors(list);
      const result = await shelf.rerank(safe, context);
      this.log(`rerank ${context?.listId ?? ''}: ${result.source}${result.reason ? ` (${result.reason})` : ''}, ${result.items.length} items`);
      const items = result.items.map((r) => ({ ...r, item: restore(r.item) }));
      return { ...result, items, notes: [...notes, ...result.notes] };
    } catch (err) {
      return this.fallback(Array.isArray(candidates) ? candidates : [], context, 'worker_unavailable', String(err));
    }
  }

  /**
   * Re-orders an existing list of product cards in place: the container's children with `data-shelf-item-id`
   * (and optional `data-shelf-vector`). Writes `data-shelf-source` (`model` or `fallback`) and, when the model
   * ranked, `data-shelf-rerank-id` on the container and `data-shelf-position` on each card, so clicks are attributed. Resolves with the rerank result, or null when there was nothing to do.
   * @example shelf.rerankElements(document.querySelector('#products'), { listId: 'home' })
   */
  async rerankElements(container: Element | string | null, options: RerankElementsOptions = {}): Promise<ShelfRerankResult<{ id: string; vector: number[] | null }> | null> {
    try {
      const el = typeof container === 'string' ? document.querySelector(container) : container;
      if (!(el instanceof Element)) return this.ignored('rerankElements needs an element or a selector'), null;
      const cards = readCards(el);
      if (cards.length === 0) return this.ignored('rerankElements: no [data-shelf-item-id] cards in the container'), null;
      const listId = (typeof options?.listId === 'string' ? options.listId : null) ?? el.getAttribute(ATTR.listId) ?? undefined;
      const candidates = cards.map((c) => ({ id: c.getAttribute(ATTR.itemId)!, vector: readVector(c) }));
      const result = await this.rerank(candidates, { ...(listId ? { listId } : {}), ...(typeof options?.timeoutMs === 'number' ? { timeoutMs: options.timeoutMs } : {}) });
      if (result.source === 'model') {
        reorderInPlace(cards, result.items.map((r) => r.id));
        el.setAttribute(ATTR.rerankId, result.rerankId);
      } else {
        el.removeAttribute(ATTR.rerankId);
      }
      el.setAttribute(ATTR.source, result.source);
      if (listId && !el.hasAttribute(ATTR.listId)) el.setAttribute(ATTR.listId, listId);
      return result;
    } catch (err) {
      this.log('rerankElements failed:', err);
      return null;
    }
  }

  /** What Shelf is doing: mode, consent and, while it runs, the engine's status. */
  async status(): Promise<SdkStatus> {
    const engine = this.shelf ? await this.shelf.status() : null;
    return { mode: this.mode, reason: this.reason, consent: this.consentState, consentSource: this.consentSource, engine };
  }

  /** Trains on pending events and uploads the update now; null when the engine is not running or it failed. */
  async flush(): Promise<FlushResult | null> {
    try {
      await this.settled;
      await this.starting;
      return this.shelf && this.mode === 'worker' ? await this.shelf.flush() : null;
    } catch (err) {
      this.log('flush failed:', err);
      return null;
    }
  }

  /**
   * Clears everything Shelf keeps on this device: stops the engine, deletes its IndexedDB database and the
   * remembered consent. Shelf stays off on this page afterwards (later calls are ignored).
   */
  async forget(): Promise<boolean> {
    if (this.forgotten) return true;
    this.forgotten = true;
    // Nothing is granted any more: the remembered choice is deleted and Shelf stays off on this page.
    this.consentState = 'denied';
    for (const stop of this.stops.splice(0)) stop();
    await this.wipe('forgotten', 'forget() was called');
    storeConsent(null);
    this.log('forget: engine stopped, stored events deleted');
    return true;
  }

  /**
   * The events Shelf stored on this device, newest last (what a privacy panel shows the shopper): at most
   * `limit` (default 100, at most 5,000). Resolves [] when the engine is not running (consent denied,
   * forgotten, fallback); never rejects.
   * @example const recent = await shelf.events(20)
   */
  async events(limit: number = 100): Promise<readonly StoredEvent[]> {
    try {
      const n = Number.isInteger(limit) && limit > 0 ? Math.min(limit, 5_000) : 100;
      await this.settled;
      await this.starting;
      return this.shelf && this.mode === 'worker' ? await this.shelf.events(n) : [];
    } catch (err) {
      this.log('events failed:', err);
      return [];
    }
  }

  /** Calls `callback` (and resolves) once the engine is ready or Shelf has settled on a fallback. */
  async ready(callback?: (status: SdkStatus) => void): Promise<SdkStatus> {
    await this.settled;
    await this.starting;
    const status = await this.status();
    try {
      if (typeof callback === 'function') callback(status);
    } catch (err) {
      this.log('ready callback threw:', err);
    }
    return status;
  }

  private async apply(): Promise<void> {
    if (!this.sdk || this.forgotten) return;
    if (this.consentState === 'denied') return this.wipe('off', 'consent_denied');
    if (!this.shelf && !this.starting) {
      this.starting = this.start().finally(() => (this.starting = null));
    }
    await this.starting;
  }

  private async start(): Promise<void> {
    const seq = ++this.startSeq;
    this.setMode('starting', null);
    let cspBlocked = false;
    const onViolation = (e: SecurityPolicyViolationEvent) => {
      if (/worker-src|script-src/.test(e.effectiveDirective) && /^blob|shelf/.test(e.blockedURI)) cspBlocked = true;
    };
    document.addEventListener('securitypolicyviolation', onViolation);
    try {
      const shelf = await Shelf.init(this.engineOptions ?? {});
      if (seq !== this.startSeq) return shelf.destroy();
      this.shelf = shelf;
      const s = await shelf.status();
      // The violation event may trail the worker's error event by a task.
      if (!s.ready) await new Promise((r) => setTimeout(r, 0));
      if (s.ready) this.setMode('worker', null);
      else this.setMode('fallback', cspBlocked ? 'csp_blocked_worker' : 'worker_unavailable', s.error ?? undefined);
      if (!s.ready && cspBlocked) this.log("the page's Content-Security-Policy does not allow a blob: worker (worker-src blob:); rerank keeps the shop's order");
    } catch (err) {
      if (seq === this.startSeq) this.setMode('fallback', 'worker_unavailable', String(err));
    } finally {
      document.removeEventListener('securitypolicyviolation', onViolation);
    }
  }

  /** Stops the engine (after any start in flight) and deletes its database. */
  private async wipe(mode: SdkMode, reason: string): Promise<void> {
    this.startSeq++;
    await this.starting?.catch(() => {});
    this.shelf?.destroy();
    this.shelf = null;
    this.setMode(mode, reason);
    const deleted = await deleteDatabase(this.dbName);
    this.log(`engine stopped; IndexedDB '${this.dbName}' ${deleted ? 'deleted' : 'could not be deleted'}`);
  }

  private async recordMapped(mapped: Mapped, why: string): Promise<boolean> {
    for (const note of mapped.notes) this.log(`${why}: ${note}`);
    return mapped.inputs.length ? this.record(mapped.inputs, why) : false;
  }

  private async record(all: TrackInput[], why: string): Promise<boolean> {
    if (this.forgotten) return false;
    const { inputs, notes } = this.deduper.admit(all, why === 'click' || why === 'impression' || why === 'dwell' ? 'auto' : 'shop');
    for (const note of notes) this.log(`${why}: not recorded twice: ${note}`);
    if (inputs.length === 0) return false;
    if (this.consentState !== 'granted') return this.log(`${why}: ${inputs[0]?.type} not recorded: consent ${this.consentState}`), false;
    if (!this.sdk) return this.log(`${why}: ${inputs[0]?.type} not recorded: call init() first`), false;
    await this.settled;
    await this.starting;
    const shelf = this.shelf;
    if (!shelf || this.mode !== 'worker') return this.log(`${why}: ${inputs[0]?.type} not recorded: ${this.reason ?? 'engine not running'}`), false;
    let any = false;
    for (const input of inputs) {
      const ok = await shelf.track(input as ShelfEvent);
      this.log(`${why}: ${input.type} ${input.itemId}${input.listId ? ` in ${input.listId}` : ''} ${ok ? 'recorded' : 'ignored by the engine'}`);
      any ||= ok;
    }
    return any;
  }

  private fallback<T extends Candidate>(list: readonly T[], context: RerankContext, reason: FallbackReason, note: string): ShelfRerankResult<T> {
    this.log(`rerank ${context?.listId ?? ''}: shop's order kept (${reason}: ${note})`);
    return fallbackResult(list, context, reason, note);
  }

  private setMode(mode: SdkMode, reason: string | null, detail?: string): void {
    this.mode = mode;
    this.reason = reason;
    this.log(`mode ${mode}${reason ? ` (${reason}${detail ? `: ${detail}` : ''})` : ''}`);
  }

  private ignored(message: string): Promise<SdkStatus> {
    this.log(`ignored: ${message}`);
    return this.status();
  }

  private log(...args: unknown[]): void {
    if (this.debugOn) console.info('[shelf]', ...args);
  }
}

// Where the engine gets the item vectors a page did not send: its IndexedDB cache of the model's vector space,
// then — once GET /v1/spaces/:space says the server holds that space — Shelf's GET /v1/vectors, in batches of at most 200 ids (sorted, and only ids: no event, order or time),
// cached by (space, id). Answers only for the space of the model version in use: a change of space starts over.
// Must never throw to the engine, never hand back a vector of another space or of the wrong length, and never
// await the network inside an IndexedDB transaction.
import { ShelfError } from '../src/shared/errors.js';
import { MAX_VECTOR_IDS, VectorsResponseSchema, isItemId, vectorsQuery } from '../src/shared/vector-space.js';
import type { EventStore } from './event-store.js';

/** Longest query string one request carries (ids percent-encoded); longer batches are split. */
const MAX_QUERY_CHARS = 6_000;
/** An id the server did not have is asked for again after this long (a feed may add it meanwhile). */
const MISSING_RETRY_MS = 5 * 60_000;
/** After a failed request (network, 5xx) its ids are asked for again after this long. */
const FAILED_RETRY_MS = 30_000;
/** Ids asked for by tracked events within this long go out in one request. */
const BATCH_DELAY_MS = 20;

export interface VectorSourceHost {
  serverUrl(): string;
  store(): EventStore | null;
  /** Vectors found for `space` (the engine keeps them only if its model still ranks in that space). */
  found(space: string, entries: readonly (readonly [string, Float32Array])[]): void;
  note(err: unknown): void;
}

/** Splits ids into requests of at most MAX_VECTOR_IDS ids and MAX_QUERY_CHARS characters. */
export function batchIds(ids: readonly string[]): string[][] {
  const out: string[][] = [];
  let batch: string[] = [];
  let chars = 0;
  for (const id of ids) {
    const size = encodeURIComponent(id).length + 1;
    if (batch.length > 0 && (batch.length >= MAX_VECTOR_IDS || chars + size > MAX_QUERY_CHARS)) {
      out.push(batch);
      batch = [];
      chars = 0;
    }
    batch.push(id);
    chars += size;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/** A base64 vector of `dim` float32 little-endian values, or null when it is not one or not finite. */
export function decodeVector(b64: string, dim: number): Float32Array | null {
  let bin: string;
  try {
    bin = atob(b64);
  } catch {
    return null;
  }
  if (bin.length !== dim * 4) return null;
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const x = view.getFloat32(i * 4, true);
    if (!Number.isFinite(x)) return null;
    out[i] = x;
  }
  return out;
}

export class VectorSource {
  private space: string | null = null;
  private dim = 0;
  /** The space answered 404: not served by this server, nothing to ask for. */
  private unavailable = false;
  /** Whether the server holds the space (GET /v1/spaces/:space), asked once per space before any id is sent. */
  private served: Promise<boolean> | null = null;
  /** Id → when it may be asked for again (not on the server, or its request failed). */
  private readonly retryAt = new Map<string, number>();
  /** Id → the lookup it is part of. */
  private readonly inflight = new Map<string, Promise<void>>();
  private queued = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** Requests sent and vectors received (status and tests). */
  requests = 0;
  received = 0;

  constructor(private readonly host: VectorSourceHost) {}

  /** The model's vector space; a different one drops everything known about the previous one. */
  use(space: string, dim: number): void {
    if (space === this.space && dim === this.dim) return;
    this.space = space;
    this.dim = dim;
    this.unavailable = false;
    this.served = null;
    this.retryAt.clear();
    this.inflight.clear();
    this.queued.clear();
  }

  /** Looks these ids up soon, with others asked for in the same burst (tracked events); never waits. */
  request(ids: readonly string[]): void {
    for (const id of ids) if (this.wanted(id)) this.queued.add(id);
    if (this.queued.size === 0 || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const ids = [...this.queued];
      this.queued.clear();
      void this.lookup(ids, 0);
    }, BATCH_DELAY_MS);
  }

  /**
   * Looks ids up (cache, then server; ids queued by request() go along) and resolves once all are answered, or
   * after `waitMs` (the lookups go on, and their vectors are kept for the next call).
   */
  async lookup(ids: readonly string[], waitMs: number): Promise<void> {
    const space = this.space;
    if (space === null) return;
    const fresh = [...new Set([...ids, ...this.queued])].filter((id) => this.wanted(id) && !this.inflight.has(id));
    this.queued.clear();
    const pending = new Set(ids.map((id) => this.inflight.get(id)).filter((p): p is Promise<void> => p !== undefined));
    if (fresh.length > 0) {
      const work = this.fetchAll(space, fresh).catch((err: unknown) => this.host.note(err));
      const done = work.finally(() => {
        for (const id of fresh) if (this.inflight.get(id) === done) this.inflight.delete(id);
      });
      for (const id of fresh) this.inflight.set(id, done);
      pending.add(done);
    }
    if (pending.size === 0 || waitMs <= 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(pending), new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
  }

  private wanted(id: string): boolean {
    if (this.space === null || this.unavailable || !isItemId(id)) return false;
    const at = this.retryAt.get(id);
    return at === undefined || Date.now() >= at;
  }

  private async fetchAll(space: string, ids: readonly string[]): Promise<void> {
    const store = this.host.store();
    const cached = store ? await store.getVectors(space, ids).catch(() => new Map<string, Float32Array>()) : new Map<string, Float32Array>();
    const good = [...cached].filter(([, v]) => v.length === this.dim);
    if (good.length > 0) this.host.found(space, good);
    const ask = ids.filter((id) => !cached.has(id)).sort();
    if (ask.length === 0) return;
    this.served ??= this.probe(space);
    if (!(await this.served) || this.space !== space) {
      // Asked again later when the probe failed for want of a network; never when the space is not served.
      if (!this.unavailable) ask.forEach((id) => this.retryAt.set(id, Date.now() + FAILED_RETRY_MS));
      return;
    }
    await Promise.all(batchIds(ask).map((batch) => this.fetchBatch(space, batch)));
  }

  /** True when the server holds `space`; false (and nothing more asked in it) on a 404; on failure, asked again later. */
  private async probe(space: string): Promise<boolean> {
    try {
      const res = await fetch(new URL(`v1/spaces/${encodeURIComponent(space)}`, this.host.serverUrl()).href, { credentials: 'omit' });
      if (res.status === 404) {
        // Not an error: a space whose pages send their own vectors (the demo's content vectors) is not stored on the
        // server. No id is sent for it.
        if (this.space === space) this.unavailable = true;
        return false;
      }
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return true;
    } catch (err) {
      if (this.space === space) this.served = null;
      this.host.note(new ShelfError('network', `item vectors: cannot reach the vector space: ${err instanceof Error ? err.message : String(err)}`));
      return false;
    }
  }

  private async fetchBatch(space: string, ids: readonly string[]): Promise<void> {
    const url = new URL(`v1/vectors?${vectorsQuery(ids, space)}`, this.host.serverUrl()).href;
    const later = (ms: number) => ids.forEach((id) => this.retryAt.set(id, Date.now() + ms));
    let res: Response;
    this.requests++;
    try {
      res = await fetch(url, { credentials: 'omit' });
    } catch (err) {
      later(FAILED_RETRY_MS);
      throw new ShelfError('network', `item vectors: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (this.space !== space) return;
    if (res.status === 404) {
      this.unavailable = true;
      return;
    }
    if (!res.ok) {
      later(FAILED_RETRY_MS);
      throw new ShelfError('network', `item vectors: HTTP ${res.status} from ${url}`);
    }
    const parsed = VectorsResponseSchema.safeParse(await res.json().catch(() => null));
    if (!parsed.success || parsed.data.space !== space || parsed.data.dim !== this.dim) {
      later(FAILED_RETRY_MS);
      throw new ShelfError('network', `item vectors: the answer is not ${this.dim}-value vectors of space '${space}'`);
    }
    const found: [string, Float32Array][] = [];
    for (const id of ids) {
      const b64 = Object.hasOwn(parsed.data.vectors, id) ? parsed.data.vectors[id] : undefined;
      const v = b64 === undefined ? null : decodeVector(b64, this.dim);
      if (v) found.push([id, v]);
      else this.retryAt.set(id, Date.now() + MISSING_RETRY_MS);
    }
    this.received += found.length;
    if (found.length === 0 || this.space !== space) return;
    this.host.found(space, found);
    await this.host.store()?.putVectors(space, found).catch((err: unknown) => this.host.note(err));
  }
}

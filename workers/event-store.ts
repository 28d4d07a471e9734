// The visitor's behaviour log and the engine's small state in IndexedDB (via idb): events, an LRU-bounded
// cache of item vectors, the local model state, the pending-upload queue and metadata. Falls back to an
// in-memory store (same contract) when the database cannot be opened, is blocked, or is taken away, and says
// why. The worker is the only writer. Never await a fetch or a model call inside an open transaction.
import { openDB, type DBSchema, type IDBPDatabase, type IDBPObjectStore } from 'idb';
import type { StoredEvent } from '../src/shared/engine-api.js';
import { MemoryEventStore } from './memory-store.js';
import type { EventStore, LocalModelState, NewEvent, Retention, UploadRecord } from './store-types.js';

export { MemoryEventStore };
export { DEFAULT_RETENTION } from './store-types.js';
export type { EventStore, LocalModelState, NewEvent, Retention, UploadRecord } from './store-types.js';

interface ShelfDB extends DBSchema {
  events: { key: number; value: StoredEvent; indexes: { at: number } };
  vectors: { key: [string, string]; value: { space: string; id: string; vector: Float32Array; seenAt: number }; indexes: { seenAt: number } };
  meta: { key: string; value: unknown };
  modelState: { key: string; value: LocalModelState };
  uploads: { key: number; value: UploadRecord };
}

/** v1: events, vectors, meta. v2: vectors.seenAt index (LRU), modelState, uploads. v3: vectors keyed by (space, id). */
export const SCHEMA_VERSION = 3;

/**
 * The space of vectors cached before v3, which did not record one: kept, but no model version names it, so they are
 * never ranked with (the engine never mixes spaces) and leave by the LRU.
 */
export const LEGACY_SPACE = '';

export function isQuotaError(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError' || (err instanceof Error && /quota/i.test(err.message));
}

class IdbEventStore implements EventStore {
  readonly kind = 'indexeddb' as const;
  readonly reason = null;
  constructor(private readonly db: IDBPDatabase<ShelfDB>) {}

  async addEvents(events: readonly NewEvent[]): Promise<number[]> {
    const tx = this.db.transaction('events', 'readwrite');
    const [seqs] = await Promise.all([Promise.all(events.map((e) => tx.store.add(e as StoredEvent))), tx.done]);
    return seqs;
  }
  async recentEvents(limit: number): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    let cursor = await this.db.transaction('events').store.openCursor(null, 'prev');
    while (cursor && out.length < limit) {
      out.push({ ...cursor.value, seq: cursor.key });
      cursor = await cursor.continue();
    }
    return out.reverse();
  }
  countEvents(): Promise<number> {
    return this.db.count('events');
  }
  async prune(retention: Retention, now = Date.now()): Promise<number> {
    let removed = 0;
    const tx = this.db.transaction(['events', 'vectors'], 'readwrite');
    const events = tx.objectStore('events');
    let old = await events.index('at').openCursor(IDBKeyRange.upperBound(now - retention.maxAgeMs, true));
    while (old) {
      await old.delete();
      removed++;
      old = await old.continue();
    }
    const excess = (await events.count()) - retention.maxEvents;
    let cursor = excess > 0 ? await events.openCursor() : null;
    for (let i = 0; cursor && i < excess; i++) {
      await cursor.delete();
      removed++;
      cursor = await cursor.continue();
    }
    const vectors = tx.objectStore('vectors');
    const extra = (await vectors.count()) - retention.maxVectors;
    let v = extra > 0 ? await vectors.index('seenAt').openCursor() : null;
    for (let i = 0; v && i < extra; i++) {
      await v.delete();
      v = await v.continue();
    }
    await tx.done;
    return removed;
  }
  async dropOldest(count: number): Promise<number> {
    const tx = this.db.transaction('events', 'readwrite');
    let removed = 0;
    let cursor = await tx.store.openCursor();
    while (cursor && removed < count) {
      await cursor.delete();
      removed++;
      cursor = await cursor.continue();
    }
    await tx.done;
    return removed;
  }
  async putVectors(space: string, entries: readonly (readonly [string, Float32Array])[]): Promise<void> {
    const tx = this.db.transaction('vectors', 'readwrite');
    const now = Date.now();
    await Promise.all([...entries.map(([id, vector]) => tx.store.put({ space, id, vector, seenAt: now })), tx.done]);
  }
  async getVectors(space: string, ids: readonly string[]): Promise<Map<string, Float32Array>> {
    const tx = this.db.transaction('vectors');
    const rows = await Promise.all(ids.map((id) => tx.store.get([space, id])));
    await tx.done;
    return new Map(rows.flatMap((r) => (r ? [[r.id, r.vector] as const] : [])));
  }
  async getModelState(model: string): Promise<LocalModelState | undefined> {
    return this.db.get('modelState', model);
  }
  async putModelState(state: LocalModelState): Promise<void> {
    await this.db.put('modelState', state, state.model);
  }
  async enqueueUpload(record: UploadRecord): Promise<number> {
    const { id: _id, ...rest } = record;
    return this.db.add('uploads', rest as UploadRecord);
  }
  async listUploads(): Promise<UploadRecord[]> {
    const tx = this.db.transaction('uploads');
    const out: UploadRecord[] = [];
    for (let c = await tx.store.openCursor(); c; c = await c.continue()) out.push({ ...c.value, id: c.key });
    return out;
  }
  async deleteUpload(id: number): Promise<void> {
    await this.db.delete('uploads', id);
  }
  async getMeta<T>(key: string): Promise<T | undefined> {
    return (await this.db.get('meta', key)) as T | undefined;
  }
  async setMeta(key: string, value: unknown): Promise<void> {
    await this.db.put('meta', value, key);
  }
  close(): void {
    this.db.close();
  }
}

export interface OpenOptions {
  /** Called when the connection goes away after opening (a newer schema elsewhere, or the browser closed it). */
  onClosed?: (why: string) => void;
  /** How long to wait when another tab holds an older version open before giving up on IndexedDB. */
  blockedTimeoutMs?: number;
}

/**
 * Opens the store, falling back to memory with the reason when IndexedDB is unavailable, fails to open, or
 * stays blocked by another tab.
 */
export async function openEventStore(name: string, options: OpenOptions | ((why: string) => void) = {}): Promise<EventStore> {
  const { onClosed = () => {}, blockedTimeoutMs = 3_000 } = typeof options === 'function' ? { onClosed: options } : options;
  if (typeof indexedDB === 'undefined' || indexedDB === null) return new MemoryEventStore('IndexedDB is not available');
  let gaveUp = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const blocked = new Promise<EventStore>((resolve) => {
    timer = setTimeout(() => {
      gaveUp = true;
      resolve(new MemoryEventStore(`IndexedDB is blocked by another tab holding an older version open (waited ${blockedTimeoutMs} ms)`));
    }, blockedTimeoutMs);
  });
  const opening = (async (): Promise<EventStore> => {
    let db: IDBPDatabase<ShelfDB> | null = null;
    db = await openDB<ShelfDB>(name, SCHEMA_VERSION, {
      async upgrade(database, oldVersion, _newVersion, tx) {
        // A ladder: each step only adds, so data written by older versions is kept.
        if (oldVersion < 1) {
          const events = database.createObjectStore('events', { keyPath: 'seq', autoIncrement: true });
          events.createIndex('at', 'at');
          database.createObjectStore('vectors', { keyPath: 'id' });
          database.createObjectStore('meta');
        }
        if (oldVersion < 2) {
          tx.objectStore('vectors').createIndex('seenAt', 'seenAt');
          database.createObjectStore('modelState');
          database.createObjectStore('uploads', { keyPath: 'id', autoIncrement: true });
        }
        if (oldVersion < 3) {
          // A key path cannot change in place: the rows move to a store keyed by (space, id), those cached before
          // under LEGACY_SPACE. Only IndexedDB requests are awaited here, so the upgrade transaction stays open.
          const old = tx.objectStore('vectors') as unknown as IDBPObjectStore<unknown, ArrayLike<string>, string, 'versionchange'>;
          const rows = (await old.getAll()) as { id: string; vector: Float32Array; seenAt: number }[];
          database.deleteObjectStore('vectors');
          const vectors = database.createObjectStore('vectors', { keyPath: ['space', 'id'] });
          vectors.createIndex('seenAt', 'seenAt');
          await Promise.all(rows.map((r) => vectors.put({ space: LEGACY_SPACE, id: r.id, vector: r.vector, seenAt: r.seenAt })));
        }
      },
      blocking() {
        // A newer schema wants in (another tab running newer code): step aside rather than block it.
        db?.close();
        onClosed('a newer version of the database was opened in another tab');
      },
      terminated() {
        onClosed('the browser closed the database');
      },
    });
    if (gaveUp) {
      db.close();
      throw new Error('opened after giving up');
    }
    return new IdbEventStore(db);
  })();
  try {
    return await Promise.race([opening, blocked]);
  } catch (err) {
    return new MemoryEventStore(`IndexedDB could not be opened: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  } finally {
    clearTimeout(timer);
    opening.catch(() => {});
  }
}

/**
 * Appends events; when storage is full, drops the oldest events (a tenth of the log, at least as many as are
 * being added) and tries again, so the newest events are the ones kept.
 * @returns the sequence numbers and how many old events were dropped to make room
 */
export async function appendEvents(store: EventStore, events: readonly NewEvent[], attempts = 4): Promise<{ seqs: number[]; dropped: number }> {
  let dropped = 0;
  for (let i = 0; ; i++) {
    try {
      return { seqs: await store.addEvents(events), dropped };
    } catch (err) {
      if (!isQuotaError(err) || i + 1 >= attempts) throw err;
      const count = await store.countEvents();
      const removed = await store.dropOldest(Math.max(events.length, Math.ceil(count / 10) * (i + 1)));
      dropped += removed;
      if (removed === 0) throw err;
    }
  }
}

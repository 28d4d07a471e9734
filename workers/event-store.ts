// The visitor's behaviour log and the engine's small state, in IndexedDB (via idb), with an in-memory
// stand-in when the database cannot be opened (private mode, blocked storage) and the reason reported.
// The worker is the only writer. Never await a fetch or a model call inside an open transaction.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { StoredEvent } from '../src/shared/engine-api.js';

export type NewEvent = Omit<StoredEvent, 'seq'>;

export interface EventStore {
  readonly kind: 'indexeddb' | 'memory';
  readonly reason: string | null;
  /** Appends events in one transaction; returns their sequence numbers. */
  addEvents(events: readonly NewEvent[]): Promise<number[]>;
  /** The newest `limit` events, oldest first. */
  recentEvents(limit: number): Promise<StoredEvent[]>;
  countEvents(): Promise<number>;
  putVectors(entries: readonly (readonly [string, Float32Array])[]): Promise<void>;
  getVectors(ids: readonly string[]): Promise<Map<string, Float32Array>>;
  getMeta<T>(key: string): Promise<T | undefined>;
  setMeta(key: string, value: unknown): Promise<void>;
  close(): void;
}

interface ShelfDB extends DBSchema {
  events: { key: number; value: StoredEvent; indexes: { at: number } };
  vectors: { key: string; value: { id: string; vector: Float32Array; seenAt: number } };
  meta: { key: string; value: unknown };
}

export const SCHEMA_VERSION = 1;

class IdbEventStore implements EventStore {
  readonly kind = 'indexeddb' as const;
  readonly reason = null;
  constructor(private readonly db: IDBPDatabase<ShelfDB>) {}

  async addEvents(events: readonly NewEvent[]): Promise<number[]> {
    const tx = this.db.transaction('events', 'readwrite');
    const seqs = await Promise.all(events.map((e) => tx.store.add(e as StoredEvent)));
    await tx.done;
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
  async putVectors(entries: readonly (readonly [string, Float32Array])[]): Promise<void> {
    const tx = this.db.transaction('vectors', 'readwrite');
    const now = Date.now();
    await Promise.all([...entries.map(([id, vector]) => tx.store.put({ id, vector, seenAt: now })), tx.done]);
  }
  async getVectors(ids: readonly string[]): Promise<Map<string, Float32Array>> {
    const tx = this.db.transaction('vectors');
    const rows = await Promise.all(ids.map((id) => tx.store.get(id)));
    await tx.done;
    return new Map(rows.flatMap((r) => (r ? [[r.id, r.vector] as const] : [])));
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

/** Same contract, kept in memory for this worker's life. */
export class MemoryEventStore implements EventStore {
  readonly kind = 'memory' as const;
  private readonly events: StoredEvent[] = [];
  private readonly vectors = new Map<string, Float32Array>();
  private readonly meta = new Map<string, unknown>();
  constructor(readonly reason: string) {}

  async addEvents(events: readonly NewEvent[]): Promise<number[]> {
    return events.map((e) => {
      const seq = this.events.length + 1;
      this.events.push({ ...e, seq });
      return seq;
    });
  }
  async recentEvents(limit: number): Promise<StoredEvent[]> {
    return this.events.slice(-limit);
  }
  async countEvents(): Promise<number> {
    return this.events.length;
  }
  async putVectors(entries: readonly (readonly [string, Float32Array])[]): Promise<void> {
    for (const [id, v] of entries) this.vectors.set(id, v);
  }
  async getVectors(ids: readonly string[]): Promise<Map<string, Float32Array>> {
    return new Map(ids.flatMap((id) => (this.vectors.has(id) ? [[id, this.vectors.get(id)!] as const] : [])));
  }
  async getMeta<T>(key: string): Promise<T | undefined> {
    return this.meta.get(key) as T | undefined;
  }
  async setMeta(key: string, value: unknown): Promise<void> {
    this.meta.set(key, value);
  }
  close(): void {}
}

/**
 * Opens the store, falling back to memory with the reason when IndexedDB is unavailable or blocked.
 * @param onClosed called when another tab upgrades the schema or the browser terminates the connection
 */
export async function openEventStore(name: string, onClosed: (why: string) => void = () => {}): Promise<EventStore> {
  if (typeof indexedDB === 'undefined') return new MemoryEventStore('IndexedDB is not available');
  try {
    const db = await openDB<ShelfDB>(name, SCHEMA_VERSION, {
      upgrade(database, oldVersion) {
        if (oldVersion < 1) {
          const events = database.createObjectStore('events', { keyPath: 'seq', autoIncrement: true });
          events.createIndex('at', 'at');
          database.createObjectStore('vectors', { keyPath: 'id' });
          database.createObjectStore('meta');
        }
      },
      blocking() {
        // A newer schema wants in (another tab): step aside rather than block it.
        db.close();
        onClosed('a newer version of the database was opened elsewhere');
      },
      terminated() {
        onClosed('the browser closed the database');
      },
    });
    return new IdbEventStore(db);
  } catch (err) {
    return new MemoryEventStore(`IndexedDB could not be opened: ${err instanceof Error ? err.message : String(err)}`);
  }
}

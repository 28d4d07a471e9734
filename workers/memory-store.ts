// The event store's in-memory stand-in: the same contract as the IndexedDB store, kept for this worker's life
// (private mode, blocked or missing IndexedDB). Must behave exactly like the real store so the engine never
// branches on which one it has.
import type { StoredEvent } from '../src/shared/engine-api.js';
import type { EventStore, LocalModelState, NewEvent, Retention, UploadRecord } from './store-types.js';

export class MemoryEventStore implements EventStore {
  readonly kind = 'memory' as const;
  private events: StoredEvent[] = [];
  private nextSeq = 1;
  private readonly vectors = new Map<string, { vector: Float32Array; seenAt: number }>();
  private readonly meta = new Map<string, unknown>();
  private readonly states = new Map<string, LocalModelState>();
  private readonly uploads = new Map<number, UploadRecord>();
  private nextUpload = 1;
  constructor(readonly reason: string) {}

  async addEvents(events: readonly NewEvent[]): Promise<number[]> {
    return events.map((e) => {
      const seq = this.nextSeq++;
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
  async prune(retention: Retention, now = Date.now()): Promise<number> {
    const before = this.events.length;
    this.events = this.events.filter((e) => e.at >= now - retention.maxAgeMs);
    if (this.events.length > retention.maxEvents) this.events = this.events.slice(-retention.maxEvents);
    const extra = this.vectors.size - retention.maxVectors;
    if (extra > 0) {
      const oldest = [...this.vectors].sort((a, b) => a[1].seenAt - b[1].seenAt).slice(0, extra);
      for (const [id] of oldest) this.vectors.delete(id);
    }
    return before - this.events.length;
  }
  async dropOldest(count: number): Promise<number> {
    const n = Math.min(count, this.events.length);
    this.events = this.events.slice(n);
    return n;
  }
  async putVectors(space: string, entries: readonly (readonly [string, Float32Array])[]): Promise<void> {
    const now = Date.now();
    for (const [id, vector] of entries) this.vectors.set(vectorKey(space, id), { vector, seenAt: now });
  }
  async getVectors(space: string, ids: readonly string[]): Promise<Map<string, Float32Array>> {
    return new Map(ids.flatMap((id) => {
      const row = this.vectors.get(vectorKey(space, id));
      return row ? [[id, row.vector] as const] : [];
    }));
  }
  async getModelState(model: string): Promise<LocalModelState | undefined> {
    return this.states.get(model);
  }
  async putModelState(state: LocalModelState): Promise<void> {
    this.states.set(state.model, state);
  }
  async enqueueUpload(record: UploadRecord): Promise<number> {
    const id = this.nextUpload++;
    this.uploads.set(id, { ...record, id });
    return id;
  }
  async listUploads(): Promise<UploadRecord[]> {
    return [...this.uploads.values()];
  }
  async deleteUpload(id: number): Promise<void> {
    this.uploads.delete(id);
  }
  async getMeta<T>(key: string): Promise<T | undefined> {
    return this.meta.get(key) as T | undefined;
  }
  async setMeta(key: string, value: unknown): Promise<void> {
    this.meta.set(key, value);
  }
  close(): void {}
}

/** One key per (space, id): a space id never holds the separator. */
const vectorKey = (space: string, id: string) => `${space}\u0000${id}`;

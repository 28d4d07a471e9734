// The event store's contract and its records, shared by the IndexedDB store and its in-memory stand-in.
// Types and constants only.
import type { StoredEvent } from '../src/shared/engine-api.js';

export type NewEvent = Omit<StoredEvent, 'seq'>;

/** What the engine keeps between page loads to continue learning where it stopped. */
export interface LocalModelState {
  readonly model: string;
  /** The global version the local weights started from. */
  readonly baseVersion: number;
  /** The upload's local weights. */
  readonly weights: Float32Array;
  /** The visitor's personal weights (their own ranking; never uploaded), when they differ from `weights`. Absent in states saved before them. */
  readonly personal?: Float32Array | null;
  /** Part of (weights − base) already uploaded, or null. */
  readonly sentDelta: Float32Array | null;
  readonly pendingExamples: number;
  readonly trainedSteps: number;
  readonly savedAt: number;
}

/** A queued upload (for the federated path): any structured-cloneable payload. */
export interface UploadRecord {
  readonly id?: number;
  readonly createdAt: number;
  readonly payload: unknown;
}

export interface Retention {
  /** Keep at most this many events (oldest removed first). */
  readonly maxEvents: number;
  /** Remove events older than this. */
  readonly maxAgeMs: number;
  /** Keep at most this many cached item vectors (least recently seen removed first). */
  readonly maxVectors: number;
}

/** 30 days, 5,000 events, 5,000 item vectors. */
export const DEFAULT_RETENTION: Retention = Object.freeze({ maxEvents: 5_000, maxAgeMs: 30 * 86_400_000, maxVectors: 5_000 });

export interface EventStore {
  readonly kind: 'indexeddb' | 'memory';
  readonly reason: string | null;
  /** Appends events in one transaction; returns their sequence numbers. */
  addEvents(events: readonly NewEvent[]): Promise<number[]>;
  /** The newest `limit` events, oldest first. */
  recentEvents(limit: number): Promise<StoredEvent[]>;
  countEvents(): Promise<number>;
  /** Removes events past the retention limits and the least recently seen vectors; returns events removed. */
  prune(retention: Retention, now?: number): Promise<number>;
  /** Removes the `count` oldest events (quota relief). */
  dropOldest(count: number): Promise<number>;
  /** Caches item vectors of one vector space (keyed by space and id: a space's vectors never stand in for another's). */
  putVectors(space: string, entries: readonly (readonly [string, Float32Array])[]): Promise<void>;
  /** The cached vectors of `ids` in `space`; ids without one are absent from the map. */
  getVectors(space: string, ids: readonly string[]): Promise<Map<string, Float32Array>>;
  getModelState(model: string): Promise<LocalModelState | undefined>;
  putModelState(state: LocalModelState): Promise<void>;
  enqueueUpload(record: UploadRecord): Promise<number>;
  listUploads(): Promise<UploadRecord[]>;
  deleteUpload(id: number): Promise<void>;
  getMeta<T>(key: string): Promise<T | undefined>;
  setMeta(key: string, value: unknown): Promise<void>;
  close(): void;
}

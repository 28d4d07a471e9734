// The storage seam: everything routes and startup may ask of the database, and nothing more.
// Implementations (PGlite now, PostgreSQL later) must make every change durable before their promise
// resolves, and must never leave a version half-written or fold one update into two versions.
import type { Manifest } from '../../src/shared/protocol.js';

/** A published model version: its manifest and the exact bytes of its weights file. */
export interface ModelVersion {
  readonly manifest: Manifest;
  /** float32 little-endian, in manifest weight order (the bytes of `weights.bin`). */
  readonly weights: Uint8Array;
}

/** An accepted update not yet folded into a version. */
export interface PendingUpdate {
  readonly id: number;
  readonly exampleCount: number;
  /** float32 little-endian deltas, exactly as uploaded (decoded from base64). */
  readonly delta: Uint8Array;
}

/** An update that passed validation and is about to be stored. */
export interface NewUpdate {
  readonly model: string;
  readonly baseVersion: number;
  readonly exampleCount: number;
  readonly delta: Uint8Array;
}

/**
 * Builds the next version from the current one and the pending updates on it. Called inside the store's
 * transaction, so it must be pure and synchronous; throwing rolls the whole ingestion back.
 */
export type Aggregator = (base: ModelVersion, updates: readonly PendingUpdate[]) => ModelVersion;

export interface IngestPolicy {
  /** Pending updates on the current version that trigger aggregation. */
  readonly minUpdates: number;
  readonly aggregate: Aggregator;
}

export type IngestResult =
  /** Stored; `published` is the version this update completed, if any. */
  | { readonly status: 'accepted'; readonly pending: number; readonly published: number | null }
  /** Nothing stored: the model has no versions. */
  | { readonly status: 'unknown_model' }
  /** Nothing stored: the update was computed against an older (or unknown) version. */
  | { readonly status: 'stale'; readonly current: number };

/** Counts for health checks and tests. */
export interface ModelCounts {
  readonly versions: number;
  /** Unconsumed updates on the current version. */
  readonly pending: number;
  /** All updates ever stored for the model, consumed or not. */
  readonly updates: number;
}

export interface Store {
  /** The current version's manifest, or null when the model has none. */
  current(model: string): Promise<Manifest | null>;
  manifest(model: string, version: number): Promise<Manifest | null>;
  /** The bytes of a version's `weights.bin`, or null. */
  weights(model: string, version: number): Promise<Uint8Array | null>;
  /**
   * Stores a model's first version and makes it current.
   * @throws Error when the model already has a version (seeding is only for an empty model).
   */
  importSeed(version: ModelVersion): Promise<void>;
  /**
   * Stores an update on the model's current version and, when enough are pending, publishes the next version
   * in the same transaction. Concurrent calls are serialized per model.
   */
  ingest(update: NewUpdate, policy: IngestPolicy): Promise<IngestResult>;
  counts(model: string): Promise<ModelCounts>;
  /** Waits for work in progress, then releases the database. */
  close(): Promise<void>;
}

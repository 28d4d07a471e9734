// The one typed seam between the page and the engine worker. The worker's engine `satisfies EngineApi` and
// is exposed with comlink; the page wraps it. Only plain data crosses (never a tensor); no DOM, Worker or
// Node types here.
import type { EventType } from './events.js';
import type { PackedRerankRequest, PackedRerankResult } from './rerank-wire.js';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const DEFAULT_BACKENDS: readonly BackendName[] = Object.freeze(['webgpu', 'webgl', 'wasm', 'cpu'] as const);

/** Engine settings, resolved by the page from the developer's options (see ShelfOptions for docs). */
export interface EngineConfig {
  /** Absolute base URL of Shelf's backend, ending in '/'. */
  readonly serverUrl: string;
  /** The shop's public site key, sent with every ticket request and upload (absent: none is sent). */
  readonly siteKey?: string;
  /**
   * Pinned helper aggregator keys: lowercase hex SHA-256 of each raw P-256 public key (absent: no pin). With a pin
   * the worker seals reports only to a pinned key and sends no plain update.
   */
  readonly helperKeySha256?: readonly string[];
  readonly model: string;
  readonly backends: readonly BackendName[];
  readonly allowSoftwareGpu: boolean;
  /** New positive events that trigger a local training step. */
  readonly trainEvery: number;
  /** Local examples needed before an update is uploaded. */
  readonly uploadMinExamples: number;
  /** No two update uploads closer than this many ms (absent: 0). The worker also sends at most one per round. */
  readonly uploadMinIntervalMs?: number;
  /** How often the engine checks for a new global model version. */
  readonly modelCheckIntervalMs: number;
  /** IndexedDB database name (one per shop origin by default). */
  readonly dbName: string;
  readonly debug: boolean;
  /** Keep at most this many events on the device (oldest removed first). Default 5,000. */
  readonly maxEvents?: number;
  /** Remove events older than this many days. Default 30. */
  readonly retentionDays?: number;
}

/** A behaviour event, as the page hands it to the engine. */
export interface TrackInput {
  readonly type: EventType;
  readonly itemId: string;
  readonly listId?: string;
  /** 0-based position in the list where the item was shown. */
  readonly position?: number;
  /** The item's vector, when the page has it (otherwise the engine uses the one it cached from a list). */
  readonly vector?: readonly number[];
  /** The rerank that produced the list this event came from. */
  readonly rerankId?: string;
  /** For view_item_list: the ids shown, in order (impressions). */
  readonly shownIds?: readonly string[];
}

export interface CandidateInput {
  readonly id: string;
  readonly vector?: ArrayLike<number> | null;
  /** The item's category, for `adjust.diversity`. */
  readonly category?: string;
  /** false marks the item out of stock, for `adjust.excludeOutOfStock`. */
  readonly inStock?: boolean;
}

/** Adjustments applied after the model's scores (or to the server's order when the model could not rank). */
export interface RerankAdjustments {
  /** Items shown `after` (default 3) times or more without engagement sink `step` (default 2) places per showing. */
  readonly fatigue?: boolean | { readonly after?: number; readonly step?: number };
  /** Items the visitor already bought: moved to the end, or removed. */
  readonly purchased?: 'demote' | 'remove';
  /** At most `maxPerCategory` items of one category in the top `topK` (default 10), MMR-style. */
  readonly diversity?: { readonly maxPerCategory: number; readonly topK?: number; readonly lambda?: number };
  /** Item id → 0-based position it must take. */
  readonly pinned?: Readonly<Record<string, number>>;
  /** Drop candidates with `inStock: false`. */
  readonly excludeOutOfStock?: boolean;
}

/**
 * Candidate vectors packed by the page into one buffer (transferred, not copied element by element):
 * candidate i's vector is row `rows[i]` of `vectors` ([rows × dim], row-major); -1: the candidate's own `vector`.
 */
export interface PackedVectors {
  readonly dim: number;
  readonly vectors: Float32Array;
  readonly rows: Int32Array;
}

export interface RerankRequest {
  readonly candidates: readonly CandidateInput[];
  /** The candidates' vectors as one binary block (what the SDK sends); see PackedVectors. */
  readonly packed?: PackedVectors;
  readonly listId?: string;
  readonly limit?: number;
  readonly adjust?: RerankAdjustments;
}

/** Why the server's order was returned instead of the model's. */
export type FallbackReason =
  | 'cold_start'
  | 'no_model'
  | 'no_vectors'
  | 'invalid_candidates'
  | 'empty'
  | 'model_error'
  | 'timeout'
  | 'worker_unavailable'
  | 'worker_crashed'
  | 'not_initialized'
  | 'disabled'
  | 'model_unavailable'
  | 'model_integrity';

export interface RankedItem {
  readonly id: string;
  /** The model's score, or null when the item had no usable vector (it keeps its server slot). */
  readonly score: number | null;
  /** The item's 0-based position in the server's list. */
  readonly serverRank: number;
}

export interface RerankResult {
  readonly rerankId: string;
  readonly items: readonly RankedItem[];
  readonly source: 'model' | 'fallback';
  readonly reason: FallbackReason | null;
  readonly modelVersion: number | null;
  readonly backend: BackendName | null;
  /** Problems found in the input that were repaired (duplicates dropped, bad vectors ignored, …). */
  readonly notes: readonly string[];
}

export interface EngineStatus {
  readonly ready: boolean;
  readonly backend: BackendName | null;
  /** Backends tried before the one in use, with why each was skipped. */
  readonly skippedBackends: readonly { backend: BackendName; reason: string }[];
  readonly model: string;
  readonly modelVersion: number | null;
  readonly storage: 'indexeddb' | 'memory';
  readonly storageReason: string | null;
  readonly events: number;
  readonly pendingExamples: number;
  readonly uploads: number;
  readonly lastError: string | null;
  /** Why this backend was chosen (adapter kind, warm-up time). */
  readonly backendReason?: string;
  /** Live tfjs tensors in the engine (should stay flat across re-ranks). */
  readonly numTensors?: number;
  /** Local optimiser steps taken on this device since the base version (persisted across page loads). */
  readonly trainedSteps?: number;
  /** Where local training runs: 'worker' (a second worker) or 'inline' when that worker could not start. */
  readonly training?: 'worker' | 'inline' | 'off';
  /** Why the model is not ready, when it is not. */
  readonly modelError?: string | null;
  /** Old events dropped because storage was full. */
  readonly droppedForQuota?: number;
  /** Why uploads are off until the page reloads (e.g. the server refused the site key); null while they run. */
  readonly uploadsStopped?: string | null;
}

export interface FlushResult {
  readonly trainedSteps: number;
  readonly examples: number;
  readonly uploaded: boolean;
  /** HTTP status of the upload, when one was attempted. */
  readonly status: number | null;
  /** Version published by the server because of this upload, if any. */
  readonly published: number | null;
  readonly reason: string | null;
}

/** What the worker exposes. Every method resolves; failures of developer-facing calls reject with ShelfError. */
export interface EngineApi {
  init(config: EngineConfig): Promise<EngineStatus>;
  /** Records an event. It is visible to the next rerank call at once; resolves when it is stored. */
  track(event: TrackInput): Promise<boolean>;
  rerank(request: RerankRequest): Promise<RerankResult>;
  /** The same re-rank with a binary request and reply (what the page uses; see rerank-wire.ts). */
  rerankPacked(request: PackedRerankRequest): Promise<PackedRerankResult>;
  status(): Promise<EngineStatus>;
  /** Trains on what is pending and uploads the update now. */
  flush(): Promise<FlushResult>;
  /**
   * The page was hidden (tab switch, navigation away, app switched): learns from what is new and uploads the
   * update if one is due (enough examples, the interval passed), while the page can still send its keepalive
   * request. Resolves null when nothing is pending; never rejects.
   */
  pageHidden(): Promise<FlushResult | null>;
  /** Fetches the latest global version and switches to it when it is newer. */
  checkForUpdate(): Promise<EngineStatus>;
  /** Stored events, newest last (for the privacy panel and tests). */
  events(limit?: number): Promise<readonly StoredEvent[]>;
}

export interface StoredEvent {
  readonly seq: number;
  readonly type: EventType;
  readonly itemId: string;
  readonly at: number;
  readonly listId?: string;
  readonly position?: number;
  readonly rerankId?: string;
  /** For view_item_list: the ids shown, in order. */
  readonly shownIds?: readonly string[];
}

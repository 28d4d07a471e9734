// The storage seam: everything routes and startup may ask of the database, and nothing more.
// Implementations (PGlite now, PostgreSQL later) must make every change durable before their promise
// resolves, never leave a version half-written, never fold one update into two versions, and never accept
// one ticket twice.
import type { Quantized } from '../../src/shared/federated/quantize.js';
import type { Manifest } from '../../src/shared/protocol.js';
import type { RoundFailure, RoundState } from '../federated/round-state.js';
import type { SpentRounds } from '../federated/privacy.js';
import type { AddItemsResult, ImportRequest, ImportResult } from './import-version.js';
import type { SpaceHead, SpaceTable } from './vector-spaces.js';

export type { AddItemsResult, ImportRequest, ImportResult } from './import-version.js';
export type { NewSpace, SpaceHead, SpaceTable } from './vector-spaces.js';

/** A published model version: its manifest and the exact bytes of its weights file. */
export interface ModelVersion {
  readonly manifest: Manifest;
  /** float32 little-endian, in manifest weight order (the bytes of `weights.bin`). */
  readonly weights: Uint8Array;
  /** Server optimiser state after this version (FedAdam's moments), or null. */
  readonly optimizerState?: Uint8Array | null;
}

/** A round of federated learning on one base version. */
export interface Round {
  readonly id: number;
  readonly model: string;
  readonly baseVersion: number;
  readonly state: RoundState;
  /** Updates accepted in this round so far. */
  readonly pending: number;
}

/** An accepted update not yet folded into a version. */
export interface PendingUpdate {
  readonly id: number;
  /** The bucketed example count the client reported. */
  readonly exampleCount: number;
  /**
   * The update: its stored int8 form (summed without a float32 copy), or float32 for rows stored before
   * migration 4.
   */
  readonly values: Float32Array | Quantized;
}

/** An update that passed validation and is about to be stored. */
export interface NewUpdate {
  readonly model: string;
  readonly round: number;
  readonly baseVersion: number;
  readonly exampleCount: number;
  /**
   * The update as it arrived, already checked, stored in this form: int8 with one scale per chunk (central rounds),
   * or a secure-aggregation report (`report`: the leader's share and the helper's sealed seed). Exactly one is set.
   */
  readonly quantized?: Quantized;
  readonly report?: Uint8Array;
  /** The ticket's nonce: stored with the update, so a ticket is accepted once. */
  readonly ticketNonce: string;
}

export interface AggregateContext {
  readonly round: number;
  /** The number the new version must have: one above the highest ever stored (rolled-back ones included). */
  readonly nextVersion: number;
  /** The model's published DP rounds so far (for the accountant). */
  readonly spent: readonly SpentRounds[];
}

export interface Aggregated {
  readonly version: ModelVersion;
  /** The (q, z) this round is accounted with. */
  readonly sampleRate: number;
  readonly noiseMultiplier: number;
}

/**
 * Builds the next version from the current one and the round's updates. Called inside the store's transaction:
 * pure and synchronous. Throwing RoundFailedError fails the round (committed); any other error rolls back.
 */
export type Aggregator = (base: ModelVersion, updates: readonly PendingUpdate[], ctx: AggregateContext) => Aggregated;

export interface IngestPolicy {
  /** Minimum cohort: updates in the round that trigger aggregation. */
  readonly minUpdates: number;
  readonly aggregate: Aggregator;
  /**
   * Secure rounds: the update completing the cohort only closes the round (state aggregating, `closing` in its
   * result); the two aggregators' sum is computed afterwards and published with `publishRound`.
   */
  readonly deferred?: boolean;
}

/** A stored secure-aggregation report of a round. */
export interface StoredReport {
  readonly id: number;
  /** The ticket's nonce: the report id the sealed seed is bound to. */
  readonly nonce: string;
  readonly report: Uint8Array;
}

/** The mechanism a round's release is accounted with (stored with the round; null: central Gaussian). */
export interface RoundMechanism {
  readonly kind: 'skellam';
  /** Fixed-point bits: the L2 sensitivity in integer units is 2^bits. */
  readonly bits: number;
  readonly params: number;
  /** Variance of the noise on the released sum, integer units. */
  readonly variance: number;
}

/** Builds the next version of a closed secure round from its base (inside the publishing transaction: pure, synchronous). */
export type DeferredAggregator = (base: ModelVersion, ctx: AggregateContext) => Aggregated & { readonly mechanism: RoundMechanism | null };

export type PublishResult =
  | { readonly status: 'published'; readonly version: number }
  | { readonly status: 'failed'; readonly reason: RoundFailure }
  /** The round is no longer closing (published or failed meanwhile, or superseded by an admin change). */
  | { readonly status: 'not_closing' };

export type IngestResult =
  /** Stored; `published` is the version this update completed, `failed` why its round failed instead. */
  | { readonly status: 'accepted'; readonly pending: number; readonly published: number | null; readonly failed?: RoundFailure; readonly closing?: number }
  /** Nothing stored: the model has no versions. */
  | { readonly status: 'unknown_model' }
  /** Nothing stored: the update was computed against an older (or unknown) version. */
  | { readonly status: 'stale'; readonly current: number }
  /** Nothing stored: the round is not the open one (closed, failed, or never existed). */
  | { readonly status: 'wrong_round'; readonly current: number | null }
  /** Nothing stored: this ticket was already used. */
  | { readonly status: 'ticket_used' };

/** Counts for health checks and tests. */
export interface ModelCounts {
  readonly versions: number;
  /** Updates in the open round. */
  readonly pending: number;
  /** All updates ever stored for the model, consumed or not. */
  readonly updates: number;
}

/** A row of the admin API's version list. */
export interface VersionInfo {
  readonly manifest: Manifest;
  readonly current: boolean;
}

export interface Store {
  /** The current version's manifest, or null when the model has none. */
  current(model: string): Promise<Manifest | null>;
  manifest(model: string, version: number): Promise<Manifest | null>;
  /** The bytes of a version's `weights.bin`, or null. */
  weights(model: string, version: number): Promise<Uint8Array | null>;
  /**
   * Stores a model's first version and makes it current.
   * @throws ModelExistsError when the model already has a version (seeding is only for an empty model).
   */
  importSeed(version: ModelVersion): Promise<void>;
  /**
   * The open round on the current version, opening one if there is none. Null when the model is unknown or
   * training has stopped (`stopped` says why).
   */
  openRound(model: string): Promise<{ round: Round | null; stopped: string | null }>;
  /**
   * Stores an update in its round and, when the cohort is complete, aggregates and publishes the next version
   * (and opens the next round) in the same transaction. Concurrent calls are serialized per model and may be
   * committed together (group commit); each resolves only once the transaction holding its update has committed,
   * with the result it would have had alone in arrival order.
   */
  ingest(update: NewUpdate, policy: IngestPolicy): Promise<IngestResult>;
  /** Every version, newest first. */
  versions(model: string): Promise<VersionInfo[]>;
  /**
   * Makes an existing version current (publish or roll back): the open round fails as superseded and a new
   * one opens on that version. Returns the previous current version.
   * @throws Error when the version does not exist.
   */
  setCurrent(model: string, version: number): Promise<{ previous: number }>;
  /** How many updates (or reports) each published round folded in: the operator's dashboard (never a public route). */
  roundSizes(model: string): Promise<{ round: number; updates: number }[]>;
  /** A closing (aggregating) round's reports, in arrival order. */
  roundReports(model: string, round: number): Promise<StoredReport[]>;
  /** Rounds of the model waiting to be published (state aggregating), oldest first. */
  closingRounds(model: string): Promise<number[]>;
  /**
   * Publishes a closed secure round in one transaction: `aggregate` builds the version from the current one (or
   * throws RoundFailedError to fail the round); the reports' values are dropped, the next round opens.
   */
  publishRound(model: string, round: number, aggregate: DeferredAggregator): Promise<PublishResult>;
  /** Published DP rounds grouped by (q, z). */
  spent(model: string): Promise<SpentRounds[]>;
  counts(model: string): Promise<ModelCounts>;
  /**
   * Publishes a trained version with its vector space in one transaction (admin API): stores the space (or reuses
   * one with the same id and contents), writes the version under the next number, and when asked (always for a
   * model's first version) makes it current and opens a round on it.
   */
  importVersion(request: ImportRequest): Promise<ImportResult>;
  /** Adds items new to a space (one transaction): nothing is written when an id is already there. */
  addSpaceItems(space: string, ids: readonly string[], vectors: Uint8Array, sha256: string, dim: number): Promise<AddItemsResult>;
  /** The space named, or (null) the one `model`'s current version names; null when it is not stored. */
  spaceHead(space: string | null, model: string): Promise<SpaceHead | null>;
  /** A whole stored space, in row order, or null. */
  spaceTable(space: string): Promise<SpaceTable | null>;
  /** Waits for work in progress, then releases the database. */
  close(): Promise<void>;
}

/** importSeed into a model that already has versions (another replica imported it first, or a rerun). */
export class ModelExistsError extends Error {
  constructor(readonly model: string) {
    super(`model ${model} already has versions; a seed is only imported into an empty model`);
    this.name = 'ModelExistsError';
  }
}

// The engine's item vectors for the model in use: those the page sends (kept, and cached in the model's vector
// space) and those it lacks (looked up by the VectorSource: the cache of that space, then Shelf's server), held in
// the visitor's in-memory LRU for exactly one space at a time. Must never let a vector of one space rank for a model
// of another, and never make a rerank wait more than VECTOR_WAIT_MS for the network.
import type { EventStore } from './event-store.js';
import { fillVectors, freshVectors, idsWithoutVectors } from './rank-steps.js';
import type { PreparedCandidates } from './ranking.js';
import { VectorSource } from './vector-source.js';
import type { VisitorState } from './visitor-state.js';

/**
 * How long a rerank waits for vectors it had to fetch (below the page's default 250 ms timeout); past it, the
 * items keep their server slots this time and the vectors serve the next call.
 */
export const VECTOR_WAIT_MS = 200;

export interface ItemVectorsHost {
  readonly visitor: VisitorState;
  serverUrl(): string;
  store(): EventStore | null;
  /** New vectors arrived for the history: the visitor's state should be computed again. */
  changed(): void;
  note(err: unknown): void;
}

export class ItemVectors {
  /** The vector space of the model in use: the only one whose vectors it ranks with. */
  private space: string | null = null;
  private readonly source: VectorSource;

  constructor(private readonly host: ItemVectorsHost) {
    this.source = new VectorSource({
      serverUrl: () => host.serverUrl(),
      store: () => host.store(),
      found: (space, entries) => this.keep(space, entries),
      note: (err) => host.note(err),
    });
  }

  /** Ranks in `space` from now on: a new space forgets the old one's vectors and reads the new one's for the history. */
  use(space: string, dim: number): void {
    if (space !== this.space) this.host.visitor.clearVectors();
    this.space = space;
    this.source.use(space, dim);
    void this.source.lookup(this.host.visitor.idsWithoutVectors(true), 0);
  }

  /** A tracked event: its vector when the page sent one (kept and cached), else its ids are fetched soon. */
  tracked(itemId: string, vector: Float32Array | null, shownIds: readonly string[] | undefined): void {
    const { visitor } = this.host;
    // Persisted too (in the model's space), so the restored history of the next page load can use it.
    if (vector && this.space !== null && visitor.setVector(itemId, vector)) this.cache([[itemId, vector]]);
    if (this.space !== null) this.source.request([itemId, ...(shownIds ?? [])].filter((id) => !visitor.vectors.has(id)));
  }

  /**
   * A rerank's candidates with every vector the engine has or can fetch within VECTOR_WAIT_MS (the page's own are
   * kept and cached first); the history's missing vectors are looked up in the same requests.
   */
  async complete(prepared: PreparedCandidates, dim: number): Promise<PreparedCandidates> {
    const { visitor } = this.host;
    const fresh = freshVectors(prepared, visitor, dim);
    if (fresh.length) this.cache(fresh);
    const lacking = [...idsWithoutVectors(prepared).filter((id) => !visitor.vectors.has(id)), ...visitor.idsWithoutVectors()];
    if (lacking.length > 0) await this.source.lookup(lacking, VECTOR_WAIT_MS);
    return fillVectors(prepared, visitor.vectors, dim);
  }

  private cache(entries: readonly (readonly [string, Float32Array])[]): void {
    if (this.space !== null) void this.host.store()?.putVectors(this.space, entries).catch((err: unknown) => this.host.note(err));
  }

  /** Vectors found by the VectorSource: kept while the model still ranks in their space. */
  private keep(space: string, entries: readonly (readonly [string, Float32Array])[]): void {
    if (space !== this.space) return;
    for (const [id, v] of entries) this.host.visitor.setVector(id, v);
    this.host.changed();
  }
}

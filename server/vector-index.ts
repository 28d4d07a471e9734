// The vector spaces the server answers GET /v1/vectors from, held in memory and indexed by item id, so a request
// costs one small query (the space's revision) and a map lookup per id. A space is loaded once per revision
// (items added → reloaded); the few most recently used are kept. Must never serve rows of one revision under
// another's number, and never load the same space twice at once.
import type { SpaceHead, SpaceTable, Store } from './storage/store.js';

/** A loaded space: row of each id, and its vectors' bytes (float32 little-endian). */
export interface SpaceIndex {
  readonly id: string;
  readonly dim: number;
  readonly revision: number;
  readonly rowOf: ReadonlyMap<string, number>;
  readonly bytes: Buffer;
}

/** Spaces kept in memory at once (the current one, and those of versions pages may still be running). */
const KEEP = 4;

/**
 * How long a space's head (id, dim, revision; for the default, which space the current version names) is reused
 * without asking the database: the bound on how late another replica's added items or change of current version are
 * seen here (a space not found is asked for again on the next request). This process's own admin writes are seen
 * at once (invalidate()).
 */
export const HEAD_TTL_MS = 1_000;

export class VectorIndex {
  readonly #loaded = new Map<string, Promise<SpaceIndex | null>>();
  readonly #heads = new Map<string, { at: number; head: Promise<SpaceHead | null> }>();

  constructor(private readonly store: Pick<Store, 'spaceTable' | 'spaceHead'>) {}

  /** The head of `space` (null: the one `model`'s current version names), at most HEAD_TTL_MS old. */
  head(space: string | null, model: string): Promise<SpaceHead | null> {
    const key = space === null ? `\u0000${model}` : space;
    const now = Date.now();
    const held = this.#heads.get(key);
    if (held && now - held.at < HEAD_TTL_MS) return held.head;
    const head = this.store.spaceHead(space, model);
    this.#heads.set(key, { at: now, head });
    // Only a space found is reused: one published a moment ago through another replica must not answer 404 here.
    const forget = () => this.#heads.get(key)?.head === head && this.#heads.delete(key);
    head.then((h) => h === null && forget(), forget);
    if (this.#heads.size > 64) this.#heads.delete(this.#heads.keys().next().value!);
    return head;
  }

  /** Loads the space `model`'s current version names, in the background (at start: the first page need not wait). */
  warm(model: string): void {
    void this.head(null, model)
      .then((h) => (h ? this.get(h) : null))
      .catch(() => undefined);
  }

  /** Forgets every head: a version was published or items were added by this process. */
  invalidate(): void {
    this.#heads.clear();
  }

  /** The space at the revision `head` names (loaded now when this process holds another or none). */
  async get(head: SpaceHead): Promise<SpaceIndex | null> {
    const key = head.id;
    const held = this.#loaded.get(key);
    if (held) {
      const index = await held.catch(() => null);
      if (index && index.revision >= head.revision) {
        // Most recently used last.
        this.#loaded.delete(key);
        this.#loaded.set(key, held);
        return index;
      }
      if (this.#loaded.get(key) !== held) return this.get(head);
    }
    const loading = this.store.spaceTable(key).then((t) => (t ? indexOf(t) : null));
    this.#loaded.delete(key);
    this.#loaded.set(key, loading);
    loading.catch(() => this.#loaded.get(key) === loading && this.#loaded.delete(key));
    while (this.#loaded.size > KEEP) this.#loaded.delete(this.#loaded.keys().next().value!);
    return loading;
  }
}

function indexOf(t: SpaceTable): SpaceIndex {
  const rowOf = new Map<string, number>();
  t.ids.forEach((id, i) => rowOf.set(id, i));
  const v = t.vectors;
  return { id: t.id, dim: t.dim, revision: t.revision, rowOf, bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength) };
}

/** The base64 of row `row`'s vector. */
export function rowBase64(index: SpaceIndex, row: number): string {
  const size = index.dim * 4;
  return index.bytes.toString('base64', row * size, row * size + size);
}

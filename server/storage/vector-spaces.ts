// SQL of vector spaces (item tables: ids and float32 vectors) shared by PGlite and PostgreSQL: a space is written
// once as part 0 and only grows, by appended parts; `revision` counts the parts. Must never change or remove a
// stored row (a page may hold its vector), and never run outside the caller's transaction when it writes.
import type { SqlRunner } from './migrations.js';

/** A space to store with a published version: `vectors` holds ids.length × dim float32 values, little-endian. */
export interface NewSpace {
  readonly id: string;
  readonly dim: number;
  readonly ids: readonly string[];
  readonly vectors: Uint8Array;
  /** sha256 (hex) of `vectors`. */
  readonly sha256: string;
}

/** What a request needs to know of a space before it reads vectors. */
export interface SpaceHead {
  readonly id: string;
  readonly dim: number;
  /** Parts written so far (1 after publishing; +1 per batch of items added). */
  readonly revision: number;
  readonly items: number;
}

/** A whole space, in row order. */
export interface SpaceTable extends SpaceHead {
  readonly ids: readonly string[];
  /** items × dim float32 values. */
  readonly vectors: Float32Array;
}

interface SpaceRow {
  id: string;
  dim: number;
  sha256: string;
  ids_sha256: string;
  items: number;
  revision: number;
}

const head = (r: SpaceRow): SpaceHead => ({ id: r.id, dim: r.dim, revision: r.revision, items: r.items });

/** The space's row, locked against concurrent additions when `lock` (inside a transaction). */
export async function findSpace(tx: SqlRunner, id: string, lock = false): Promise<(SpaceHead & { sha256: string; idsSha256: string }) | null> {
  const { rows } = await tx.query<SpaceRow>(
    `SELECT id, dim, sha256, ids_sha256, items, revision FROM vector_spaces WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  const r = rows[0];
  return r ? { ...head(r), sha256: r.sha256, idsSha256: r.ids_sha256 } : null;
}

/** Writes a new space as its part 0. */
export async function insertSpace(tx: SqlRunner, s: NewSpace, idsSha256: string): Promise<void> {
  await tx.query('INSERT INTO vector_spaces (id, dim, sha256, ids_sha256, items, revision) VALUES ($1, $2, $3, $4, $5, 1)', [s.id, s.dim, s.sha256, idsSha256, s.ids.length]);
  await tx.query('INSERT INTO vector_space_parts (space, part, ids, vectors, sha256) VALUES ($1, 0, $2, $3, $4)', [s.id, JSON.stringify(s.ids), s.vectors, s.sha256]);
}

/** Every item id of a space (all parts). */
export async function spaceIds(tx: SqlRunner, id: string): Promise<Set<string>> {
  const { rows } = await tx.query<{ ids: string }>('SELECT ids FROM vector_space_parts WHERE space = $1 ORDER BY part', [id]);
  const out = new Set<string>();
  for (const r of rows) for (const item of JSON.parse(r.ids) as string[]) out.add(item);
  return out;
}

/** Appends a part of new items; returns the space's new revision. The caller has checked the ids are new. */
export async function appendPart(tx: SqlRunner, space: SpaceHead, ids: readonly string[], vectors: Uint8Array, sha256: string): Promise<number> {
  const revision = space.revision + 1;
  await tx.query('INSERT INTO vector_space_parts (space, part, ids, vectors, sha256) VALUES ($1, $2, $3, $4, $5)', [space.id, space.revision, JSON.stringify(ids), vectors, sha256]);
  await tx.query('UPDATE vector_spaces SET revision = $2, items = items + $3 WHERE id = $1', [space.id, revision, ids.length]);
  return revision;
}

/** A space's id, dim and revision: the one named, or (id null) the one of `model`'s current version. One query. */
export async function spaceHead(tx: SqlRunner, id: string | null, model: string): Promise<SpaceHead | null> {
  const { rows } = await tx.query<SpaceRow>(
    `SELECT id, dim, sha256, ids_sha256, items, revision FROM vector_spaces WHERE id = COALESCE($1::text,
       (SELECT v.manifest->>'vectorSpace' FROM models m JOIN model_versions v ON v.model = m.name AND v.version = m.current_version WHERE m.name = $2))`,
    [id, model],
  );
  return rows[0] ? head(rows[0]) : null;
}

/** The name of the space `model`'s current version ranks with (whether or not it is stored), or null. */
export async function currentSpaceName(tx: SqlRunner, model: string): Promise<string | null> {
  const { rows } = await tx.query<{ space: string | null }>(
    `SELECT v.manifest->>'vectorSpace' AS space FROM models m JOIN model_versions v ON v.model = m.name AND v.version = m.current_version WHERE m.name = $1`,
    [model],
  );
  return rows[0]?.space ?? null;
}

/** The whole space as stored, parts in order. */
export async function readSpace(tx: SqlRunner, id: string): Promise<SpaceTable | null> {
  const space = await findSpace(tx, id);
  if (!space) return null;
  const { rows } = await tx.query<{ ids: string; vectors: Uint8Array }>('SELECT ids, vectors FROM vector_space_parts WHERE space = $1 AND part < $2 ORDER BY part', [id, space.revision]);
  const ids: string[] = [];
  const vectors = new Float32Array(space.items * space.dim);
  let at = 0;
  for (const r of rows) {
    for (const item of JSON.parse(r.ids) as string[]) ids.push(item);
    const part = new Float32Array(r.vectors.buffer.slice(r.vectors.byteOffset, r.vectors.byteOffset + r.vectors.byteLength));
    vectors.set(part, at);
    at += part.length;
  }
  if (ids.length !== space.items || at !== vectors.length) throw new Error(`vector space ${id}: ${ids.length} ids and ${at / space.dim} rows stored, ${space.items} expected`);
  return { id: space.id, dim: space.dim, revision: space.revision, items: space.items, ids, vectors };
}

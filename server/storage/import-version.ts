// The admin API's two writes of trained models, each one transaction: publish a model version with its vector
// space (store or reuse the space, write the version with lineage `import`, make it current and open a round on
// it), and add items to a space. Shared SQL for PGlite and PostgreSQL. Must never leave half a publish behind,
// never change a stored vector, and never let two spaces share an id with different contents.
import { createHash } from 'node:crypto';
import type { SqlRunner } from './migrations.js';
import { dropValues, insertVersion, liveRound, openRoundOn, setRoundState } from './sql-versions.js';
import type { ModelVersion } from './store.js';
import { appendPart, findSpace, insertSpace, spaceIds, type NewSpace } from './vector-spaces.js';

/** Advisory lock key taken while a version is imported (any 64-bit key only Shelf takes). */
const IMPORT_LOCK = 0x5e1f_0003;

export interface ImportRequest {
  readonly model: string;
  readonly space: NewSpace;
  /** Make the new version current (a model without versions always gets it as current). */
  readonly makeCurrent: boolean;
  /** Free-form record of the training run, stored beside the version; null: none. */
  readonly training: unknown;
  /** The version to write, given the number the store assigned (one above the highest ever stored). */
  build(version: number): ModelVersion;
}

export type ImportResult =
  | { readonly status: 'published'; readonly version: number; readonly current: boolean; readonly spaceReused: boolean }
  /** Nothing written: a space with this id holds other contents. */
  | { readonly status: 'space_exists'; readonly message: string };

export type AddItemsResult =
  | { readonly status: 'added'; readonly added: number; readonly revision: number }
  | { readonly status: 'unknown_space' }
  /** Nothing written: the vectors are not of the space's dimension. */
  | { readonly status: 'wrong_dim'; readonly dim: number }
  /** Nothing written: these ids (the first few) are already in the space. */
  | { readonly status: 'item_exists'; readonly ids: readonly string[] };

export const idsSha256 = (ids: readonly string[]) => createHash('sha256').update(JSON.stringify(ids), 'utf8').digest('hex');

export async function importVersion(tx: SqlRunner, r: ImportRequest): Promise<ImportResult> {
  // Replicas importing at once: one at a time, so a space id or a model's first version is written once.
  await tx.query('SELECT pg_advisory_xact_lock($1)', [IMPORT_LOCK]);
  const idsHash = idsSha256(r.space.ids);
  const existing = await findSpace(tx, r.space.id, true);
  let reused = false;
  if (existing) {
    if (existing.sha256 !== r.space.sha256 || existing.idsSha256 !== idsHash || existing.dim !== r.space.dim) {
      return { status: 'space_exists', message: `vector space '${r.space.id}' already exists with other contents; publish the new table under a new space id` };
    }
    reused = true;
  } else {
    await insertSpace(tx, r.space, idsHash);
  }
  // The model's row, locked like every round change; absent for a model's first version.
  const head = await tx.query<{ current_version: number; stopped: string | null }>('SELECT current_version, stopped FROM models WHERE name = $1 FOR UPDATE', [r.model]);
  const m = head.rows[0];
  const { rows } = await tx.query<{ max: number | null }>('SELECT max(version)::integer AS max FROM model_versions WHERE model = $1', [r.model]);
  const version = (rows[0]?.max ?? 0) + 1;
  const built = r.build(version);
  if (built.manifest.name !== r.model || built.manifest.version !== version) throw new Error(`import built ${built.manifest.name} v${built.manifest.version}; expected ${r.model} v${version}`);
  await insertVersion(tx, built);
  if (r.training !== null && r.training !== undefined) {
    await tx.query('UPDATE model_versions SET training = $3::jsonb WHERE model = $1 AND version = $2', [r.model, version, JSON.stringify(r.training)]);
  }
  if (!m) {
    await tx.query('INSERT INTO models (name, current_version) VALUES ($1, $2)', [r.model, version]);
    await tx.query("INSERT INTO version_changes (model, from_version, to_version, kind) VALUES ($1, NULL, $2, 'import')", [r.model, version]);
    await openRoundOn(tx, r.model, version);
    return { status: 'published', version, current: true, spaceReused: reused };
  }
  if (!r.makeCurrent) return { status: 'published', version, current: false, spaceReused: reused };
  const live = await liveRound(tx, r.model);
  if (live) {
    await setRoundState(tx, live, 'failed', { failure: 'superseded' });
    await dropValues(tx, 'round_id = $1', live.id);
  }
  await tx.query('UPDATE models SET current_version = $1, updated_at = now() WHERE name = $2', [version, r.model]);
  await tx.query("INSERT INTO version_changes (model, from_version, to_version, kind) VALUES ($1, $2, $3, 'import')", [r.model, m.current_version, version]);
  if (!m.stopped) await openRoundOn(tx, r.model, version);
  return { status: 'published', version, current: true, spaceReused: reused };
}

export async function addItems(tx: SqlRunner, spaceId: string, ids: readonly string[], vectors: Uint8Array, sha256: string, dim: number): Promise<AddItemsResult> {
  const space = await findSpace(tx, spaceId, true);
  if (!space) return { status: 'unknown_space' };
  if (space.dim !== dim) return { status: 'wrong_dim', dim: space.dim };
  const known = await spaceIds(tx, spaceId);
  const clash = ids.filter((id) => known.has(id));
  if (clash.length > 0) return { status: 'item_exists', ids: clash.slice(0, 5) };
  const revision = await appendPart(tx, space, ids, vectors, sha256);
  return { status: 'added', added: ids.length, revision };
}

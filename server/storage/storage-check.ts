// Says what is wrong, and where, when a PGlite data folder cannot be used: a truncated control file or write-ahead
// log (PGlite itself only aborts with `RuntimeError: Aborted()`), and tables that lost rows or blocks (a
// half-truncated versions table would otherwise surface as a misleading seed error). Runs once when the store opens.
// Must never repair or change anything: a damaged folder is the operator's to restore.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SqlRunner } from './migrations.js';

/** The store's folder cannot be opened or read consistently; the message names the folder and the damage. */
export class StorageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageError';
  }
}

const PG_CONTROL_BYTES = 8192;
const WAL_SEGMENT_BYTES = 16 * 1024 * 1024;
const RESTORE = 'Restore the folder from a backup, or move it away to start with an empty database (the seed model is imported again).';

/** Files PostgreSQL cannot start without, checked by size before PGlite is asked to open the folder. */
async function fileProblems(dir: string): Promise<string[]> {
  const problems: string[] = [];
  const control = path.join(dir, 'global', 'pg_control');
  const size = await stat(control).then((s) => s.size, () => null);
  if (size === null) problems.push(`${control} is missing`);
  else if (size !== PG_CONTROL_BYTES) problems.push(`${control} is ${size} bytes; PostgreSQL's control file is ${PG_CONTROL_BYTES}`);
  const walDir = path.join(dir, 'pg_wal');
  const segments = await readdir(walDir).then((names) => names.filter((n) => /^[0-9A-F]{24}$/.test(n)), () => null);
  if (segments === null) problems.push(`${walDir} is missing`);
  for (const name of segments ?? []) {
    const s = await stat(path.join(walDir, name));
    if (s.size !== WAL_SEGMENT_BYTES) problems.push(`${path.join(walDir, name)} is ${s.size} bytes; a write-ahead log segment is ${WAL_SEGMENT_BYTES}`);
  }
  return problems;
}

/** True when `dir` holds a PostgreSQL cluster (PG_VERSION), i.e. PGlite will open it rather than create one. */
export async function isCluster(dir: string): Promise<boolean> {
  return stat(path.join(dir, 'PG_VERSION')).then(() => true, () => false);
}

/**
 * The error to throw when PGlite failed to open an existing folder: its files' sizes when they explain it, else
 * PGlite's own message.
 */
export async function openFailure(dir: string, err: unknown): Promise<StorageError> {
  const cause = err instanceof Error ? err.message : String(err);
  const problems = await fileProblems(dir).catch(() => []);
  const what = problems.length > 0 ? problems.join('; ') : `PGlite could not start on it (${cause})`;
  return new StorageError(`the database in ${dir} is damaged and cannot be opened: ${what}. ${RESTORE}`);
}

/** A PostgreSQL read error naming a relation file ("… in file "base/5/16395" …"), with the table it belongs to. */
async function describeReadError(db: SqlRunner, dir: string, err: unknown): Promise<string> {
  const message = err instanceof Error ? err.message : String(err);
  const file = /(?:file|relation) "([^"]+)"/.exec(message)?.[1];
  if (!file) return message;
  const table = await db
    .query<{ relname: string }>(
      `SELECT coalesce(t.relname, c.relname) AS relname FROM pg_class c LEFT JOIN pg_class t ON t.reltoastrelid = c.oid
        WHERE pg_relation_filepath(c.oid) = $1`,
      [file],
    )
    .then((r) => r.rows[0]?.relname ?? null, () => null);
  return `${message} (${path.join(dir, file)}${table ? `, table ${table}` : ''})`;
}

/**
 * Reads what the server needs to start through the indexes as well as by scanning, so a table that lost blocks or
 * rows is reported: every model's current version has its row, and every version the change log says was made is
 * still stored. Weights are checked later, per model (server/readiness.ts), so an operator can still roll back.
 * @throws StorageError naming the folder, the file and the table.
 */
export async function checkTables(db: SqlRunner, dir: string): Promise<void> {
  let missing: { model: string; version: number; what: string }[];
  try {
    const current = await db.query<{ model: string; version: number }>(
      `SELECT m.name AS model, m.current_version AS version FROM models m
        WHERE NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.model = m.name AND v.version = m.current_version)`,
    );
    const logged = await db.query<{ model: string; version: number }>(
      `SELECT DISTINCT c.model, c.to_version AS version FROM version_changes c
        WHERE c.kind <> 'admin' AND NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.model = c.model AND v.version = c.to_version)`,
    );
    const orphans = await db.query<{ model: string; version: number }>(
      `SELECT DISTINCT v.model, v.version FROM model_versions v WHERE NOT EXISTS (SELECT 1 FROM models m WHERE m.name = v.model)`,
    );
    missing = [
      ...current.rows.map((r) => ({ ...r, what: 'is its current version but has no row in model_versions' })),
      ...logged.rows.map((r) => ({ ...r, what: 'was published (version_changes) but has no row in model_versions' })),
      ...orphans.rows.map((r) => ({ ...r, what: 'is stored but its model has no row in models' })),
    ];
  } catch (err) {
    throw new StorageError(`the database in ${dir} is damaged: ${await describeReadError(db, dir, err)}. ${RESTORE}`);
  }
  if (missing.length > 0) {
    const list = missing.slice(0, 5).map((m) => `${m.model} v${m.version} ${m.what}`);
    throw new StorageError(`the database in ${dir} is damaged (a table lost rows): ${list.join('; ')}. ${RESTORE}`);
  }
}

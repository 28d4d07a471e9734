// Keeps the server's data folder private to the user running it: folders 0700, files 0600. PGlite writes the files
// of a new database (its initdb image) with mode 0666 whatever the umask, and rewrites a few (pg_internal.init)
// as 0644 on every start, so the modes are set after it opens and again while it runs and when it closes.
// Must never follow a symbolic link out of the folder, nor widen any mode.
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

/** Mode bits nobody but the owner may have anywhere in the data folder. */
const OTHERS = 0o077;

/** How often an open PGlite folder is swept for files PGlite (re)created with wider modes. */
export const SWEEP_INTERVAL_MS = 60_000;

/**
 * Makes new files this process creates owner-only (umask 077) where Node allows it (not in a worker thread).
 * @returns false where the umask could not be set
 */
export function restrictUmask(): boolean {
  try {
    process.umask(process.umask() | OTHERS);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates `dir` if needed and takes group and other permissions off the folder itself (not what is in it: the
 * server's data folder may be one the operator chose, holding other things; the files the server writes there are
 * made under restrictUmask, or with mode 0600).
 */
export async function privateFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  if ((st.mode & OTHERS) !== 0) await chmod(dir, st.mode & 0o700);
}

/** Creates `dir` if needed and takes group and other permissions off it and everything in it (PGlite's folder). */
export async function secureDataFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await restrict(dir);
}

async function restrict(p: string): Promise<void> {
  let st;
  try {
    st = await lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // removed meanwhile (PGlite's temporary files)
    throw err;
  }
  if (st.isSymbolicLink()) return;
  if ((st.mode & OTHERS) !== 0) await chmod(p, st.mode & 0o700).catch(ignoreGone);
  if (!st.isDirectory()) return;
  const names = await readdir(p).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? [] : Promise.reject(err)));
  for (const name of names) await restrict(path.join(p, name));
}

function ignoreGone(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}

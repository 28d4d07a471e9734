// The PGlite folder is private to the server's user: 0700 folders and 0600 files after a fresh open (PGlite writes
// its initdb image 0666), after a reopen (PGlite rewrites pg_internal.init 0644 on every start), after writes that
// create files, and for a folder left 0666/0755 by an earlier version of the server.
import { chmod, lstat, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSeeded } from '../seed.js';
import { STORE_TIMEOUT_MS, makeVersion, tempDir, writeSeed } from '../testing.js';
import { PgliteStore } from './pglite-store.js';

/** Every path under `dir` (and `dir`) whose mode gives group or others any permission, with that mode. */
async function exposed(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string) => {
    const st = await lstat(p);
    if ((st.mode & 0o077) !== 0) out.push(`${path.relative(dir, p) || '.'} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const n of await readdir(p)) await walk(path.join(p, n));
  };
  await walk(dir);
  return out;
}

describe('PGlite data folder permissions', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp?.remove());

  it('keeps a new database folder 0700 and its files 0600 through open, writes, reopen and close', async () => {
    const dir = path.join(tmp.dir, 'db');
    let store = await PgliteStore.open(dir);
    expect(await exposed(dir)).toEqual([]);
    const seeds = path.join(tmp.dir, 'seeds');
    for (let v = 1; v <= 2; v++) await writeSeed(seeds, makeVersion('perm', v));
    await ensureSeeded(store, { model: 'perm', seedDir: seeds });
    await store.close();
    expect(await exposed(dir)).toEqual([]);
    store = await PgliteStore.open(dir);
    expect(await exposed(dir)).toEqual([]);
    await store.close();
    expect(await exposed(dir)).toEqual([]);
    expect(((await lstat(dir)).mode & 0o777).toString(8)).toBe('700');
  }, STORE_TIMEOUT_MS);

  it('takes group and other permissions off a folder left open by an earlier server', async () => {
    const dir = path.join(tmp.dir, 'db');
    await chmod(dir, 0o755);
    await chmod(path.join(dir, 'PG_VERSION'), 0o666);
    await writeFile(path.join(dir, 'left-over'), 'x', { mode: 0o666 });
    await chmod(path.join(dir, 'left-over'), 0o666);
    expect((await exposed(dir)).length).toBeGreaterThan(0);
    const store = await PgliteStore.open(dir);
    expect(await exposed(dir)).toEqual([]);
    await store.close();
  }, STORE_TIMEOUT_MS);
});

// A damaged PGlite folder is a startup error that says what is wrong and where: a truncated control file or
// write-ahead log segment (PGlite alone dies with `RuntimeError: Aborted()`), and a half-truncated versions or
// models table (which used to surface as "a seed is only imported into an empty model"). Real PGlite folders,
// damaged on disk the way a full disk or a bad copy does.
import { cp, readdir, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSeeded } from '../seed.js';
import { STORE_TIMEOUT_MS, makeVersion, tempDir, writeSeed } from '../testing.js';
import { PgliteStore } from './pglite-store.js';
import { StorageError } from './storage-check.js';

const MODEL = 'damage-test';

describe('opening a damaged PGlite folder', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let base: string;
  const files: Record<string, string> = {};

  beforeAll(async () => {
    tmp = await tempDir();
    base = path.join(tmp.dir, 'base');
    const store = await PgliteStore.open(base);
    const seeds = path.join(tmp.dir, 'seeds');
    for (let v = 1; v <= 3; v++) await writeSeed(seeds, makeVersion(MODEL, v));
    await ensureSeeded(store, { model: MODEL, seedDir: seeds });
    await store.close();
    const db = await PGlite.create(base);
    for (const t of ['model_versions', 'models']) {
      files[t] = (await db.query<{ p: string }>(`SELECT pg_relation_filepath('${t}') AS p`)).rows[0]!.p;
    }
    await db.close();
  }, STORE_TIMEOUT_MS);
  afterAll(() => tmp?.remove());

  /** A copy of the seeded folder with `damage` done to it, opened: the error it gives. */
  async function openDamaged(name: string, damage: (dir: string) => Promise<void>): Promise<Error> {
    const dir = path.join(tmp.dir, name);
    await cp(base, dir, { recursive: true });
    await damage(dir);
    const err = await PgliteStore.open(dir).then(
      async (s) => {
        await s.close();
        return null;
      },
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(StorageError);
    expect(err!.message).toContain(dir);
    expect(err!.message).not.toMatch(/Aborted|seed is only imported/);
    return err!;
  }

  it('names a truncated pg_control', async () => {
    const err = await openDamaged('control', (d) => truncate(path.join(d, 'global', 'pg_control'), 100));
    expect(err.message).toMatch(/global\/pg_control is 100 bytes; PostgreSQL's control file is 8192/);
  }, STORE_TIMEOUT_MS);

  it('names a truncated write-ahead log segment', async () => {
    const err = await openDamaged('wal', async (d) => {
      const wal = path.join(d, 'pg_wal');
      const seg = (await readdir(wal)).find((n) => /^[0-9A-F]{24}$/.test(n))!;
      await truncate(path.join(wal, seg), 4096);
    });
    expect(err.message).toMatch(/pg_wal\/[0-9A-F]{24} is 4096 bytes; a write-ahead log segment is 16777216/);
  }, STORE_TIMEOUT_MS);

  for (const table of ['model_versions', 'models']) {
    it(`says the ${table} table lost rows when its file is cut in half`, async () => {
      const err = await openDamaged(table, async (d) => {
        const file = path.join(d, files[table]!);
        await truncate(file, Math.floor((await stat(file)).size / 2));
      });
      expect(err.message).toMatch(/damaged/);
      expect(err.message).toMatch(table === 'models' ? /has no row in models/ : /has no row in model_versions/);
    }, STORE_TIMEOUT_MS);
  }

  it('opens the undamaged folder', async () => {
    const dir = path.join(tmp.dir, 'intact');
    await cp(base, dir, { recursive: true });
    const store = await PgliteStore.open(dir);
    expect((await store.current(MODEL))?.version).toBe(3);
    await store.close();
  }, STORE_TIMEOUT_MS);
});

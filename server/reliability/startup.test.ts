// The real server process (`server/main.ts`) refuses to start, and says why and where, on a data folder it must
// not use: a malformed admin-token file (never silently replaced) and a truncated pg_control (PGlite alone dies
// with `RuntimeError: Aborted()`).
import { spawn } from 'node:child_process';
import { mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteStore } from '../storage/pglite-store.js';
import { STORE_TIMEOUT_MS, tempDir } from '../testing.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Runs the server until it exits (or 60 s); its exit code and everything it wrote. */
function runServer(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/main.ts')], {
      cwd: ROOT,
      env: { ...process.env, SHELF_LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', SHELF_ADMIN_TOKEN: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('server startup on a data folder it must not use', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp?.remove());

  it('refuses a malformed admin-token file, says why, and leaves it alone', async () => {
    const dir = path.join(tmp.dir, 'token');
    await mkdir(dir);
    await writeFile(path.join(dir, 'admin-token'), 'short\n');
    const { code, output } = await runServer({ SHELF_DATA_DIR: dir });
    expect(code).toBe(1);
    expect(output).toContain(path.join(dir, 'admin-token'));
    expect(output).toMatch(/5 characters; it must have at least 16/);
    expect(await readFile(path.join(dir, 'admin-token'), 'utf8')).toBe('short\n');
  }, STORE_TIMEOUT_MS * 2);

  it('names a truncated pg_control instead of dying with RuntimeError: Aborted()', async () => {
    const dir = path.join(tmp.dir, 'control');
    const store = await PgliteStore.open(path.join(dir, 'db'));
    await store.close();
    await truncate(path.join(dir, 'db', 'global', 'pg_control'), 100);
    const { code, output } = await runServer({ SHELF_DATA_DIR: dir });
    expect(code).toBe(1);
    expect(output).toContain(`${path.join(dir, 'db', 'global', 'pg_control')} is 100 bytes`);
    expect(output).not.toMatch(/Aborted\(\)/);
  }, STORE_TIMEOUT_MS * 2);
});

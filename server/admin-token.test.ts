// The admin token file: made once, owner-only; a file that exists but holds no usable token (empty, short, two
// lines, spaces) or cannot be read makes the server refuse to start with the reason, and is never replaced.
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminTokenError, ensureAdminTokenFile } from './admin-token.js';
import { tempDir } from './testing.js';

describe('admin token file', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => tmp?.remove());

  it('makes an admin token file once, readable by its owner only', () => {
    const dir = path.join(tmp.dir, 'tok');
    const first = ensureAdminTokenFile(dir);
    expect(first.created).toBe(true);
    expect(first.token.length).toBeGreaterThanOrEqual(32);
    expect(statSync(first.file).mode & 0o077).toBe(0);
    expect(readFileSync(first.file, 'utf8').trim()).toBe(first.token);
    expect(ensureAdminTokenFile(dir)).toEqual({ ...first, created: false });
    expect(existsSync(first.file)).toBe(true);
  });

  for (const [what, content, reason] of [
    ['empty', '', /it is empty/],
    ['short', 'abc\n', /3 characters; it must have at least 16/],
    ['two lines', 'a'.repeat(20) + '\n' + 'b'.repeat(20) + '\n', /2 lines/],
    ['with spaces', 'my secret admin token\n', /spaces/],
  ] as const) {
    it(`refuses a ${what} file, says why, and leaves it as it was`, () => {
      const dir = path.join(tmp.dir, what.replace(' ', '-'));
      mkdirSync(dir);
      const file = path.join(dir, 'admin-token');
      writeFileSync(file, content, { mode: 0o600 });
      let err: unknown = null;
      try {
        ensureAdminTokenFile(dir);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AdminTokenError);
      expect((err as Error).message).toContain(file);
      expect((err as Error).message).toMatch(reason);
      expect(readFileSync(file, 'utf8')).toBe(content);
    });
  }
});

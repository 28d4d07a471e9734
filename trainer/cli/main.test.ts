// The command line's failure contract: one line on stderr naming what is wrong (file, line and field for a bad
// row), exit code 1 (2 for usage), no stack trace, and nothing written.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'shelf-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let errors: string[] = [];
let logs: string[] = [];
beforeEach(() => {
  errors = [];
  logs = [];
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logs.push(a.join(' ')));
});
afterEach(() => vi.restoreAllMocks());

describe('shelf', () => {
  it('imports a good feed and reports a bad one in one line with file, line and field', async () => {
    writeFileSync(join(dir, 'good.tsv'), 'id\ttitle\nsku-1\tShoe\n');
    expect(await main(['import', 'feed', join(dir, 'good.tsv'), '--out', join(dir, 'ws')])).toBe(0);
    expect(logs.join('\n')).toMatch(/1 items \(tsv\)/);
    writeFileSync(join(dir, 'bad.jsonl'), '{"id":"a","title":"A"}\n{"id":"b","title":"B","gtin":"12"}\n');
    expect(await main(['import', 'feed', join(dir, 'bad.jsonl'), '--out', join(dir, 'ws2')])).toBe(1);
    expect(errors).toEqual([`shelf import: ${join(dir, 'bad.jsonl')}:2: gtin: must be 8 to 14 digits`]);
    expect(existsSync(join(dir, 'ws2', 'feed.jsonl'))).toBe(false);
  });

  it('says what is missing in one line: a file, an imported history, a bundle, a token', async () => {
    expect(await main(['import', 'history', join(dir, 'nope.csv'), '--out', join(dir, 'ws')])).toBe(1);
    expect(errors.pop()).toBe(`shelf import: ${join(dir, 'nope.csv')}: cannot read the file (ENOENT)`);
    expect(await main(['train', '--in', join(dir, 'empty'), '--no-progress'])).toBe(1);
    expect(errors.pop()).toMatch(/^shelf train: .*history\.tsv: no imported history here: run `shelf import history <file> --out <dir>` first$/);
    expect(await main(['evaluate', '--in', join(dir, 'ws')])).toBe(1);
    expect(errors.pop()).toMatch(/^shelf evaluate: .*bundle: not a model bundle/);
    const saved = process.env['SHELF_ADMIN_TOKEN'];
    delete process.env['SHELF_ADMIN_TOKEN'];
    expect(await main(['publish', '--server', 'http://127.0.0.1:1', join(dir, 'b')])).toBe(2);
    expect(errors.pop()).toBe('shelf publish: the admin token is required: --token T or SHELF_ADMIN_TOKEN');
    if (saved !== undefined) process.env['SHELF_ADMIN_TOKEN'] = saved;
    expect(await main(['train', '--epochs', 'many'])).toBe(2);
    expect(errors.pop()).toBe('shelf train: --epochs must be a number, got many');
    expect(await main(['import', 'feed', 'x.tsv', '--bogus'])).toBe(2);
    expect(errors.pop()).toMatch(/^shelf import: Unknown option '--bogus'/);
    expect(await main(['fly'])).toBe(2);
    for (const e of errors) expect(e).not.toMatch(/\n\s+at /);
  });
});

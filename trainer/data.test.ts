// The benchmark data folder has its own variable, so the server's SHELF_DATA_DIR never redirects the trainer.
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDataDir } from './data.js';

const saved = { bench: process.env['SHELF_BENCH_DATA'], server: process.env['SHELF_DATA_DIR'] };
afterEach(() => {
  for (const [k, v] of [['SHELF_BENCH_DATA', saved.bench], ['SHELF_DATA_DIR', saved.server]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('defaultDataDir', () => {
  it('reads SHELF_BENCH_DATA and ignores the server folder SHELF_DATA_DIR', () => {
    delete process.env['SHELF_BENCH_DATA'];
    process.env['SHELF_DATA_DIR'] = '/srv/shelf';
    expect(defaultDataDir()).toBe('../shared/data');
    process.env['SHELF_BENCH_DATA'] = '/data/sets';
    expect(defaultDataDir()).toBe('/data/sets');
  });
});

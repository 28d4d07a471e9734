import { describe, expect, it } from 'vitest';
import type { ShelfClient } from './client.js';
import { installGlobal } from './install.js';
import { QUEUED_METHODS } from './methods.js';

function fakeClient(log: string[]): ShelfClient {
  const c: Record<string, unknown> = {};
  for (const m of QUEUED_METHODS) c[m] = async (...args: unknown[]) => (log.push(`${m}(${args.map((a) => JSON.stringify(a)).join(',')})`), `${m}-done`);
  return c as unknown as ShelfClient;
}

describe('installGlobal', () => {
  it('replays debug first, then the first init, then the rest in call order; settles each queued Promise', async () => {
    const log: string[] = [];
    const settled: unknown[] = [];
    const q: unknown[] = [
      ['track', [{ type: 'view_item', itemId: 'a' }], (v: unknown) => settled.push(v)],
      ['consent', ['granted']],
      ['init', [{ dbName: 'x' }]],
      ['debug', [true]],
      ['init', [{ dbName: 'second' }]],
      ['nonsense', [], (v: unknown) => settled.push(v)],
      ['rerank', [[]]],
    ];
    const win = { shelf: q } as unknown as Window;
    const api = installGlobal(win, fakeClient(log))!;
    await new Promise((r) => setTimeout(r, 0));
    expect(log).toEqual(['debug(true)', 'init({"dbName":"x"})', 'init({"dbName":"second"})', 'track({"type":"view_item","itemId":"a"})', 'consent("granted")', 'rerank([])']);
    expect(settled).toEqual([undefined, 'track-done']);
    expect(api.initialized).toBe(true);
    expect((win as unknown as { shelf: unknown }).shelf).toBe(q); // in place: the stub's captured functions still work
  });

  it('turns later pushes (from the stub functions) into calls, and installs once', async () => {
    const log: string[] = [];
    const q: unknown[] = [];
    const win = { shelf: q } as unknown as Window;
    const api = installGlobal(win, fakeClient(log))!;
    let result: unknown;
    api.push(['track', ['Product Viewed', { product_id: 'p' }], (v) => (result = v)]);
    await expect(api.status()).resolves.toBe('status-done');
    expect(installGlobal(win, fakeClient(log))).toBe(api);
    await new Promise((r) => setTimeout(r, 0));
    expect(result).toBe('track-done');
    expect(log).toEqual(['init()', 'track("Product Viewed",{"product_id":"p"})', 'status()']);
  });
});

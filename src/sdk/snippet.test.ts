import { createContext, runInContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { QUEUED_METHODS } from './methods.js';
import { buildSnippet, buildSnippetTag } from './snippet.js';

/** Runs the snippet in a minimal fake page; returns the page and the scripts it added. */
function runSnippet(code: string, times = 1, nonce = 'n0nce') {
  const added: Record<string, unknown>[] = [];
  const document = {
    currentScript: { nonce },
    createElement: () => ({}) as Record<string, unknown>,
    head: { appendChild: (el: Record<string, unknown>) => added.push(el) },
  };
  // As in a browser, `window` is the global object itself.
  const window: Record<string, unknown> = createContext({ document, Promise });
  window['window'] = window;
  for (let i = 0; i < times; i++) runInContext(code, window);
  return { window, added };
}

describe('buildSnippet', () => {
  const loaderUrl = 'https://cdn.example/sdk/shelf-loader.js';

  it('stubs every queued method and loads the loader once, async, with SRI and the nonce', () => {
    const { window, added } = runSnippet(buildSnippet({ loaderUrl, integrity: 'sha384-abc' }));
    const stub = window['shelf'] as Record<string, unknown>;
    for (const m of QUEUED_METHODS) expect(typeof stub[m]).toBe('function');
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ src: loaderUrl, async: true, integrity: 'sha384-abc', crossOrigin: 'anonymous', nonce: 'n0nce' });
  });

  it('queues calls in order, each with the resolver of the Promise it returned', async () => {
    const { window } = runSnippet(buildSnippet({ loaderUrl, init: { debug: true } }));
    const stub = window['shelf'] as unknown as unknown[][] & { track(...a: unknown[]): Promise<unknown> };
    const p = stub.track('view_item', { items: [] });
    expect(stub.map((c) => c[0])).toEqual(['init', 'track']);
    expect(stub[0]![1]).toEqual([{ debug: true }]);
    (stub[1]![2] as (v: unknown) => void)(true);
    await expect(p).resolves.toBe(true);
  });

  it('settles queued calls with undefined when the loader cannot load', async () => {
    const { window, added } = runSnippet(buildSnippet({ loaderUrl }));
    const stub = window['shelf'] as unknown as { rerank(...a: unknown[]): Promise<unknown>; failed?: boolean };
    const p = stub.rerank([{ id: 'a' }]);
    (added[0]!['onerror'] as () => void)();
    await expect(p).resolves.toBeUndefined();
    expect(stub.failed).toBe(true);
  });

  it('does nothing the second time it is included', () => {
    const code = buildSnippet({ loaderUrl });
    const { window, added } = runSnippet(code, 2);
    expect(added).toHaveLength(1);
    expect((window['shelf'] as unknown[]).length).toBe(0);
  });

  it('escapes the URL and closes no script tag early', () => {
    const tag = buildSnippetTag({ loaderUrl: 'https://x/"</script>', nonce: 'a"b' });
    expect(tag.match(/<\/script>/g)).toHaveLength(1);
    expect(tag).toContain('nonce="ab"');
  });
});

// The engine's VectorSource with a fake server (fetch) and the in-memory store: batches of at most 200 sorted ids,
// cache first, vectors kept by (space, id), nothing of another space or of the wrong length accepted, missing ids
// not asked for again at once, a 404 space left alone, and a change of space starting over.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryEventStore } from './memory-store.js';
import { batchIds, decodeVector, VectorSource } from './vector-source.js';

const DIM = 4;
const vec = (k: number) => Float32Array.from({ length: DIM }, (_, j) => k + j / 10);
const b64 = (f: Float32Array) => Buffer.from(f.buffer).toString('base64');

const probes: string[] = [];

function fakeServer(o: { space?: string; dim?: number; has?: (id: string) => boolean; status?: number } = {}) {
  probes.length = 0;
  const calls: { space: string | null; ids: string[] }[] = [];
  const fetchMock = vi.fn(async (url: string) => {
    if (new URL(url).pathname.startsWith('/v1/spaces/')) {
      probes.push(decodeURIComponent(new URL(url).pathname.slice('/v1/spaces/'.length)));
      return o.status === 404 ? new Response('{}', { status: 404 }) : Response.json({ space: 'x', dim: DIM, items: 1, revision: 1 });
    }
    const q = new URL(url).search.slice(1);
    const parts = Object.fromEntries(q.split('&').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
    const ids = (parts['ids'] ?? '').split(',').map(decodeURIComponent);
    const space = parts['space'] ? decodeURIComponent(parts['space']) : null;
    calls.push({ space, ids });
    if (o.status) return new Response('{}', { status: o.status });
    const vectors: Record<string, string> = {};
    const missing: string[] = [];
    for (const id of ids) {
      if (o.has && !o.has(id)) missing.push(id);
      else vectors[id] = b64(vec(Number(id.replace(/\D/g, '')) || 0));
    }
    return Response.json({ space: o.space ?? space, dim: o.dim ?? DIM, vectors, missing });
  });
  vi.stubGlobal('fetch', fetchMock);
  return calls;
}

function source(store = new MemoryEventStore('test')) {
  const found: [string, string, Float32Array][] = [];
  const notes: unknown[] = [];
  const s = new VectorSource({
    serverUrl: () => 'http://shelf.test/',
    store: () => store,
    found: (space, entries) => entries.forEach(([id, v]) => found.push([space, id, v])),
    note: (err) => notes.push(err),
  });
  return { s, found, notes, store };
}

afterEach(() => vi.unstubAllGlobals());

describe('VectorSource', () => {
  it('splits ids into batches of at most 200 and a bounded URL', () => {
    const ids = Array.from({ length: 450 }, (_, i) => `id-${i}`);
    expect(batchIds(ids).map((b) => b.length)).toEqual([200, 200, 50]);
    const long = Array.from({ length: 100 }, (_, i) => `${'x'.repeat(200)}${i}`);
    for (const b of batchIds(long)) expect(b.map(encodeURIComponent).join(',').length).toBeLessThanOrEqual(6_000);
  });

  it('decodes only finite vectors of the right length', () => {
    expect([...decodeVector(b64(vec(1)), DIM)!]).toEqual([...vec(1)]);
    expect(decodeVector(b64(vec(1)), 3)).toBeNull();
    expect(decodeVector(b64(Float32Array.of(1, Number.NaN, 0, 0)), DIM)).toBeNull();
    expect(decodeVector('!!!', DIM)).toBeNull();
  });

  it('fetches what the cache lacks, sorted, in batches, and caches it by (space, id)', async () => {
    const calls = fakeServer({ has: (id) => id !== 'i7' });
    const { s, found, store } = source();
    await store.putVectors('sp', [['i3', vec(3)]]);
    s.use('sp', DIM);
    const ids = Array.from({ length: 250 }, (_, i) => `i${i}`);
    await s.lookup(ids, 1_000);
    expect(calls.map((c) => c.ids.length)).toEqual([200, 49]);
    expect(calls.every((c) => c.space === 'sp' && c.ids.join() === [...c.ids].sort().join())).toBe(true);
    expect(calls.flatMap((c) => c.ids)).not.toContain('i3');
    expect(found.filter(([, id]) => id === 'i3')).toHaveLength(1);
    expect(found.map(([, id]) => id).sort()).toEqual(ids.filter((id) => id !== 'i7').sort());
    expect((await store.getVectors('sp', ['i9'])).get('i9')).toEqual(vec(9));
    expect((await store.getVectors('other', ['i9'])).size).toBe(0);
    // Asked again soon: nothing goes out (found ones are the engine's now; the missing one waits for its retry).
    await s.lookup(['i7'], 1_000);
    expect(calls).toHaveLength(2);
  });

  it('refuses an answer of another space or dimension', async () => {
    fakeServer({ space: 'someone-else' });
    const a = source();
    a.s.use('sp', DIM);
    await a.s.lookup(['i1'], 1_000);
    expect(a.found).toEqual([]);
    expect(String(a.notes[0])).toMatch(/not 4-value vectors of space 'sp'/);
    fakeServer({ dim: 8 });
    const b = source();
    b.s.use('sp', DIM);
    await b.s.lookup(['i1'], 1_000);
    expect(b.found).toEqual([]);
  });

  it('sends no id in a space the server does not hold (404 on its probe), and starts over in a new space', async () => {
    const calls = fakeServer({ status: 404 });
    const { s, notes, found } = source();
    s.use('content', DIM);
    await s.lookup(['i1'], 1_000);
    await s.lookup(['i2'], 1_000);
    expect(probes).toEqual(['content']);
    expect(calls).toHaveLength(0);
    expect(notes).toEqual([]);
    const next = fakeServer();
    s.use('learned', DIM);
    await s.lookup(['i2'], 1_000);
    expect(probes).toEqual(['learned']);
    expect(next).toEqual([{ space: 'learned', ids: ['i2'] }]);
    expect(found.map(([space, id]) => `${space}:${id}`)).toEqual(['learned:i2']);
  });

  it('batches ids requested by a burst of events into one request, and never throws on a network error', async () => {
    const calls = fakeServer();
    const { s, found } = source();
    s.use('sp', DIM);
    s.request(['i1']);
    s.request(['i2', 'i1']);
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toEqual([{ space: 'sp', ids: ['i1', 'i2'] }]);
    expect(found.map(([, id]) => id)).toEqual(['i1', 'i2']);
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('offline'))));
    const other = source();
    other.s.use('sp', DIM);
    await expect(other.s.lookup(['i5'], 1_000)).resolves.toBeUndefined();
    expect(String(other.notes[0])).toMatch(/offline/);
  });
});

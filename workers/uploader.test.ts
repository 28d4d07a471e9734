// The uploader against a fake fetch: ticket then one binary keepalive POST carrying only the clipped,
// quantised update; a stale base answers 409 without uploading; one update per round; offline → queued and
// retried after the backoff; the shop's site key on every request, and a 401 stops uploading (no retry loop,
// queued bodies kept) until the page reloads.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { l2Norm } from '../src/shared/federated/clip.js';
import { dequantize } from '../src/shared/federated/quantize.js';
import { decodeUpdate } from '../src/shared/federated/wire.js';
import { MemoryEventStore } from './memory-store.js';
import { configureUploader, encodeForUpload, resetUploaderState, retryQueued, uploadsStopped, uploadUpdate } from './uploader.js';

const SERVER = 'https://shelf.example/';
const ticket = (round = 3, baseVersion = 7) => ({ model: 'm', round, baseVersion, ticket: `${round}.${'a'.repeat(22)}.${'b'.repeat(43)}`, clip: 1, chunk: 64 });

const KEY = 'pk_shop_12345';
const refused = () => new Response(JSON.stringify({ error: 'invalid_site_key', message: 'unknown site key' }), { status: 401 });
const keyOf = (init: RequestInit) => (init.headers as Record<string, string> | undefined)?.['x-shelf-site-key'];

function fakeServer(opts: { round?: number; baseVersion?: number; offline?: () => boolean; siteKey?: (url: string) => string | null } = {}) {
  const sent: { url: string; init: RequestInit }[] = [];
  const fetchMock = vi.fn(async (url: string, init: RequestInit) => {
    sent.push({ url, init });
    const want = opts.siteKey?.(url) ?? null;
    if (want !== null && keyOf(init) !== want && !(opts.offline?.() && url.endsWith('/v1/updates'))) return refused();
    if (url.endsWith('/v1/rounds/current/ticket')) return new Response(JSON.stringify(ticket(opts.round, opts.baseVersion)), { status: 200 });
    if (opts.offline?.()) throw new TypeError('Failed to fetch');
    return new Response(JSON.stringify({ accepted: true, pending: 1, published: null }), { status: 200 });
  });
  vi.stubGlobal('fetch', fetchMock);
  return sent;
}

describe('uploader', () => {
  beforeEach(() => resetUploaderState());
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('encodes a clipped, quantised update that fits a keepalive request', () => {
    const delta = Float32Array.from({ length: 11_330 }, (_, i) => Math.sin(i));
    const body = encodeForUpload(ticket(), 13, delta);
    expect(body.byteLength).toBeLessThan(65_536);
    const u = decodeUpdate(body);
    expect(u).toMatchObject({ baseVersion: 7, round: 3, exampleBucket: 8 });
    expect(l2Norm(dequantize(u.update))).toBeLessThan(1.1);
  });

  it('asks for a ticket, then sends one binary keepalive POST without credentials', async () => {
    const sent = fakeServer();
    const out = await uploadUpdate(SERVER, 'm', 7, 5, new Float32Array(100).fill(0.01));
    expect(out).toEqual({ status: 200, accepted: true, published: null, message: null });
    expect(sent.map((s) => s.url)).toEqual([`${SERVER}v1/rounds/current/ticket`, `${SERVER}v1/updates`]);
    const post = sent[1]!.init;
    expect(post).toMatchObject({ method: 'POST', keepalive: true, credentials: 'omit', headers: { 'content-type': 'application/octet-stream' } });
    expect(decodeUpdate(post.body as Uint8Array).exampleBucket).toBe(4);
    // a second update in the same round is held back
    const again = await uploadUpdate(SERVER, 'm', 7, 5, new Float32Array(100).fill(0.01));
    expect(again).toMatchObject({ accepted: false, status: null, message: expect.stringMatching(/already sent an update in round 3/) });
    expect(sent).toHaveLength(3);
  });

  it('answers 409 without uploading when the base version is no longer current', async () => {
    const sent = fakeServer({ baseVersion: 8 });
    const out = await uploadUpdate(SERVER, 'm', 7, 5, new Float32Array(100));
    expect(out).toMatchObject({ status: 409, accepted: false });
    expect(sent).toHaveLength(1);
  });

  it('queues the body when offline and retries it after the backoff', async () => {
    vi.useFakeTimers();
    let offline = true;
    const sent = fakeServer({ offline: () => offline });
    configureUploader({ backoffMs: 1000 });
    const out = await uploadUpdate(SERVER, 'm', 7, 5, new Float32Array(100).fill(0.01));
    expect(out).toMatchObject({ accepted: false, status: null, message: expect.stringMatching(/queued/) });
    offline = false;
    await vi.advanceTimersByTimeAsync(1100);
    const updates = sent.filter((s) => s.url.endsWith('/v1/updates'));
    expect(updates).toHaveLength(2);
    expect(updates[1]!.init.body).toBe(updates[0]!.init.body);
  });

  it('a backoff timer that fires before the clock reaches the retry time re-arms instead of leaving the queue', async () => {
    vi.useFakeTimers();
    let offline = true;
    const sent = fakeServer({ offline: () => offline });
    configureUploader({ backoffMs: 1000 });
    await uploadUpdate(SERVER, 'm', 7, 5, new Float32Array(100).fill(0.01));
    offline = false;
    // the wall clock steps back (as timers and Date.now() may disagree by a millisecond or more)
    vi.setSystemTime(Date.now() - 50);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent.filter((s) => s.url.endsWith('/v1/updates'))).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60);
    expect(sent.filter((s) => s.url.endsWith('/v1/updates'))).toHaveLength(2);
  });

  it('keeps a queued update in the event store across a reload and sends it from the next worker', async () => {
    let offline = true;
    const sent = fakeServer({ offline: () => offline });
    const store = new MemoryEventStore('test');
    configureUploader({ queue: store, backoffMs: 10 });
    await uploadUpdate(SERVER, 'm', 7, 5, new Float32Array(100).fill(0.01));
    const saved = await store.listUploads();
    expect(saved).toHaveLength(1);
    // a new worker (page reload) with the same store
    resetUploaderState();
    configureUploader({ queue: store });
    offline = false;
    const out = await retryQueued();
    expect(out).toMatchObject({ accepted: true, status: 200 });
    expect(await store.listUploads()).toHaveLength(0);
    const updates = sent.filter((s) => s.url.endsWith('/v1/updates'));
    expect(updates).toHaveLength(2);
    expect(decodeUpdate(updates[1]!.init.body as Uint8Array).round).toBe(3);
  });

  it('sends the configured site key on the ticket request and the upload, and no key header without one', async () => {
    const sent = fakeServer({ siteKey: () => KEY });
    configureUploader({ siteKey: KEY });
    const out = await uploadUpdate(SERVER, 'm', 7, 5, new Float32Array(100).fill(0.01));
    expect(out).toMatchObject({ status: 200, accepted: true });
    expect(sent.map((s) => keyOf(s.init))).toEqual([KEY, KEY]);
    expect(sent[1]!.init.headers).toMatchObject({ 'content-type': 'application/octet-stream' });
    // the key travels in a header, never in the URL (which access logs keep)
    expect(sent.every((s) => !s.url.includes(KEY))).toBe(true);
    expect(uploadsStopped()).toBeNull();

    resetUploaderState();
    const open = fakeServer();
    await uploadUpdate(SERVER, 'm', 7, 5, new Float32Array(100).fill(0.01));
    expect(open.map((s) => keyOf(s.init))).toEqual([undefined, undefined]);
  });

  it('a 401 on the ticket request stops uploading without throwing, retrying or sending anything more', async () => {
    vi.useFakeTimers();
    const sent = fakeServer({ siteKey: () => KEY });
    configureUploader({ siteKey: 'pk_wrong_12345', backoffMs: 10 });
    const out = await uploadUpdate(SERVER, 'm', 7, 5, new Float32Array(100).fill(0.01));
    expect(out).toMatchObject({ status: 401, accepted: false, message: expect.stringMatching(/site key.*invalid_site_key.*until the page reloads/) });
    expect(uploadsStopped()).toMatch(/until the page reloads/);
    expect(sent).toHaveLength(1);
    // later calls answer at once, with no request, and no timer sends anything
    for (let i = 0; i < 5; i++) {
      expect(await uploadUpdate(SERVER, 'm', 7, 5, new Float32Array(100).fill(0.01))).toMatchObject({ status: null, accepted: false, message: expect.stringMatching(/until the page reloads/) });
      expect(await retryQueued()).toMatchObject({ status: null, accepted: false });
    }
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(sent).toHaveLength(1);
  });

  it('with no key configured, a server that needs one answers 401 once and the uploader stops', async () => {
    const sent = fakeServer({ siteKey: () => KEY });
    expect(await uploadUpdate(SERVER, 'm', 7, 5, new Float32Array(100))).toMatchObject({ status: 401, accepted: false });
    expect(await uploadUpdate(SERVER, 'm', 7, 5, new Float32Array(100))).toMatchObject({ status: null, accepted: false });
    expect(sent).toHaveLength(1);
  });

  it('a 401 on the upload itself stops too, and queues nothing (the update stays with the caller)', async () => {
    const store = new MemoryEventStore('test');
    // the ticket is issued (a key the ticket route accepted), the upload is refused (the key was revoked meanwhile)
    const sent = fakeServer({ siteKey: (url) => (url.endsWith('/v1/updates') ? 'pk_rotated_12345' : KEY) });
    configureUploader({ siteKey: KEY, queue: store });
    const out = await uploadUpdate(SERVER, 'm', 7, 5, new Float32Array(100).fill(0.01));
    expect(out).toMatchObject({ status: 401, accepted: false });
    expect(sent.map((s) => s.url)).toEqual([`${SERVER}v1/rounds/current/ticket`, `${SERVER}v1/updates`]);
    expect(await store.listUploads()).toHaveLength(0);
    expect(uploadsStopped()).not.toBeNull();
  });

  it('keeps queued bodies after a 401 on their retry, and the next page with the right key sends them', async () => {
    let offline = true;
    let want: string | null = null;
    const sent = fakeServer({ offline: () => offline, siteKey: () => want });
    const store = new MemoryEventStore('test');
    configureUploader({ queue: store, siteKey: 'pk_wrong_12345', backoffMs: 10 });
    await uploadUpdate(SERVER, 'm', 7, 5, new Float32Array(100).fill(0.01));
    expect(await store.listUploads()).toHaveLength(1);
    // back online, but the server now needs another key: the retry is refused, the body stays queued
    offline = false;
    want = KEY;
    // The backoff timer's retry meets the 401 (however long the machine takes to get there).
    for (let waited = 0; uploadsStopped() === null && waited < 5_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    expect(await retryQueued()).toMatchObject({ status: null, accepted: false });
    expect(uploadsStopped()).toMatch(/until the page reloads/);
    expect(await store.listUploads()).toHaveLength(1);
    const refusedCount = sent.length;
    expect(await retryQueued()).toMatchObject({ status: null });
    expect(sent).toHaveLength(refusedCount);
    // page reload with the right key: the queued body goes out
    resetUploaderState();
    configureUploader({ queue: store, siteKey: KEY });
    expect(await retryQueued()).toMatchObject({ accepted: true, status: 200 });
    expect(await store.listUploads()).toHaveLength(0);
    expect(keyOf(sent.at(-1)!.init)).toBe(KEY);
  });
});

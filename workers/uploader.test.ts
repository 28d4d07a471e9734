// The uploader against a fake fetch: ticket then one binary keepalive POST carrying only the clipped,
// quantised update; a stale base answers 409 without uploading; one update per round; offline → queued and
// retried after the backoff.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { l2Norm } from '../src/shared/federated/clip.js';
import { dequantize } from '../src/shared/federated/quantize.js';
import { decodeUpdate } from '../src/shared/federated/wire.js';
import { MemoryEventStore } from './memory-store.js';
import { configureUploader, encodeForUpload, resetUploaderState, retryQueued, uploadUpdate } from './uploader.js';

const SERVER = 'https://shelf.example/';
const ticket = (round = 3, baseVersion = 7) => ({ model: 'm', round, baseVersion, ticket: `${round}.${'a'.repeat(22)}.${'b'.repeat(43)}`, clip: 1, chunk: 64 });

function fakeServer(opts: { round?: number; baseVersion?: number; offline?: () => boolean } = {}) {
  const sent: { url: string; init: RequestInit }[] = [];
  const fetchMock = vi.fn(async (url: string, init: RequestInit) => {
    sent.push({ url, init });
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
});

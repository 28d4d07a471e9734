// The shop's pin on the helper aggregator's key (helperKeySha256), against a fake leader that relays either the
// helper's real key or its own: with a pin, a ticket carrying another key (or none) sends no body at all, keeps the
// round, the coin and the update for later, and says why with an error code; a pinned key is sealed to and sent;
// without a pin nothing changes. Queued bodies sealed to a key the page does not pin are never sent either.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { reportIdOf } from '../src/shared/secure-aggregation/client-report.js';
import { keyFingerprint } from '../src/shared/secure-aggregation/key-fingerprint.js';
import { decodeReport } from '../src/shared/secure-aggregation/report-wire.js';
import { generateHelperKey, importHelperKey, keyId, open, reportContext } from '../src/shared/secure-aggregation/seal.js';
import { toBase64 } from '../src/shared/secure-aggregation/webcrypto.js';
import type { ShelfModel } from '../src/shared/model/model.js';
import { LearningJob, type LearningHost } from './learn-and-upload.js';
import { checkHelperKeyPin } from './helper-key-pin.js';
import { MemoryEventStore } from './memory-store.js';
import type { LoadedModel } from './model-loader.js';
import { configureUploader, resetUploaderState, retryQueued, uploadUpdate } from './uploader.js';
import { VisitorState } from './visitor-state.js';

const SERVER = 'https://shelf.example/';
const ROUND = 3;
const TICKET = `${ROUND}.${'a'.repeat(22)}.${'b'.repeat(43)}`;

interface TestKey {
  publicKey: Uint8Array;
  privateJwk: object;
  keyId: number;
  sha256: string;
}
let helperKey: TestKey;
let leaderKey: TestKey;

async function makeKey(): Promise<TestKey> {
  const k = await generateHelperKey();
  return { ...k, keyId: await keyId(k.publicKey), sha256: await keyFingerprint(k.publicKey) };
}

const secureTicket = (key: TestKey) => ({
  model: 'm', round: ROUND, baseVersion: 7, ticket: TICKET, clip: 1, chunk: 64,
  secure: { keyId: key.keyId, publicKey: toBase64(key.publicKey), bits: 20, cohort: 2, noiseMultiplier: 0.02, sampleRate: 1 },
});
const plainTicket = () => ({ model: 'm', round: ROUND, baseVersion: 7, ticket: TICKET, clip: 1, chunk: 64 });

/** A leader whose ticket carries `relay()`'s key (null: a plain ticket); uploads are accepted unless offline. */
function fakeLeader(relay: () => TestKey | null, offline: () => boolean = () => false) {
  const sent: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
    sent.push({ url, init });
    if (url.endsWith('/v1/rounds/current/ticket')) {
      const key = relay();
      return new Response(JSON.stringify(key ? secureTicket(key) : plainTicket()), { status: 200 });
    }
    if (offline()) throw new TypeError('Failed to fetch');
    return new Response(JSON.stringify({ accepted: true }), { status: 200 });
  }));
  return { sent, bodies: () => sent.filter((s) => s.url.endsWith('/v1/updates')).map((s) => s.init.body as Uint8Array) };
}

const delta = () => new Float32Array(50).fill(0.01);

beforeAll(async () => {
  helperKey = await makeKey();
  leaderKey = await makeKey();
});

describe('helper key pin: checkHelperKeyPin', () => {
  it('computes the fingerprint of the relayed key itself and refuses keys not pinned, and plain tickets under a pin', async () => {
    expect(await checkHelperKeyPin(secureTicket(helperKey), null)).toEqual({ fingerprint: helperKey.sha256, refusal: null });
    expect(await checkHelperKeyPin(secureTicket(helperKey), [leaderKey.sha256, helperKey.sha256])).toEqual({ fingerprint: helperKey.sha256, refusal: null });
    expect((await checkHelperKeyPin(secureTicket(leaderKey), [helperKey.sha256])).refusal).toMatch(new RegExp(`^helper_key_mismatch: .*${leaderKey.sha256}.*${helperKey.sha256}`));
    expect((await checkHelperKeyPin(plainTicket(), [helperKey.sha256])).refusal).toMatch(/^helper_key_missing: /);
    expect(await checkHelperKeyPin(plainTicket(), null)).toEqual({ fingerprint: null, refusal: null });
  });
});

describe('helper key pin: the uploader', () => {
  beforeEach(() => resetUploaderState());
  afterEach(() => vi.unstubAllGlobals());

  it('a ticket relaying another key sends no body, keeps round, coin and update, and records helper_key_mismatch', async () => {
    let relayed = leaderKey;
    const leader = fakeLeader(() => relayed);
    const store = new MemoryEventStore('test');
    configureUploader({ queue: store, helperKeyPins: [helperKey.sha256] });
    const out = await uploadUpdate(SERVER, 'm', 7, 5, delta());
    // Not 409 (which would make the engine drop the update) and not accepted: the caller keeps it pending.
    expect(out).toMatchObject({ accepted: false, status: null, message: expect.stringMatching(/^helper_key_mismatch: .*nothing was sent/) });
    expect(leader.sent.map((s) => s.url)).toEqual([`${SERVER}v1/rounds/current/ticket`]);
    expect(await store.listUploads()).toHaveLength(0);
    expect(await store.getMeta(`round-coin:${ROUND}`)).toBeUndefined();
    // Asked again it refuses again, still without a body.
    expect((await uploadUpdate(SERVER, 'm', 7, 5, delta())).message).toMatch(/^helper_key_mismatch/);
    expect(leader.bodies()).toHaveLength(0);

    // Once the leader relays the pinned key, the same round takes the update, sealed to that key.
    relayed = helperKey;
    expect(await uploadUpdate(SERVER, 'm', 7, 5, delta())).toMatchObject({ accepted: true, status: 200 });
    const [body] = leader.bodies();
    const report = decodeReport(body!);
    expect(report.keyId).toBe(helperKey.keyId);
    const seed = await open(report.sealedSeed, await importHelperKey(helperKey.privateJwk), helperKey.publicKey, reportContext('m', ROUND, reportIdOf(TICKET)));
    expect(seed).toHaveLength(32);
  });

  it('a pinned key (one of a list, for rotation) is sealed to and sent', async () => {
    const leader = fakeLeader(() => helperKey);
    configureUploader({ helperKeyPins: [leaderKey.sha256.replace(/^./, 'f'), helperKey.sha256] });
    expect(await uploadUpdate(SERVER, 'm', 7, 5, delta())).toMatchObject({ accepted: true, status: 200, message: null });
    expect(leader.bodies()).toHaveLength(1);
    expect(decodeReport(leader.bodies()[0]!).keyId).toBe(helperKey.keyId);
  });

  it('under a pin a ticket without a helper key (central DP) sends no plain update: helper_key_missing', async () => {
    const leader = fakeLeader(() => null);
    configureUploader({ helperKeyPins: [helperKey.sha256] });
    expect(await uploadUpdate(SERVER, 'm', 7, 5, delta())).toMatchObject({ accepted: false, status: null, message: expect.stringMatching(/^helper_key_missing: /) });
    expect(leader.bodies()).toHaveLength(0);
  });

  it('without a pin nothing changes: any relayed key, and plain tickets, are sent', async () => {
    const leader = fakeLeader(() => leaderKey);
    configureUploader({ helperKeyPins: null });
    expect(await uploadUpdate(SERVER, 'm', 7, 5, delta())).toMatchObject({ accepted: true });
    resetUploaderState();
    const plain = fakeLeader(() => null);
    expect(await uploadUpdate(SERVER, 'm', 7, 5, delta())).toMatchObject({ accepted: true });
    expect(leader.bodies()).toHaveLength(1);
    expect(plain.bodies()).toHaveLength(1);
  });

  it('without WebCrypto (an insecure context) an upload resolves unsent, pinned or not, and never throws', async () => {
    const leader = fakeLeader(() => helperKey);
    vi.stubGlobal('crypto', undefined);
    configureUploader({ helperKeyPins: [helperKey.sha256] });
    expect(await uploadUpdate(SERVER, 'm', 7, 5, delta())).toMatchObject({ accepted: false, message: expect.stringMatching(/^helper_key_mismatch: .*\(unreadable\)/) });
    configureUploader({ helperKeyPins: null });
    expect(await uploadUpdate(SERVER, 'm', 7, 5, delta())).toMatchObject({ accepted: false, message: expect.stringMatching(/WebCrypto is not available/) });
    expect(leader.bodies()).toHaveLength(0);
  });

  it('a queued report goes out from a page pinning its key, and never from a page pinning another', async () => {
    let offline = true;
    const leader = fakeLeader(() => helperKey, () => offline);
    const store = new MemoryEventStore('test');
    configureUploader({ queue: store, backoffMs: 60_000 });
    await uploadUpdate(SERVER, 'm', 7, 5, delta());
    expect(await store.listUploads()).toHaveLength(1);
    offline = false;

    // The next page pins another key: the queued report is dropped unsent (its update is still in the local weights).
    resetUploaderState();
    configureUploader({ queue: store, helperKeyPins: [leaderKey.sha256] });
    const before = leader.bodies().length;
    expect(await retryQueued()).toMatchObject({ accepted: false, message: expect.stringMatching(/^helper_key_mismatch: a queued update/) });
    expect(leader.bodies()).toHaveLength(before);
    expect(await store.listUploads()).toHaveLength(0);

    // Queued again (offline), then a page pinning the key it was sealed to sends it.
    offline = true;
    resetUploaderState();
    configureUploader({ queue: store, helperKeyPins: [helperKey.sha256], backoffMs: 60_000 });
    await uploadUpdate(SERVER, 'm', 7, 5, delta());
    offline = false;
    resetUploaderState();
    configureUploader({ queue: store, helperKeyPins: [helperKey.sha256] });
    expect(await retryQueued()).toMatchObject({ accepted: true });
    expect(await store.listUploads()).toHaveLength(0);
  });

  it('a queued entry that does not say its key (a plain update, an older queue) is not sent under a pin', async () => {
    const leader = fakeLeader(() => helperKey);
    const store = new MemoryEventStore('test');
    await store.enqueueUpload({ createdAt: Date.now(), payload: { url: `${SERVER}v1/updates`, body: new Uint8Array(8), round: ROUND } });
    configureUploader({ queue: store, helperKeyPins: [helperKey.sha256] });
    expect(await retryQueued()).toMatchObject({ accepted: false, message: expect.stringMatching(/^helper_key_mismatch/) });
    expect(leader.bodies()).toHaveLength(0);
  });
});

describe('helper key pin: the learning job', () => {
  beforeEach(() => resetUploaderState());
  afterEach(() => vi.unstubAllGlobals());

  it('keeps the update pending and records the error code in lastError, then sends it once the key matches', async () => {
    let relayed = leaderKey;
    const leader = fakeLeader(() => relayed);
    configureUploader({ helperKeyPins: [helperKey.sha256] });
    const base = new Float32Array(50);
    const local = new Float32Array(50).fill(0.02);
    let lastError: string | null = null;
    const host: LearningHost = {
      visitor: new VisitorState(),
      config: () => ({ serverUrl: SERVER, model: 'm', backends: ['cpu'], allowSoftwareGpu: false, trainEvery: 1, uploadMinExamples: 1, modelCheckIntervalMs: 0, dbName: 'x', debug: false }),
      model: () => ({ toFlat: async () => local }) as unknown as ShelfModel,
      loaded: () => ({ weights: base, manifest: { version: 7 } }) as unknown as LoadedModel,
      store: () => null,
      lastRerankAt: () => 0,
      switchToLatest: async () => {},
      note: () => {},
      setLastError: (m) => void (lastError = m),
    };
    const job = new LearningJob(host);
    vi.spyOn(job.learning, 'train').mockResolvedValue(1);
    vi.spyOn(job.learning, 'save').mockResolvedValue(undefined);
    job.pendingExamples = 4;

    const refused = await job.learnAndUpload(true);
    expect(refused).toMatchObject({ uploaded: false, status: null, reason: expect.stringMatching(/^helper_key_mismatch/) });
    expect(lastError).toMatch(/^helper_key_mismatch/);
    expect(job.pendingExamples).toBe(4);
    expect(job.uploads).toBe(0);
    expect(leader.bodies()).toHaveLength(0);

    relayed = helperKey;
    expect(await job.learnAndUpload(true)).toMatchObject({ uploaded: true, status: 200 });
    expect(job.uploads).toBe(1);
    expect(job.pendingExamples).toBe(0);
    expect(leader.bodies()).toHaveLength(1);
  });
});

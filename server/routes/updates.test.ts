// Rounds, tickets and POST /v1/updates through app.inject() on a real PGlite store: every rejection leaves
// the database unchanged (wrong round or version 409, forged 403 / reused 409 ticket, wrong shape, non-finite
// scales, over the clip bound 400, over the body limit 413), and the K-th update of a round publishes the
// mean as the next version with its lineage, then opens the next round.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestSchema, TicketResponseSchema, UpdateAcceptedSchema, type TicketResponse } from '../../src/shared/protocol.js';
import { decodeUpdate, encodeUpdate } from '../../src/shared/federated/wire.js';
import { dequantize } from '../../src/shared/federated/quantize.js';
import { buildApp } from '../app.js';
import { ensureSeeded } from '../seed.js';
import { PgliteStore } from '../storage/pglite-store.js';
import { STORE_TIMEOUT_MS, makeVersion, tempDir, testConfig, wireUpdate, writeSeed } from '../testing.js';
import { bytesToFloats, sha256Hex } from '../weights-codec.js';
import { updateBodyLimit } from './updates.js';
import { ticketSigner } from '../federated/tickets.js';

/** Signs like the app does (testConfig's secret). */
const testTicket = (model: string, round: number) => ticketSigner('t'.repeat(32)).issue(model, round);

const MODEL = 'updates-test';
const K = 3;
const CLIP = 5;
const seed = makeVersion(MODEL, 1);
const params = seed.weights.byteLength / 4;
const baseWeights = bytesToFloats(seed.weights);
const small = (v = 0.01) => new Array(params).fill(v);

describe('rounds and POST /v1/updates', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let store: PgliteStore;
  let app: FastifyInstance;

  const ticket = async (): Promise<TicketResponse> => {
    const res = await app.inject({ method: 'POST', url: '/v1/rounds/current/ticket' });
    expect(res.statusCode).toBe(200);
    return TicketResponseSchema.parse(res.json());
  };
  const post = (body: Buffer | string, contentType = 'application/octet-stream') =>
    app.inject({ method: 'POST', url: '/v1/updates', payload: body, headers: { 'content-type': contentType } });
  const body = async (values: ArrayLike<number> = small(), over: { baseVersion?: number; round?: number; ticket?: string; exampleBucket?: number } = {}) => {
    const t = await ticket();
    return wireUpdate(values, { baseVersion: t.baseVersion, round: t.round, ticket: t.ticket, ...over });
  };

  /** Sends a bad request and checks the status, the ErrorBody, and that nothing was stored. */
  async function rejects(payload: Buffer | string, status: number, error: string, message: RegExp, contentType?: string) {
    const before = await store.counts(MODEL);
    const res = await post(payload, contentType);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ error, message: expect.stringMatching(message) });
    expect(await store.counts(MODEL)).toEqual(before);
    return res;
  }

  beforeAll(async () => {
    tmp = await tempDir();
    store = await PgliteStore.open(path.join(tmp.dir, 'db'));
    const seedDir = path.join(tmp.dir, 'seeds');
    await writeSeed(seedDir, seed);
    await ensureSeeded(store, { model: MODEL, seedDir });
    app = await buildApp(testConfig({ model: MODEL, minUpdates: K, staticDir: path.join(tmp.dir, 'no-site'), federated: { clip: CLIP } }), store);
  }, STORE_TIMEOUT_MS);
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await tmp?.remove();
  });

  it('issues single-use tickets for the open round with its base version, clip and chunk', async () => {
    const a = await ticket();
    const b = await ticket();
    expect(a).toMatchObject({ model: MODEL, round: 1, baseVersion: 1, clip: CLIP, chunk: 256 });
    expect(b.round).toBe(1);
    expect(a.ticket).not.toBe(b.ticket);
  });

  it('400s bodies that are not a well-formed update', async () => {
    await rejects(Buffer.from('{"protocol":1,"model":"x","delta":"AAAA"}'), 400, 'invalid_update', /does not start with/);
    const good = await body();
    await rejects(good.subarray(0, good.length - 1), 400, 'invalid_update', /header describes/);
    await rejects('{"delta":"AAAA"}', 415, 'unsupported_media_type', /octet-stream/, 'application/json');
  });

  it('403s a forged ticket or one for another round, 409s a reused one', async () => {
    const t = await ticket();
    const forged = t.ticket.slice(0, -3) + (t.ticket.endsWith('AAA') ? 'BBB' : 'AAA');
    await rejects(wireUpdate(small(), { baseVersion: 1, round: t.round, ticket: forged }), 403, 'invalid_ticket', /not issued/);
    await rejects(wireUpdate(small(), { baseVersion: 1, round: 7, ticket: t.ticket }), 403, 'invalid_ticket', /round 1/);
    await rejects(wireUpdate(small(), { baseVersion: 1, round: 1, ticket: 'made-up' }), 403, 'invalid_ticket', /not issued/);
    const first = await post(wireUpdate(small(), { baseVersion: 1, round: t.round, ticket: t.ticket }));
    // The answer says accepted and nothing else: not how many updates the round holds, nor whether this one closed it.
    expect(first.json()).toEqual({ accepted: true });
    await rejects(wireUpdate(small(), { baseVersion: 1, round: t.round, ticket: t.ticket }), 409, 'ticket_used', /already been used/);
  });

  it('400s a wrong shape, non-finite scales and an update over the clip bound', async () => {
    await rejects(await body(new Array(params - 1).fill(0.01)), 400, 'invalid_update', new RegExp(`${params} parameters`));
    const bad = await body();
    bad.writeFloatLE(Number.NaN, 24 + decodeUpdate(new Uint8Array(bad)).ticket.length);
    await rejects(bad, 400, 'invalid_update', /scale 0 is NaN/);
    await rejects(await body(small(1)), 400, 'over_clip_bound', /over the clip bound 5/);
  });

  it('413s a body over the limit', async () => {
    const limit = updateBodyLimit(params);
    await rejects(Buffer.alloc(limit + 1), 413, 'payload_too_large', new RegExp(`limit of ${limit} bytes`));
  });

  it('409s a stale base version and a round that is not open', async () => {
    const res = await rejects(await body(small(), { baseVersion: 2 }), 409, 'stale_version', /current version is 1/);
    expect(res.headers['x-shelf-current-version']).toBe('1');
  });

  it('publishes base + weighted mean of the K updates, with lineage and privacy, then opens round 2', async () => {
    expect((await store.counts(MODEL)).pending).toBe(1); // from the reuse test
    const sent: Float32Array[] = [];
    const answers = [];
    for (const [i, bucket] of [[0, 2], [1, 4]] as const) {
      const b = await body(Array.from({ length: params }, (_, j) => (i ? -j : j) / 1000), { exampleBucket: bucket });
      sent.push(dequantize(decodeUpdate(new Uint8Array(b)).update));
      const res = await post(b);
      expect(res.statusCode).toBe(200);
      answers.push(UpdateAcceptedSchema.parse(res.json()));
    }
    expect(answers).toEqual([{ accepted: true }, { accepted: true }]);
    const manifest = ManifestSchema.parse((await app.inject({ method: 'GET', url: `/models/${MODEL}/latest.json` })).json());
    expect(manifest).toMatchObject({ version: 2, parent: 1, lineage: { kind: 'aggregate', updates: 3, examples: 7, round: 1, optimizer: 'fedavg' } });
    expect(manifest.privacy).toMatchObject({ epsilon: null, rounds: 1, noiseMultiplier: 0, clip: CLIP });

    const bin = await app.inject({ method: 'GET', url: `/models/${MODEL}/2/weights.bin` });
    const bytes = new Uint8Array(bin.rawPayload);
    expect(manifest.files[0]).toEqual({ path: 'weights.bin', bytes: bytes.byteLength, sha256: sha256Hex(bytes) });
    const weights = bytesToFloats(bytes);
    for (let j = 0; j < params; j += 7) {
      const mean = (1 * 0.01 + 2 * sent[0]![j]! + 4 * sent[1]![j]!) / 7;
      expect(weights[j]).toBeCloseTo(baseWeights[j]! + mean, 3);
    }
    expect((await ticket()).round).toBe(2);
  });

  it('409s an update for the closed round or on the old version', async () => {
    const t = await ticket();
    await rejects(wireUpdate(small(), { baseVersion: 1, round: t.round, ticket: t.ticket }), 409, 'stale_version', /current version is 2/);
    // A genuine ticket of round 1, kept from before the publish: its round is closed now.
    const early = testTicket(MODEL, 1);
    await rejects(wireUpdate(small(), { baseVersion: 2, round: 1, ticket: early }), 409, 'wrong_round', /round 1 is not open; the open round is 2/);
  });

  it('rejects an encoder misuse before anything is sent', () => {
    expect(() => encodeUpdate({ baseVersion: 1, round: 1, exampleBucket: 3, ticket: 'x', update: { chunk: 1, scales: new Float32Array(1), q: new Int8Array(1) } })).toThrow(/bucket/);
  });
});

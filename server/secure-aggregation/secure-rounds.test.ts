// A secure round end to end, in-process: the real helper aggregator app (its own key and database) and the real
// leader app on a real PGlite store, devices building real reports. The transport between the two aggregators is
// app.inject() here; e2e/secure-aggregation.spec.ts runs them as processes. Checks: tickets announce the round's
// parameters, plain updates are refused, K reports publish base + mean + noise of std z·C/K, what each party stores
// reveals nothing of one update, and the helper refuses to sum a report twice.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestSchema, TicketResponseSchema, type TicketResponse } from '../../src/shared/protocol.js';
import { buildReport } from '../../src/shared/secure-aggregation/client-report.js';
import { decodeReport } from '../../src/shared/secure-aggregation/report-wire.js';
import { keyFingerprintOf } from '../../src/shared/secure-aggregation/key-fingerprint.js';
import { AggregateResponseSchema, HelperKeySchema, type AggregateRequest } from '../../src/shared/secure-aggregation/helper-protocol.js';
import { buildHelperApp } from '../../helper-aggregator/app.js';
import { openBatchStore, type BatchStore } from '../../helper-aggregator/batch-store.js';
import { loadOrCreateKey } from '../../helper-aggregator/keys.js';
import { buildApp } from '../app.js';
import { ensureSeeded } from '../seed.js';
import { PgliteStore } from '../storage/pglite-store.js';
import { STORE_TIMEOUT_MS, makeVersion, tempDir, testConfig, wireUpdate, writeSeed } from '../testing.js';
import { bytesToFloats } from '../weights-codec.js';
import { HelperRefused, type HelperClient } from './helper-client.js';
import { SecureRounds } from './secure-rounds.js';

const MODEL = 'secure-test';
const K = 4;
const Z = 0.5;
const CLIP = 1;
const CONFIG = { itemDim: 8, hidden: 8, maxLen: 4, ffn: 8, eventTypes: 2 };
const seed = makeVersion(MODEL, 1, CONFIG, () => 0);
const params = seed.weights.byteLength / 4;

/** The helper's HTTP API through inject(). */
function injectClient(helper: FastifyInstance, token: string): HelperClient {
  return {
    key: async () => HelperKeySchema.parse((await helper.inject({ method: 'GET', url: '/v1/key' })).json()),
    aggregate: async (request: AggregateRequest) => {
      const res = await helper.inject({ method: 'POST', url: '/v1/aggregate', payload: request, headers: { authorization: `Bearer ${token}` } });
      if (res.statusCode >= 400) throw new HelperRefused(res.statusCode, res.json().error, res.json().message);
      return AggregateResponseSchema.parse(res.json());
    },
  };
}

describe('a secure round through both aggregators', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let store: PgliteStore;
  let batches: BatchStore;
  let helper: FastifyInstance;
  let app: FastifyInstance;
  let secure: SecureRounds;
  const token = 'h'.repeat(24);

  const ticket = async (): Promise<TicketResponse> => TicketResponseSchema.parse((await app.inject({ method: 'POST', url: '/v1/rounds/current/ticket' })).json());
  const post = (payload: Uint8Array | Buffer) => app.inject({ method: 'POST', url: '/v1/updates', payload: Buffer.from(payload), headers: { 'content-type': 'application/octet-stream' } });

  beforeAll(async () => {
    tmp = await tempDir();
    const key = await loadOrCreateKey(path.join(tmp.dir, 'helper'));
    batches = await openBatchStore(path.join(tmp.dir, 'helper'));
    helper = await buildHelperApp({ key, store: batches, leaderToken: token, minBatch: K });
    store = await PgliteStore.open(path.join(tmp.dir, 'db'));
    await writeSeed(path.join(tmp.dir, 'seeds'), seed);
    await ensureSeeded(store, { model: MODEL, seedDir: path.join(tmp.dir, 'seeds') });
    const config = testConfig({ model: MODEL, minUpdates: K, staticDir: path.join(tmp.dir, 'no-site'), federated: { clip: CLIP, noiseMultiplier: Z, sampleRate: 1, optimizer: 'fedavg', serverLearningRate: 1, epsilonBudget: 1e9 } });
    secure = new SecureRounds({ store, model: MODEL, federated: config.federated, cohort: K, helper: injectClient(helper, token) });
    app = await buildApp(config, store, { secure });
  }, STORE_TIMEOUT_MS);
  afterAll(async () => {
    await app?.close();
    await helper?.close();
    await batches?.close();
    await store?.close();
    await tmp?.remove();
  });

  it('announces the helper key and the round parameters, and refuses plain updates', async () => {
    const t = await ticket();
    expect(t.secure).toMatchObject({ cohort: K, noiseMultiplier: Z, sampleRate: 1, bits: expect.any(Number), keyId: expect.any(Number) });
    const plain = await post(wireUpdate(new Array(params).fill(0.01), { baseVersion: 1, round: t.round, ticket: t.ticket }));
    expect(plain.statusCode).toBe(400);
    expect(plain.json().error).toBe('secure_aggregation_required');
  });

  it("GET /v1/key answers the key's sha256 (what shops pin), and the ticket relays only the key itself", async () => {
    const published = HelperKeySchema.parse((await helper.inject({ method: 'GET', url: '/v1/key' })).json());
    expect(published.sha256).toBe(createHash('sha256').update(Buffer.from(published.publicKey, 'base64')).digest('hex'));
    const t = await ticket();
    expect(t.secure?.publicKey).toBe(published.publicKey);
    expect(t.secure).not.toHaveProperty('sha256');
    // the device's own computation from the relayed key gives the same fingerprint
    expect(await keyFingerprintOf(t.secure!.publicKey)).toBe(published.sha256);
  });

  it('publishes base + mean of K updates + noise of std z·C/K, and no party holds one update', async () => {
    const updates = Array.from({ length: K }, (_, i) => Float32Array.from({ length: params }, (_, j) => (((i + j) % 7) - 3) / (40 * Math.sqrt(params))));
    const received: Uint8Array[] = [];
    for (const update of updates) {
      const t = await ticket();
      const report = await buildReport({ model: MODEL, round: t.round, baseVersion: t.baseVersion, ticket: t.ticket, clip: t.clip, secure: t.secure!, update });
      received.push(report);
      const res = await post(report);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ accepted: true });
    }
    // Everything the leader received (and stored until publication): a leader share per report.
    expect(received).toHaveLength(K);
    for (const [i, body] of received.entries()) {
      const share = Array.from(decodeReport(body).leaderShare, (x) => x | 0);
      const u = updates[i]!;
      const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0) / a.length;
      const mu = mean(u);
      const ms = mean(share);
      let cov = 0, vu = 0, vs = 0;
      for (let j = 0; j < params; j++) {
        cov += (u[j]! - mu) * (share[j]! - ms);
        vu += (u[j]! - mu) ** 2;
        vs += (share[j]! - ms) ** 2;
      }
      expect(Math.abs(cov / Math.sqrt(vu * vs))).toBeLessThan(0.15); // a leader share is uncorrelated with its update
    }
    await secure.finish(1);
    const manifest = ManifestSchema.parse((await app.inject({ method: 'GET', url: `/models/${MODEL}/latest.json` })).json());
    expect(manifest.version).toBe(2);
    expect(manifest.lineage).toEqual({ kind: 'aggregate', round: 1, optimizer: 'fedavg' });
    expect(manifest.privacy).toMatchObject({ mechanism: 'distributed-skellam', sampling: 'device-coin', noiseMultiplier: Z, sampleRate: 1 });
    expect(manifest.privacy!.epsilon).toBeGreaterThan(0);
    const w = bytesToFloats(new Uint8Array((await app.inject({ method: 'GET', url: `/models/${MODEL}/2/weights.bin` })).rawPayload));
    let se = 0;
    for (let j = 0; j < params; j++) se += (w[j]! - updates.reduce((s, u) => s + u[j]!, 0) / K) ** 2;
    const std = Math.sqrt(se / params);
    expect(std).toBeGreaterThan(0.7 * (Z * CLIP) / K);
    expect(std).toBeLessThan(1.3 * (Z * CLIP) / K);
    // Published: the leader dropped the reports; the next round is open.
    expect(await store.roundReports(MODEL, 1)).toEqual([]);
    expect((await ticket()).round).toBe(2);
  }, STORE_TIMEOUT_MS);

  it('the helper never sums a report in a second batch, nor a batch below K', async () => {
    const agg = injectClient(helper, token);
    const t = await ticket();
    const r = decodeReport(await buildReport({ model: MODEL, round: t.round, baseVersion: t.baseVersion, ticket: t.ticket, clip: CLIP, secure: t.secure!, update: new Float32Array(params) }));
    const one = { id: t.ticket.split('.')[1]!, sealed: Buffer.from(r.sealedSeed).toString('base64') };
    await expect(agg.aggregate({ model: MODEL, round: t.round, params, reports: [one] })).rejects.toMatchObject({ code: 'batch_too_small' });
    // Round 1's batch again, under another batch name (another round), minus nothing: its reports were used.
    const { rows } = await (batches as unknown as { batch: (id: string) => Promise<unknown> }).batch(`${MODEL}:1`).then((b) => ({ rows: b ? [b] : [] }));
    expect(rows).toHaveLength(1);
    const used = (rows[0] as { included: string[] }).included;
    const replay = used.map((id) => ({ id, sealed: one.sealed }));
    await expect(agg.aggregate({ model: MODEL, round: 99, params, reports: replay })).rejects.toMatchObject({ code: 'report_reused' });
    const wrongToken = await helper.inject({ method: 'POST', url: '/v1/aggregate', payload: { model: MODEL, round: 5, params, reports: [one] }, headers: { authorization: 'Bearer nope' } });
    expect(wrongToken.statusCode).toBe(401);
    expect(wrongToken.json()).toMatchObject({ error: 'unauthorized' });
  }, STORE_TIMEOUT_MS);
});

// The PGlite store on a temp folder: seeding, rounds (open → aggregating → published | failed), single-use
// tickets, publishing on the K-th update, serialized concurrent ingestion, rollback of a failed aggregation,
// a failed round that stops training (privacy budget), setCurrent (rollback) and a restart that keeps state.
import { PGlite } from '@electric-sql/pglite';
import { DEFAULT_CHUNK, quantizeInt8 } from '../../src/shared/federated/quantize.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FEDERATED } from '../config.js';
import { RoundFailedError } from '../federated/round-state.js';
import { makeAggregator } from '../publish.js';
import { STORE_TIMEOUT_MS, makeVersion, tempDir } from '../testing.js';
import { floatsToBytes } from '../weights-codec.js';
import { PgliteStore } from './pglite-store.js';
import type { IngestPolicy, NewUpdate } from './store.js';

const MODEL = 'store-test';
const seed = makeVersion(MODEL, 1);
const params = seed.weights.byteLength / 4;
const policy: IngestPolicy = { minUpdates: 3, aggregate: makeAggregator({ ...DEFAULT_FEDERATED, noiseMultiplier: 0 }, 3) };
let nonce = 0;
const update = (baseVersion: number, round: number, value = 0.01, ticketNonce = `n${nonce++}`): NewUpdate => ({
  model: MODEL,
  round,
  baseVersion,
  exampleCount: 1,
  quantized: quantizeInt8(new Float32Array(params).fill(value), DEFAULT_CHUNK, () => 0.5),
  ticketNonce,
});

describe('PgliteStore', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let store: PgliteStore;
  const openRound = async () => (await store.openRound(MODEL)).round!;

  beforeAll(async () => {
    tmp = await tempDir();
    store = await PgliteStore.open(`${tmp.dir}/db`);
  }, STORE_TIMEOUT_MS);
  afterAll(async () => {
    await store?.close();
    await tmp?.remove();
  });

  it('knows nothing of a model before its seed, then serves the seed as current', async () => {
    expect(await store.current(MODEL)).toBeNull();
    expect(await store.ingest(update(1, 1), policy)).toEqual({ status: 'unknown_model' });
    expect(await store.openRound(MODEL)).toEqual({ round: null, stopped: null });
    await store.importSeed(seed);
    expect(await store.current(MODEL)).toEqual(seed.manifest);
    expect(JSON.stringify(await store.current(MODEL))).toBe(JSON.stringify(seed.manifest));
    expect(await store.weights(MODEL, 1)).toEqual(seed.weights);
    expect(await store.weights(MODEL, 2)).toBeNull();
    await expect(store.importSeed(seed)).rejects.toThrow(/already has versions/);
  });

  it('opens one round on the current version and keeps it open until it completes', async () => {
    const r = await openRound();
    expect(r).toEqual({ id: 1, model: MODEL, baseVersion: 1, state: 'open', pending: 0 });
    expect(await openRound()).toEqual(r);
  });

  it('stores updates once per ticket, refuses stale versions and other rounds, and publishes on the K-th', async () => {
    expect(await store.ingest(update(1, 1, 0.01, 'same'), policy)).toEqual({ status: 'accepted', pending: 1, published: null });
    expect(await store.ingest(update(1, 1, 0.01, 'same'), policy)).toEqual({ status: 'ticket_used' });
    expect(await store.ingest(update(7, 1), policy)).toEqual({ status: 'stale', current: 1 });
    expect(await store.ingest(update(1, 9), policy)).toEqual({ status: 'wrong_round', current: 1 });
    expect(await store.ingest(update(1, 1), policy)).toEqual({ status: 'accepted', pending: 2, published: null });
    expect(await store.counts(MODEL)).toEqual({ versions: 1, pending: 2, updates: 2 });
    expect(await store.ingest(update(1, 1), policy)).toEqual({ status: 'accepted', pending: 0, published: 2 });
    const v2 = await store.current(MODEL);
    expect(v2).toMatchObject({ version: 2, parent: 1, lineage: { round: 1, updates: 3 }, privacy: { rounds: 1, epsilon: null } });
    expect(await store.counts(MODEL)).toEqual({ versions: 2, pending: 0, updates: 3 });
    expect(await openRound()).toMatchObject({ id: 2, baseVersion: 2, state: 'open' });
    expect(await store.ingest(update(1, 1), policy)).toEqual({ status: 'stale', current: 2 });
    expect(await store.ingest(update(2, 1), policy)).toEqual({ status: 'wrong_round', current: 2 });
  });

  it('serializes concurrent ingestion: 2K simultaneous updates publish exactly one version', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => store.ingest(update(2, 2), policy)));
    const published = results.flatMap((r) => (r.status === 'accepted' && r.published !== null ? [r.published] : []));
    expect(published).toEqual([3]);
    // The other three were computed against version 2, which is no longer current after the first publish.
    expect(results.filter((r) => r.status === 'stale')).toHaveLength(3);
    expect((await store.current(MODEL))?.version).toBe(3);
  });

  it('rolls the whole ingestion back when aggregation throws an unexpected error', async () => {
    const failing: IngestPolicy = { minUpdates: 1, aggregate: () => { throw new Error('boom'); } };
    const before = await store.counts(MODEL);
    await expect(store.ingest(update(3, 3), failing)).rejects.toThrow('boom');
    expect(await store.counts(MODEL)).toEqual(before);
    expect(await openRound()).toMatchObject({ id: 3, state: 'open' });
  });

  it('rolls back to an older version: the open round is superseded, the next publish gets a new number', async () => {
    expect(await store.ingest(update(3, 3), policy)).toMatchObject({ status: 'accepted', pending: 1 });
    expect(await store.setCurrent(MODEL, 2)).toEqual({ previous: 3 });
    expect((await store.current(MODEL))?.version).toBe(2);
    const r = await openRound();
    expect(r).toMatchObject({ id: 4, baseVersion: 2, pending: 0 });
    expect(await store.ingest(update(3, 3), policy)).toEqual({ status: 'stale', current: 2 });
    for (let i = 0; i < 3; i++) await store.ingest(update(2, 4), policy);
    expect(await store.current(MODEL)).toMatchObject({ version: 4, parent: 2 });
    expect((await store.versions(MODEL)).map((v) => [v.manifest.version, v.current])).toEqual([[4, true], [3, false], [2, false], [1, false]]);
    await expect(store.setCurrent(MODEL, 99)).rejects.toThrow(/no version 99/);
  });

  it('a failed round with reopen opens the next; one without stops training for good', async () => {
    const fail = (reopen: boolean): IngestPolicy => ({
      minUpdates: 1,
      aggregate: () => { throw new RoundFailedError(reopen ? 'non_finite_result' : 'privacy_budget_exhausted', 'test', reopen); },
    });
    const r = await openRound();
    expect(await store.ingest(update(4, r.id), fail(true))).toEqual({ status: 'accepted', pending: 0, published: null, failed: 'non_finite_result' });
    const next = await openRound();
    expect(next.id).toBe(r.id + 1);
    expect(await store.ingest(update(4, next.id), fail(false))).toMatchObject({ failed: 'privacy_budget_exhausted' });
    expect(await store.openRound(MODEL)).toEqual({ round: null, stopped: 'privacy_budget_exhausted: test' });
    expect((await store.current(MODEL))?.version).toBe(4);
  });

  it('counts published rounds for the accountant and keeps everything across a restart', async () => {
    expect(await store.spent(MODEL)).toEqual([{ sampleRate: DEFAULT_FEDERATED.sampleRate, noiseMultiplier: 0, rounds: 3 }]);
    const before = await store.counts(MODEL);
    const manifest = await store.current(MODEL);
    await store.close();
    // Aggregated and failed rounds keep their rows but not their values.
    const raw = await PGlite.create(`${tmp.dir}/db`);
    const kept = await raw.query<{ n: number }>(
      `SELECT count(*)::integer AS n FROM updates u JOIN rounds r ON r.id = u.round_id
        WHERE r.state IN ('published', 'failed') AND (octet_length(u.delta) > 0 OR u.quantized IS NOT NULL)`,
    );
    const rows = await raw.query<{ n: number }>('SELECT count(*)::integer AS n FROM updates');
    await raw.close();
    expect(kept.rows[0]!.n).toBe(0);
    expect(rows.rows[0]!.n).toBe(before.updates);
    store = await PgliteStore.open(`${tmp.dir}/db`);
    expect(await store.counts(MODEL)).toEqual(before);
    expect(await store.current(MODEL)).toEqual(manifest);
    expect((await store.openRound(MODEL)).stopped).toMatch(/privacy_budget_exhausted/);
  }, STORE_TIMEOUT_MS);
});

describe('PgliteStore group commit and stored form', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let store: PgliteStore;
  const openRound = async () => (await store.openRound(MODEL)).round!;

  beforeAll(async () => {
    tmp = await tempDir();
    store = await PgliteStore.open(`${tmp.dir}/db`);
    await store.importSeed(seed);
  }, STORE_TIMEOUT_MS);
  afterAll(async () => {
    await store?.close();
    await tmp?.remove();
  });

  it('commits concurrent updates together: a ticket used twice in one batch is accepted once', async () => {
    const r = await openRound();
    const results = await Promise.all([update(1, r.id, 0.01, 'twice'), update(1, r.id, 0.01, 'twice'), update(1, r.id)].map((u) => store.ingest(u, policy)));
    expect(results).toEqual([{ status: 'accepted', pending: 1, published: null }, { status: 'ticket_used' }, { status: 'accepted', pending: 2, published: null }]);
    expect(await store.counts(MODEL)).toEqual({ versions: 1, pending: 2, updates: 2 });
  });

  it('a batch whose aggregation throws is redone update by update: only the failing ones are refused', async () => {
    const failing: IngestPolicy = { minUpdates: 3, aggregate: () => { throw new Error('boom'); } };
    const r = await openRound();
    const results = await Promise.allSettled([update(1, r.id), update(1, r.id)].map((u) => store.ingest(u, failing)));
    expect(results.map((x) => x.status)).toEqual(['rejected', 'rejected']);
    expect(await store.counts(MODEL)).toEqual({ versions: 1, pending: 2, updates: 2 });
    // The cohort closes with the good policy; the stored int8 form aggregates to the update's value.
    expect(await store.ingest(update(1, r.id), policy)).toEqual({ status: 'accepted', pending: 0, published: 2 });
  });

  it('keeps float32 updates stored before migration 4 readable: a round pending across the upgrade publishes', async () => {
    const r = await openRound();
    await store.close();
    const raw = await PGlite.create(`${tmp.dir}/db`);
    await raw.query('INSERT INTO updates (model, base_version, example_count, delta, round_id, ticket_nonce) VALUES ($1, 2, 1, $2, $3, $4)', [
      MODEL,
      floatsToBytes(new Float32Array(params).fill(0.01)),
      r.id,
      'old-row',
    ]);
    await raw.close();
    store = await PgliteStore.open(`${tmp.dir}/db`);
    const results = await Promise.all([update(2, r.id), update(2, r.id)].map((u) => store.ingest(u, policy)));
    expect(results).toEqual([{ status: 'accepted', pending: 2, published: null }, { status: 'accepted', pending: 0, published: 3 }]);
    expect(await store.current(MODEL)).toMatchObject({ version: 3, lineage: { updates: 3 } });
  }, STORE_TIMEOUT_MS);

  it("counts a round's pending updates through an index, not a scan of every update ever stored (migration 5)", async () => {
    const r = await openRound();
    await store.close();
    const raw = await PGlite.create(`${tmp.dir}/db`);
    try {
      await raw.exec('SET enable_seqscan = off');
      const plan = await raw.query<{ 'QUERY PLAN': string }>('EXPLAIN SELECT count(*) FROM updates WHERE round_id = $1 AND consumed_in_version IS NULL', [r.id]);
      expect(plan.rows.map((x) => x['QUERY PLAN']).join('\n')).toContain('updates_round_pending');
    } finally {
      await raw.close();
    }
    store = await PgliteStore.open(`${tmp.dir}/db`);
  }, STORE_TIMEOUT_MS);
});

describe('PgliteStore group commit', () => {
  it('commits concurrent uploads in one transaction even when each brings its own (equal) policy object', async () => {
    const db = await PGlite.create();
    let transactions = 0;
    const counting = {
      query: db.query.bind(db),
      exec: db.exec.bind(db),
      close: db.close.bind(db),
      transaction: <T>(fn: Parameters<typeof db.transaction<T>>[0]) => {
        transactions++;
        return db.transaction(fn);
      },
    };
    const { migrate } = await import('./migrations.js');
    await migrate(db);
    const store = PgliteStore.over(counting as never);
    try {
      await store.importSeed(seed);
      const round = (await store.openRound(MODEL)).round!;
      const before = transactions;
      // As the route builds them: a fresh object per request, the same cohort and aggregator.
      const results = await Promise.all(Array.from({ length: 8 }, () => store.ingest(update(1, round.id), { ...policy, minUpdates: 100 })));
      expect(results.every((r) => r.status === 'accepted')).toBe(true);
      expect(transactions - before).toBe(1);
      // A different cohort size is a different policy: its own transaction.
      await Promise.all([store.ingest(update(1, round.id), { ...policy, minUpdates: 100 }), store.ingest(update(1, round.id), { ...policy, minUpdates: 200 })]);
      expect(transactions - before).toBe(3);
    } finally {
      await store.close();
    }
  }, STORE_TIMEOUT_MS);
});

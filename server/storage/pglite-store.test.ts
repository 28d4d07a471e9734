// The PGlite store on a temp folder: seeding, ingestion and publishing, serialized concurrent ingestion,
// and a restart (close, reopen the same folder) that keeps versions and pending updates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateNextVersion } from '../publish.js';
import { STORE_TIMEOUT_MS, makeVersion, tempDir } from '../testing.js';
import { floatsToBytes } from '../weights-codec.js';
import { PgliteStore } from './pglite-store.js';
import type { IngestPolicy, NewUpdate } from './store.js';

const MODEL = 'store-test';
const seed = makeVersion(MODEL, 1);
const params = seed.weights.byteLength / 4;
const policy: IngestPolicy = { minUpdates: 3, aggregate: aggregateNextVersion };
const update = (baseVersion: number, value = 0.5, exampleCount = 1): NewUpdate => ({
  model: MODEL,
  baseVersion,
  exampleCount,
  delta: floatsToBytes(new Float32Array(params).fill(value)),
});

describe('PgliteStore', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let store: PgliteStore;

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
    expect(await store.ingest(update(1), policy)).toEqual({ status: 'unknown_model' });
    await store.importSeed(seed);
    expect(await store.current(MODEL)).toEqual(seed.manifest);
    expect(await store.manifest(MODEL, 1)).toEqual(seed.manifest);
    expect(await store.weights(MODEL, 1)).toEqual(seed.weights);
    expect(await store.weights(MODEL, 2)).toBeNull();
    await expect(store.importSeed(seed)).rejects.toThrow(/already has versions/);
  });

  it('keeps manifest key order through jsonb', async () => {
    expect(JSON.stringify(await store.current(MODEL))).toBe(JSON.stringify(seed.manifest));
  });

  it('stores updates, refuses stale ones, and publishes on the K-th', async () => {
    expect(await store.ingest(update(1), policy)).toEqual({ status: 'accepted', pending: 1, published: null });
    expect(await store.ingest(update(7), policy)).toEqual({ status: 'stale', current: 1 });
    expect(await store.ingest(update(1), policy)).toEqual({ status: 'accepted', pending: 2, published: null });
    expect(await store.counts(MODEL)).toEqual({ versions: 1, pending: 2, updates: 2 });
    expect(await store.ingest(update(1), policy)).toEqual({ status: 'accepted', pending: 0, published: 2 });
    const v2 = await store.current(MODEL);
    expect(v2?.version).toBe(2);
    expect(v2?.parent).toBe(1);
    expect(await store.counts(MODEL)).toEqual({ versions: 2, pending: 0, updates: 3 });
    expect(await store.ingest(update(1), policy)).toEqual({ status: 'stale', current: 2 });
  });

  it('serializes concurrent ingestion: 2K simultaneous updates publish exactly two versions', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => store.ingest(update(2), policy)));
    const published = results.flatMap((r) => (r.status === 'accepted' && r.published !== null ? [r.published] : []));
    expect(published).toEqual([3]);
    // The other three were computed against version 2, which is no longer current after the first publish.
    expect(results.filter((r) => r.status === 'stale')).toHaveLength(3);
    expect((await store.current(MODEL))?.version).toBe(3);
  });

  it('rolls the whole ingestion back when aggregation throws', async () => {
    const failing: IngestPolicy = {
      minUpdates: 1,
      aggregate: () => {
        throw new Error('boom');
      },
    };
    const before = await store.counts(MODEL);
    await expect(store.ingest(update(3), failing)).rejects.toThrow('boom');
    expect(await store.counts(MODEL)).toEqual(before);
  });

  it('keeps versions and pending updates across a restart', async () => {
    expect(await store.ingest(update(3), policy)).toMatchObject({ status: 'accepted', pending: 1 });
    const before = await store.counts(MODEL);
    const manifest = await store.current(MODEL);
    const weights = await store.weights(MODEL, 3);
    await store.close();
    store = await PgliteStore.open(`${tmp.dir}/db`);
    expect(await store.counts(MODEL)).toEqual(before);
    expect(await store.current(MODEL)).toEqual(manifest);
    expect(await store.weights(MODEL, 3)).toEqual(weights);
    expect(await store.ingest(update(3), policy)).toMatchObject({ status: 'accepted', pending: 2 });
  }, STORE_TIMEOUT_MS);
});

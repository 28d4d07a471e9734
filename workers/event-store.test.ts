import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { appendEvents, LEGACY_SPACE, MemoryEventStore, openEventStore, SCHEMA_VERSION, type EventStore } from './event-store.js';

async function exercise(store: EventStore) {
  const seqs = await store.addEvents([
    { type: 'view_item', itemId: 'a', at: 1 },
    { type: 'add_to_cart', itemId: 'b', at: 2, listId: 'home', position: 3 },
  ]);
  expect(seqs).toHaveLength(2);
  expect(seqs[1]!).toBeGreaterThan(seqs[0]!);
  await store.addEvents([{ type: 'purchase', itemId: 'c', at: 3 }]);
  expect(await store.countEvents()).toBe(3);
  const recent = await store.recentEvents(2);
  expect(recent.map((e) => e.itemId)).toEqual(['b', 'c']);
  expect(recent[0]).toMatchObject({ listId: 'home', position: 3 });
  await store.putVectors('space-1', [['a', new Float32Array([1, 2])]]);
  await store.putVectors('space-2', [['a', new Float32Array([3, 4])]]);
  const found = await store.getVectors('space-1', ['a', 'zzz']);
  expect([...found.keys()]).toEqual(['a']);
  expect(Array.from(found.get('a')!)).toEqual([1, 2]);
  // Keyed by (space, id): one space's vector never answers for another's.
  expect(Array.from((await store.getVectors('space-2', ['a'])).get('a')!)).toEqual([3, 4]);
  expect((await store.getVectors('space-3', ['a'])).size).toBe(0);
  await store.setMeta('model', { version: 2 });
  expect(await store.getMeta('model')).toEqual({ version: 2 });
}

describe('event store', () => {
  it('stores events, vectors and metadata in IndexedDB', async () => {
    const store = await openEventStore('shelf-test-1');
    expect(store.kind).toBe('indexeddb');
    await exercise(store);
    store.close();
  });

  it('keeps events across a reopen (same database name)', async () => {
    const a = await openEventStore('shelf-test-2');
    await a.addEvents([{ type: 'view_item', itemId: 'kept', at: 1 }]);
    a.close();
    const b = await openEventStore('shelf-test-2');
    expect((await b.recentEvents(10)).map((e) => e.itemId)).toEqual(['kept']);
    b.close();
  });

  it('has an in-memory stand-in with the same behaviour and a reason', async () => {
    const store = new MemoryEventStore('private mode');
    expect(store.reason).toBe('private mode');
    await exercise(store);
  });

  it('upgrades a v1 database in place and keeps its events and vectors', async () => {
    const v1 = await openDB('shelf-test-upgrade', 1, {
      upgrade(db) {
        db.createObjectStore('events', { keyPath: 'seq', autoIncrement: true }).createIndex('at', 'at');
        db.createObjectStore('vectors', { keyPath: 'id' });
        db.createObjectStore('meta');
      },
    });
    await v1.add('events', { type: 'view_item', itemId: 'old', at: 5 });
    await v1.put('vectors', { id: 'old', vector: new Float32Array([1]), seenAt: 5 });
    v1.close();
    const store = await openEventStore('shelf-test-upgrade');
    expect(store.kind).toBe('indexeddb');
    expect(SCHEMA_VERSION).toBeGreaterThan(1);
    expect((await store.recentEvents(5)).map((e) => e.itemId)).toEqual(['old']);
    // Vectors cached before spaces were recorded are kept, under the legacy space no model names.
    expect((await store.getVectors(LEGACY_SPACE, ['old'])).has('old')).toBe(true);
    expect((await store.getVectors('any-space', ['old'])).size).toBe(0);
    await store.putVectors('s', [['old', new Float32Array([2])]]);
    expect(Array.from((await store.getVectors('s', ['old'])).get('old')!)).toEqual([2]);
    const id = await store.enqueueUpload({ createdAt: 1, payload: { delta: 'abc' } });
    expect(await store.listUploads()).toEqual([{ id, createdAt: 1, payload: { delta: 'abc' } }]);
    store.close();
  });

  for (const make of [() => openEventStore('shelf-test-retention'), async () => new MemoryEventStore('memory')]) {
    it('prunes by age and count, oldest first, and bounds the vector cache', async () => {
      const store = await make();
      const day = 86_400_000;
      const now = 100 * day;
      await store.addEvents([{ type: 'view_item', itemId: 'ancient', at: now - 40 * day }]);
      await store.addEvents(Array.from({ length: 10 }, (_, i) => ({ type: 'view_item' as const, itemId: `e${i}`, at: now - i })));
      for (let i = 0; i < 6; i++) await store.putVectors('s', [[`v${i}`, new Float32Array([i])]]);
      const removed = await store.prune({ maxEvents: 4, maxAgeMs: 30 * day, maxVectors: 3 }, now);
      expect(removed).toBe(7);
      expect((await store.recentEvents(100)).map((e) => e.itemId)).toEqual(['e6', 'e7', 'e8', 'e9']);
      expect((await store.getVectors('s', ['v0', 'v1', 'v2', 'v3', 'v4', 'v5'])).size).toBe(3);
      store.close();
    });

    it('queues uploads and persists local model state', async () => {
      const store = await make();
      const a = await store.enqueueUpload({ createdAt: 1, payload: 'a' });
      const b = await store.enqueueUpload({ createdAt: 2, payload: 'b' });
      await store.deleteUpload(a);
      expect((await store.listUploads()).map((u) => [u.id, u.payload])).toEqual([[b, 'b']]);
      const state = { model: 'm', baseVersion: 3, weights: new Float32Array([1, 2]), sentDelta: null, pendingExamples: 4, trainedSteps: 6, savedAt: 7 };
      await store.putModelState(state);
      expect(await store.getModelState('m')).toEqual(state);
      expect(await store.getModelState('other')).toBeUndefined();
      store.close();
    });
  }

  it('when storage is full, drops the oldest events and keeps the new ones', async () => {
    const store = new MemoryEventStore('memory');
    await store.addEvents(Array.from({ length: 20 }, (_, i) => ({ type: 'view_item' as const, itemId: `old${i}`, at: i })));
    const real = store.addEvents.bind(store);
    let failures = 1;
    store.addEvents = async (events) => {
      if (failures-- > 0) throw new DOMException('full', 'QuotaExceededError');
      return real(events);
    };
    const { seqs, dropped } = await appendEvents(store, [{ type: 'purchase', itemId: 'new', at: 99 }]);
    expect(seqs).toHaveLength(1);
    expect(dropped).toBe(2);
    const kept = (await store.recentEvents(100)).map((e) => e.itemId);
    expect(kept[0]).toBe('old2');
    expect(kept.at(-1)).toBe('new');
  });

  it('falls back to memory with the reason when another tab keeps an older version open', async () => {
    const old = await openDB('shelf-test-blocked', 1, {
      upgrade(db) {
        db.createObjectStore('events', { keyPath: 'seq', autoIncrement: true }).createIndex('at', 'at');
        db.createObjectStore('vectors', { keyPath: 'id' });
        db.createObjectStore('meta');
      },
    });
    // `old` ignores versionchange, as a tab running older code might.
    const store = await openEventStore('shelf-test-blocked', { blockedTimeoutMs: 100 });
    expect(store.kind).toBe('memory');
    expect(store.reason).toMatch(/blocked/);
    old.close();
  });

  it('falls back to memory when the database is at a newer version', async () => {
    const newer = await openDB('shelf-test-newer', SCHEMA_VERSION + 5);
    newer.close();
    const store = await openEventStore('shelf-test-newer');
    expect(store.kind).toBe('memory');
    expect(store.reason).toMatch(/VersionError/);
  });
});

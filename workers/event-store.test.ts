import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { MemoryEventStore, openEventStore, type EventStore } from './event-store.js';

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
  await store.putVectors([['a', new Float32Array([1, 2])]]);
  const found = await store.getVectors(['a', 'zzz']);
  expect([...found.keys()]).toEqual(['a']);
  expect(Array.from(found.get('a')!)).toEqual([1, 2]);
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
});

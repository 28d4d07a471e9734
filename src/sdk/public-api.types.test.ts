// Type test of the SDK's public surface (checked by `tsc -b`; the runtime part is trivial). Only types are
// imported, so nothing here loads a worker.
import { describe, expectTypeOf, it } from 'vitest';
import type {
  Candidate,
  ConsentState,
  QueuedMethod,
  SdkOptions,
  SdkStatus,
  ShelfClient,
  ShelfEvent,
  ShelfGlobal,
  ShelfRerankResult,
  createShelf,
} from './index.js';

interface Product extends Candidate {
  id: string;
  title: string;
  vector: number[];
}

describe('public SDK types', () => {
  it('createShelf returns the client; init takes SdkOptions and resolves a status', () => {
    expectTypeOf<ReturnType<typeof createShelf>>().toEqualTypeOf<ShelfClient>();
    expectTypeOf<ShelfClient['init']>().parameter(0).toEqualTypeOf<SdkOptions | undefined>();
    expectTypeOf<ReturnType<ShelfClient['init']>>().resolves.toEqualTypeOf<SdkStatus>();
    expectTypeOf<SdkOptions>().toHaveProperty('consentDefault').toEqualTypeOf<ConsentState | undefined>();
    expectTypeOf<SdkOptions>().toHaveProperty('siteKey').toEqualTypeOf<string | undefined>();
    expectTypeOf<SdkStatus['mode']>().toEqualTypeOf<'idle' | 'starting' | 'worker' | 'fallback' | 'off' | 'forgotten'>();
  });

  it('rerank keeps the caller item type, with score, server rank and attribution id', () => {
    type R = Awaited<ReturnType<ShelfClient['rerank']>>;
    expectTypeOf<R>().toHaveProperty('rerankId').toBeString();
    type Item = ShelfRerankResult<Product>['items'][number];
    expectTypeOf<Item['item']>().toEqualTypeOf<Product>();
    expectTypeOf<Item['score']>().toEqualTypeOf<number | null>();
    expectTypeOf<Item['serverRank']>().toBeNumber();
    expectTypeOf<ShelfRerankResult<Product>['source']>().toEqualTypeOf<'model' | 'fallback'>();
  });

  it('track takes Shelf events, GA4 or Segment names with parameters', () => {
    expectTypeOf<ShelfClient['track']>().parameter(0).toEqualTypeOf<ShelfEvent | string | Record<string, unknown>>();
    expectTypeOf<ReturnType<ShelfClient['track']>>().resolves.toBeBoolean();
    expectTypeOf<ShelfClient['consent']>().parameter(0).toEqualTypeOf<ConsentState>();
    // @ts-expect-error consent is 'granted' or 'denied'
    expectTypeOf<ShelfClient['consent']>().toBeCallableWith('maybe');
  });

  it('events lists what is stored on this device', () => {
    expectTypeOf<ShelfClient['events']>().parameter(0).toEqualTypeOf<number | undefined>();
    type E = Awaited<ReturnType<ShelfClient['events']>>[number];
    expectTypeOf<E['type']>().toBeString();
    expectTypeOf<E['itemId']>().toBeString();
    expectTypeOf<E['at']>().toBeNumber();
  });

  it('every queued method exists on the client and on the global', () => {
    expectTypeOf<Exclude<QueuedMethod, keyof ShelfClient>>().toBeNever();
    expectTypeOf<ShelfGlobal['rerankElements']>().toEqualTypeOf<ShelfClient['rerankElements']>();
    expectTypeOf<ShelfGlobal['initialized']>().toEqualTypeOf<true>();
  });
});

// A malformed option never throws into the shop's page: init resolves with Shelf off and the reason
// `invalid_options` (here for the helper key pin, whose value a shop copies by hand from the helper's operator).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ShelfClient } from './client.js';

describe('ShelfClient.init with a malformed option', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('resolves with mode off and reason invalid_options instead of throwing', async () => {
    vi.stubGlobal('location', { href: 'https://shop.example/' });
    for (const helperKeySha256 of ['not-a-fingerprint', ['ab'.repeat(32), 'ab'.repeat(31)]]) {
      const client = new ShelfClient();
      await expect(client.init({ helperKeySha256, consentDefault: 'denied' })).resolves.toMatchObject({ mode: 'off', reason: 'invalid_options', engine: null });
    }
    // A well-formed pin is accepted (consent denied keeps the engine from starting here).
    const ok = await new ShelfClient().init({ helperKeySha256: ['ab'.repeat(32)], consentDefault: 'denied', respectGpc: false, dataLayer: false, autoCapture: false });
    expect(ok.reason).not.toBe('invalid_options');
  });
});

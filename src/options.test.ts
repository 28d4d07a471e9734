import { describe, expect, it } from 'vitest';
import { DEFAULTS, SDK_DEFAULTS, resolveOptions, resolveSdkOptions } from './options.js';

describe('resolveOptions', () => {
  it('fills frozen defaults and resolves the server URL against the page', () => {
    const o = resolveOptions({}, 'https://shop.example/products/1');
    expect(o.serverUrl).toBe('https://shop.example/');
    expect(o.backends).toEqual(DEFAULTS.backends);
    expect(Object.isFrozen(o)).toBe(true);
    expect(resolveOptions({ serverUrl: 'https://cdn.example/shelf' }, 'https://shop.example/').serverUrl).toBe('https://cdn.example/shelf/');
  });
  it('passes the public site key to the engine, and leaves it out when none is given', () => {
    expect(resolveOptions({ siteKey: 'pk_shop_12345' }, 'https://x/').siteKey).toBe('pk_shop_12345');
    expect('siteKey' in resolveOptions({}, 'https://x/')).toBe(false);
    expect(resolveSdkOptions({ siteKey: 'pk_shop_12345', consentDefault: 'denied' }, 'https://x/').resolved.siteKey).toBe('pk_shop_12345');
    expect(() => resolveOptions({ siteKey: 'short' }, 'https://x/')).toThrow(/siteKey/);
    expect(() => resolveOptions({ siteKey: 'pk_a_12345,pk_b_12345' }, 'https://x/')).toThrow(/siteKey/);
    expect(() => resolveOptions({ siteKey: 12345678 as never }, 'https://x/')).toThrow(/siteKey/);
  });
  it('takes a pinned helper key fingerprint, or a list of them, lowercased, and rejects anything else with a clear message', () => {
    const h = 'ab'.repeat(32);
    const g = 'CD'.repeat(32);
    expect(resolveOptions({ helperKeySha256: h }, 'https://x/').helperKeySha256).toEqual([h]);
    const both = resolveOptions({ helperKeySha256: [h, g, h] }, 'https://x/').helperKeySha256;
    expect(both).toEqual([h, 'cd'.repeat(32)]);
    expect(Object.isFrozen(both)).toBe(true);
    expect('helperKeySha256' in resolveOptions({}, 'https://x/')).toBe(false);
    expect(resolveSdkOptions({ helperKeySha256: h }, 'https://x/').resolved.helperKeySha256).toEqual([h]);
    for (const bad of ['ab'.repeat(31), `${h}0`, `sha256:${h}`, ` ${h}`, 'zz'.repeat(32), [], [h, 'nope'], Array(9).fill(h), 42, null, { h }]) {
      let err: unknown;
      try {
        resolveOptions({ helperKeySha256: bad as never }, 'https://x/');
      } catch (e) {
        err = e;
      }
      expect(err, String(bad)).toMatchObject({ code: 'invalid_options', message: expect.stringMatching(/^helperKeySha256 must be the helper aggregator's key fingerprint \(64 hex digits/) });
    }
  });
  it('keeps an explicit 0', () => {
    expect(resolveOptions({ modelCheckIntervalMs: 0 }, 'https://x/').modelCheckIntervalMs).toBe(0);
  });
  it('rejects unknown keys and bad values with the key named', () => {
    expect(() => resolveOptions({ trainevery: 3 } as never, 'https://x/')).toThrow(/unknown option\(s\): trainevery/);
    expect(() => resolveOptions({ timeoutMs: -1 }, 'https://x/')).toThrow(/timeoutMs/);
    expect(() => resolveOptions({ backends: ['metal' as never] }, 'https://x/')).toThrow(/backends/);
    try {
      resolveOptions({ model: 'Bad Name' }, 'https://x/');
    } catch (e) {
      expect((e as { code: string }).code).toBe('invalid_options');
    }
  });
});

describe('resolveSdkOptions', () => {
  it('fills SDK defaults and passes the rest to the engine options', () => {
    const { sdk, engine, resolved } = resolveSdkOptions({ dbName: 'x', dwellMs: 0 }, 'https://shop.example/');
    expect(sdk).toEqual({ ...SDK_DEFAULTS, dwellMs: 0 });
    expect(Object.isFrozen(sdk)).toBe(true);
    expect(engine).toEqual({ dbName: 'x' });
    expect(resolved.dbName).toBe('x');
  });
  it('rejects bad SDK values and unknown keys, naming them', () => {
    expect(() => resolveSdkOptions({ consentDefault: 'maybe' as never }, 'https://x/')).toThrow(/consentDefault/);
    expect(() => resolveSdkOptions({ dataLayer: 'not a name' }, 'https://x/')).toThrow(/dataLayer/);
    expect(() => resolveSdkOptions({ respectGpc: 'yes' as never }, 'https://x/')).toThrow(/respectGpc/);
    expect(() => resolveSdkOptions({ autocapture: true } as never, 'https://x/')).toThrow(/unknown option\(s\): autocapture/);
    expect(() => resolveSdkOptions({ gtagConsent: ['Not A Type'] }, 'https://x/')).toThrow(/gtagConsent/);
    expect(resolveSdkOptions({ dataLayer: false }, 'https://x/').sdk.dataLayer).toBe(false);
    expect(resolveSdkOptions({ gtagConsent: false }, 'https://x/').sdk.gtagConsent).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { consentText, modeText, reasonText } from './words.js';

describe('storefront words (no internal codes reach shoppers)', () => {
  it('never shows a code', () => {
    for (const code of ['cold_start', 'disabled', 'consent_denied', 'worker_unavailable', 'something_new', null]) {
      expect(reasonText(code)).not.toMatch(/_|^disabled$/);
    }
    expect(modeText({ mode: 'fallback', reason: 'cold_start' })).toBe("showing the shop's order (nothing browsed yet)");
  });

  it('does not say consent was given after forget', () => {
    expect(consentText({ mode: 'forgotten', consent: 'granted', consentSource: 'call' })).not.toMatch(/given|granted/);
    expect(consentText({ mode: 'worker', consent: 'granted', consentSource: 'call' })).toBe('given (your choice)');
  });
});

// Where the visitor's consent comes from: an explicit choice remembered on this device (localStorage key
// `shelf:consent`, the only thing Shelf keeps while consent is denied), Global Privacy Control, or the
// shop's default. Must never throw: storage may be blocked (sandboxed frames, privacy modes).
import type { ConsentState } from '../options.js';

export const CONSENT_KEY = 'shelf:consent';

/** Where the consent in force came from; `gtag` is Google Consent Mode in the dataLayer. */
export type ConsentSource = 'default' | 'gpc' | 'stored' | 'call' | 'gtag';

export function readStoredConsent(): ConsentState | null {
  try {
    const v = globalThis.localStorage?.getItem(CONSENT_KEY);
    return v === 'granted' || v === 'denied' ? v : null;
  } catch {
    return null;
  }
}

export function storeConsent(state: ConsentState | null): void {
  try {
    if (state === null) globalThis.localStorage?.removeItem(CONSENT_KEY);
    else globalThis.localStorage?.setItem(CONSENT_KEY, state);
  } catch {
    // Storage blocked: the choice lasts for this page only.
  }
}

/** True when the browser sends Global Privacy Control. */
export function gpcEnabled(): boolean {
  try {
    return (globalThis.navigator as { globalPrivacyControl?: unknown } | undefined)?.globalPrivacyControl === true;
  } catch {
    return false;
  }
}

/** The consent in force at start: a remembered choice, else GPC (when honoured), else the default. */
export function initialConsent(defaultState: ConsentState, respectGpc: boolean): { state: ConsentState; source: ConsentSource } {
  const stored = readStoredConsent();
  if (stored) return { state: stored, source: 'stored' };
  if (respectGpc && gpcEnabled()) return { state: 'denied', source: 'gpc' };
  return { state: defaultState, source: 'default' };
}

/** Deletes Shelf's IndexedDB database; resolves when it is gone (or cannot be deleted), never rejects. */
export function deleteDatabase(name: string): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = () => resolve(true);
      req.onerror = () => resolve(false);
    } catch {
      resolve(false);
    }
  });
}

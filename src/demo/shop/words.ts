// What the storefront shows a shopper about Shelf, in words: the SDK's modes, reasons and consent sources are
// codes for developers (`cold_start`, `disabled`, `gpc`); they must never reach the page as they are.
import type { SdkStatus } from '../../sdk/client.js';

const REASONS: Record<string, string> = {
  cold_start: 'nothing browsed yet',
  disabled: 'personalisation is off',
  consent_denied: 'personalisation is off',
  forgotten: 'your data was deleted',
  timeout: 'it took too long this time',
  csp_blocked_worker: 'not available on this page',
  worker_unavailable: 'not available right now',
  worker_crashed: 'not available right now',
  model_unavailable: 'not available right now',
  model_integrity: 'not available right now',
  invalid_candidates: 'not available for this list',
  invalid_options: 'not available right now',
};

/** A fallback reason in shopper's words (unknown codes get a neutral phrase, never the code). */
export function reasonText(reason: string | null | undefined): string {
  return (reason && REASONS[reason]) || 'not available right now';
}

const SOURCES: Record<SdkStatus['consentSource'], string> = {
  default: "the shop's default",
  gpc: "your browser's Global Privacy Control",
  stored: 'your earlier choice',
  call: 'your choice',
  gtag: "the shop's consent banner",
};

/** The consent line of the privacy panel. After "Forget me" there is no consent: Shelf is off on this page. */
export function consentText(s: Pick<SdkStatus, 'mode' | 'consent' | 'consentSource'>): string {
  if (s.mode === 'forgotten') return 'none: everything was deleted; reload to be asked again';
  return `${s.consent === 'granted' ? 'given' : 'not given'} (${SOURCES[s.consentSource] ?? 'unknown'})`;
}

/** What Shelf is doing, for the privacy panel. */
export function modeText(s: Pick<SdkStatus, 'mode' | 'reason'>): string {
  switch (s.mode) {
    case 'worker':
      return 'personalising on this device';
    case 'starting':
    case 'idle':
      return 'starting';
    case 'off':
      return 'off';
    case 'forgotten':
      return 'off: your data was deleted';
    default:
      return `showing the shop's order (${reasonText(s.reason)})`;
  }
}

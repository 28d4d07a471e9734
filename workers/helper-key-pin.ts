// The shop's pin on the helper aggregator's key (the `helperKeySha256` option), checked by the uploader before it
// seals anything. A leader that lies could relay its own key as the helper's and open every seed sealed to it
// (docs/PRIVACY.md, "A malicious leader"); with a pin the device computes the SHA-256 of the key the ticket carries
// itself and seals only to a pinned one. Must never let anything go out when a pin is set and the key is not pinned:
// not a report sealed to that key, and not a plain update (a leader could also drop the ticket's `secure` part).
import type { TicketResponse } from '../src/shared/protocol.js';
import { keyFingerprintOf } from '../src/shared/secure-aggregation/key-fingerprint.js';

/** Error codes a refused upload's message starts with (status().engine.lastError, the flush result's reason). */
export type PinRefusalCode = 'helper_key_mismatch' | 'helper_key_missing';

export interface PinCheck {
  /** The fingerprint of the ticket's helper key; null for a plain (central DP) ticket or an unreadable key. */
  readonly fingerprint: string | null;
  /** Why nothing may be sent for this ticket, as `<code>: <message>`; null when sending is allowed. */
  readonly refusal: string | null;
}

const refusal = (code: PinRefusalCode, message: string) => `${code}: ${message}; nothing was sent and the update stays on this device`;

/** Whether `ticket` may carry an upload under `pins` (lowercase hex fingerprints; null: no pin, anything goes). */
export async function checkHelperKeyPin(ticket: TicketResponse, pins: readonly string[] | null): Promise<PinCheck> {
  if (!ticket.secure) {
    return { fingerprint: null, refusal: pins ? refusal('helper_key_missing', 'the helper aggregator key is pinned (helperKeySha256) but the server runs without a helper (its ticket carries no key)') : null };
  }
  // Without WebCrypto (an insecure context) nothing can be sealed either; under a pin, an unverifiable key is refused.
  const fingerprint = await keyFingerprintOf(ticket.secure.publicKey).catch(() => null);
  if (!pins || (fingerprint !== null && pins.includes(fingerprint))) return { fingerprint, refusal: null };
  return {
    fingerprint,
    refusal: refusal('helper_key_mismatch', `the server relayed a helper key with sha256 ${fingerprint ?? '(unreadable)'}, which is not the pinned ${pins.join(' or ')} (helperKeySha256)`),
  };
}

/** Whether a queued body, sealed to the key with `fingerprint` (null: a plain update or an older queue entry), may go under `pins`. */
export function queuedBodyAllowed(fingerprint: string | null | undefined, pins: readonly string[] | null): boolean {
  return !pins || (typeof fingerprint === 'string' && pins.includes(fingerprint));
}

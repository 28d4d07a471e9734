// Round tickets: `<round>.<nonce>.<mac>`, where mac = HMAC-SHA256(secret, "<model>:<round>:<nonce>") in
// base64url. A ticket proves the server issued it for this model and round; single use is enforced by the
// store (the nonce is recorded with the update, in the same transaction). Carries nothing about the visitor.
// Must never compare MACs in variable time, and never log a secret.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface TicketSigner {
  issue(model: string, round: number): string;
  /** The ticket's round and nonce when its MAC is valid for `model`; null when forged or malformed. */
  verify(model: string, ticket: string): { round: number; nonce: string } | null;
}

const TICKET = /^([1-9]\d{0,9})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/**
 * @param secret HMAC key; null draws a random one (tickets then die with the process).
 * @example
 *   const t = ticketSigner('x'.repeat(32)); t.verify('m', t.issue('m', 3)) // { round: 3, nonce: '…' }
 */
export function ticketSigner(secret: string | null): TicketSigner {
  const key = secret === null ? randomBytes(32) : Buffer.from(secret, 'utf8');
  const mac = (model: string, round: number, nonce: string) => createHmac('sha256', key).update(`${model}:${round}:${nonce}`).digest('base64url');
  return {
    issue(model, round) {
      const nonce = randomBytes(16).toString('base64url');
      return `${round}.${nonce}.${mac(model, round, nonce)}`;
    },
    verify(model, ticket) {
      const m = TICKET.exec(ticket);
      if (!m) return null;
      const round = Number(m[1]);
      const nonce = m[2]!;
      const expected = Buffer.from(mac(model, round, nonce), 'utf8');
      const given = Buffer.from(m[3]!, 'utf8');
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
      return { round, nonce };
    },
  };
}

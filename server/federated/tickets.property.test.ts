// Property-based tests (fast-check) of the round-ticket parser: any string is either a ticket this signer
// issued for this model (and then exactly its round and nonce come back) or null — never an exception —
// and no change to a valid ticket's characters, nor a ticket for another model or key, verifies.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ticketSigner } from './tickets.js';

const signer = ticketSigner('k'.repeat(32));
const modelArb = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,63}$/);
const roundArb = fc.integer({ min: 1, max: 2 ** 32 - 1 });

describe('round tickets (property-based)', () => {
  it('returns null (never throws) for arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.stringMatching(/^\d{1,12}\.[A-Za-z0-9_-]{20,24}\.[A-Za-z0-9_-]{40,46}$/)), (s) => {
        expect(signer.verify('m', s)).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it('verifies its own tickets for the model and round issued, and no other model or key', () => {
    const other = ticketSigner('o'.repeat(32));
    fc.assert(
      fc.property(modelArb, modelArb, roundArb, (model, model2, round) => {
        const t = signer.issue(model, round);
        expect(t.length).toBeLessThanOrEqual(256);
        expect(signer.verify(model, t)).toEqual({ round, nonce: t.split('.')[1] });
        if (model2 !== model) expect(signer.verify(model2, t)).toBeNull();
        expect(other.verify(model, t)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('rejects every single-character change of a valid ticket', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.';
    fc.assert(
      fc.property(roundArb, fc.nat(), fc.constantFrom(...alphabet), (round, at, c) => {
        const t = signer.issue('m', round);
        const i = at % t.length;
        if (t[i] === c) return;
        const changed = t.slice(0, i) + c + t.slice(i + 1);
        expect(signer.verify('m', changed)).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });
});

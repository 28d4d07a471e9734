// Property-based tests (fast-check) of every decoder that reads bytes or JSON from a client or a server:
// the binary update codec, and the zod schemas of the manifest, ticket response, upload answer and error
// body. A decoder must either return a well-typed value or throw its own error type — never anything else,
// never hang — and encode/decode must round-trip every valid update.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorBodySchema, ManifestSchema, TicketResponseSchema, UpdateAcceptedSchema } from '../protocol.js';
import { EXAMPLE_BUCKET_MAX, HEADER_BYTES, WireFormatError, decodeUpdate, encodeUpdate, wireBytes, type WireUpdate } from './wire.js';

const ticketArb = fc.stringMatching(/^[\x21-\x7e]{1,256}$/);
const bucketArb = fc.integer({ min: 0, max: 6 }).map((k) => 2 ** k);
const u32 = fc.integer({ min: 0, max: 0xffffffff });

const updateArb: fc.Arbitrary<WireUpdate> = fc
  .record({
    n: fc.integer({ min: 0, max: 600 }),
    chunk: fc.integer({ min: 1, max: 65535 }),
    baseVersion: u32,
    round: u32,
    exampleBucket: bucketArb,
    ticket: ticketArb,
  })
  .chain((h) =>
    fc.record({
      q: fc.int8Array({ minLength: h.n, maxLength: h.n }),
      scales: fc.float32Array({ minLength: Math.ceil(h.n / h.chunk), maxLength: Math.ceil(h.n / h.chunk) }),
    }).map(({ q, scales }) => ({
      baseVersion: h.baseVersion,
      round: h.round,
      exampleBucket: h.exampleBucket,
      ticket: h.ticket,
      update: { chunk: h.chunk, scales, q },
    })),
  );

/** Decodes, and returns 'ok' or 'rejected'; any other exception fails the property. */
function decodeOrReject(bytes: Uint8Array): 'ok' | 'rejected' {
  try {
    const u = decodeUpdate(bytes);
    expect(u.update.q.length).toBe(bytes.byteLength - HEADER_BYTES - u.ticket.length - 4 * u.update.scales.length);
    expect(EXAMPLE_BUCKET_MAX % u.exampleBucket).toBe(0);
    return 'ok';
  } catch (err) {
    if (err instanceof WireFormatError) return 'rejected';
    throw err;
  }
}

describe('update wire codec (property-based)', () => {
  it('round-trips every valid update byte for byte', () => {
    fc.assert(
      fc.property(updateArb, (u) => {
        const bytes = encodeUpdate(u);
        expect(bytes.byteLength).toBe(wireBytes(u.update.q.length, u.update.chunk, u.ticket.length));
        const back = decodeUpdate(bytes);
        expect(back.baseVersion).toBe(u.baseVersion);
        expect(back.round).toBe(u.round);
        expect(back.exampleBucket).toBe(u.exampleBucket);
        expect(back.ticket).toBe(u.ticket);
        expect(back.update.chunk).toBe(u.update.chunk);
        expect(Array.from(back.update.q)).toEqual(Array.from(u.update.q));
        // Compare bit patterns: NaN payloads and -0 must survive too.
        expect(new Uint8Array(back.update.scales.buffer)).toEqual(new Uint8Array(u.update.scales.buffer));
        expect(encodeUpdate(back)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes arbitrary bytes to an update or a WireFormatError, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => void decodeOrReject(bytes)), { numRuns: 2000 });
  });

  it('rejects or decodes every mutation of a valid body (byte flips, truncation, extension) without throwing anything else', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }),
      fc.record({ kind: fc.constant('grow' as const), at: fc.nat({ max: 64 }), value: fc.integer({ min: 0, max: 255 }) }),
    );
    fc.assert(
      fc.property(updateArb, fc.array(mutation, { minLength: 1, maxLength: 4 }), (u, muts) => {
        let bytes = encodeUpdate(u);
        for (const m of muts) {
          if (m.kind === 'flip' && bytes.length > 0) {
            bytes = Uint8Array.from(bytes);
            bytes[m.at % bytes.length] = m.value;
          } else if (m.kind === 'cut') bytes = bytes.slice(0, m.at % (bytes.length + 1));
          else if (m.kind === 'grow') bytes = Uint8Array.from([...bytes, ...new Array<number>(m.at + 1).fill(m.value)]);
        }
        decodeOrReject(bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads a body from inside a larger buffer (byteOffset ≠ 0) exactly as a copy', () => {
    fc.assert(
      fc.property(updateArb, fc.integer({ min: 1, max: 17 }), (u, pad) => {
        const bytes = encodeUpdate(u);
        const big = new Uint8Array(bytes.length + 2 * pad).fill(0xab);
        big.set(bytes, pad);
        const view = big.subarray(pad, pad + bytes.length);
        expect(encodeUpdate(decodeUpdate(view))).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
  });
});

/** A schema's safeParse must answer (success or issues) for any JSON value, never throw. */
const jsonArb = fc.jsonValue({ maxDepth: 4 });

describe('JSON wire schemas (property-based)', () => {
  const schemas = { ManifestSchema, TicketResponseSchema, UpdateAcceptedSchema, ErrorBodySchema };
  for (const [name, schema] of Object.entries(schemas)) {
    it(`${name}.safeParse answers for any JSON value and never throws`, () => {
      fc.assert(
        fc.property(jsonArb, (v) => {
          const r = schema.safeParse(v);
          expect(typeof r.success).toBe('boolean');
        }),
        { numRuns: 500 },
      );
    });
  }

  it('TicketResponseSchema accepts exactly the tickets the server may send', () => {
    const valid = fc.record({
      model: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,63}$/),
      round: fc.integer({ min: 1, max: 2 ** 31 }),
      baseVersion: fc.integer({ min: 1, max: 2 ** 31 }),
      ticket: fc.string({ minLength: 1, maxLength: 256 }),
      clip: fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
      chunk: fc.integer({ min: 16, max: 65535 }),
    });
    fc.assert(fc.property(valid, (t) => void expect(TicketResponseSchema.parse(t)).toEqual(t)), { numRuns: 300 });
    fc.assert(
      fc.property(valid, fc.constantFrom('round', 'baseVersion', 'chunk'), fc.constantFrom(0, -1, 1.5, Number.NaN, '1', null), (t, key, bad) => {
        expect(TicketResponseSchema.safeParse({ ...t, [key]: bad }).success).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('ManifestSchema rejects every single-field corruption of a valid manifest', () => {
    const manifest = {
      protocol: 1,
      name: 'm',
      version: 2,
      parent: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
      vectorSpace: 'v',
      config: { itemDim: 2, hidden: 2, maxLen: 1, ffn: 1, eventTypes: 1 },
      weights: [{ name: 'w', shape: [2, 2] }],
      files: [{ path: 'weights.bin', bytes: 16, sha256: 'a'.repeat(64) }],
      lineage: { kind: 'aggregate', updates: 3, examples: 3, round: 1 },
    };
    expect(ManifestSchema.parse(manifest)).toEqual(manifest);
    const keys = Object.keys(manifest) as (keyof typeof manifest)[];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.constantFrom(undefined, null, -1, 'x', [], {}, Number.POSITIVE_INFINITY), (key, bad) => {
        const corrupt = { ...manifest, [key]: bad };
        // 'createdAt' is any string and 'x' is a string; every other replacement breaks the schema.
        if (key === 'createdAt' && bad === 'x') return;
        if (key === 'vectorSpace' && bad === 'x') return;
        if (key === 'name' && bad === 'x') return;
        if (key === 'parent' && bad === null) return;
        expect(ManifestSchema.safeParse(corrupt).success).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

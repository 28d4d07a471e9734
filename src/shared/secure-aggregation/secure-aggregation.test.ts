import { createCipheriv, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { l2Norm } from '../federated/clip.js';
import { addInto, decodeFixedPoint, encodeFixedPoint, fixedPointBits, preRoundingClip } from './fixed-point.js';
import { expandSeed } from './prg.js';
import { generateHelperKey, importHelperKey, keyId, open, reportContext, seal } from './seal.js';
import { decodeReport, encodeReport, ReportFormatError, REPORT_HEADER_BYTES, SEALED_SEED_BYTES } from './report-wire.js';
import { buildReport, deviceNoiseVariance, reportIdOf, type SecureRoundParams } from './client-report.js';
import { toBase64 } from './webcrypto.js';
import { mulberry32 as seededUniform } from '../model/weights.js';

describe('fixed point', () => {
  it('keeps the rounded vector within 2^bits and decodes to the clipped update', () => {
    const u = seededUniform(1);
    const v = Float32Array.from({ length: 5000 }, () => u() - 0.5);
    const bits = 12;
    const enc = encodeFixedPoint(v, 1, bits);
    const ints = Array.from(enc, (x) => x | 0);
    expect(l2Norm(ints)).toBeLessThanOrEqual(2 ** bits);
    const dec = decodeFixedPoint(enc, 1, bits);
    const factor = preRoundingClip(1, v.length, bits) / l2Norm(v);
    for (let i = 0; i < v.length; i += 97) expect(Math.abs(dec[i]! - v[i]! * factor)).toBeLessThanOrEqual(0.5 / 2 ** bits + 1e-7);
  });
  it('chooses bits so that a full cohort plus 8σ of noise cannot wrap', () => {
    for (const [k, z] of [[1, 0], [2, 1], [100, 1], [100_000, 1], [1000, 50]] as const) {
      const b = fixedPointBits(k, z);
      expect((k + 8 * z) * 2 ** b).toBeLessThan(2 ** 31);
    }
    expect(fixedPointBits(100, 1)).toBe(24);
    expect(fixedPointBits(1000, 1)).toBe(21);
  });
  it('adds mod 2^32 so that negative values sum correctly', () => {
    const a = encodeFixedPoint(Float32Array.of(-0.5, 0.25), 1, 10);
    const b = encodeFixedPoint(Float32Array.of(-0.25, -0.5), 1, 10);
    const s = decodeFixedPoint(addInto(a, b), 1, 10);
    expect(s[0]).toBeCloseTo(-0.75, 2);
    expect(s[1]).toBeCloseTo(-0.25, 2);
  });
});

describe('seed expansion', () => {
  it('is the AES-256-CTR keystream from counter 0 (checked against node:crypto)', async () => {
    const seed = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    const got = await expandSeed(seed, 1000);
    const c = createCipheriv('aes-256-ctr', seed, Buffer.alloc(16));
    const want = Buffer.concat([c.update(Buffer.alloc(4000)), c.final()]);
    for (let i = 0; i < 1000; i++) expect(got[i]).toBe(want.readUInt32LE(i * 4));
  });
});

describe('sealing the seed to the helper', () => {
  it('opens only with the helper key and the same context', async () => {
    const { privateJwk, publicKey } = await generateHelperKey();
    const priv = await importHelperKey(privateJwk);
    const other = await generateHelperKey();
    const ctx = reportContext('m', 3, 'nonce1');
    const seed = webcrypto.getRandomValues(new Uint8Array(32));
    const box = await seal(seed, publicKey, ctx);
    expect(box.length).toBe(SEALED_SEED_BYTES);
    expect(Array.from(await open(box, priv, publicKey, ctx))).toEqual(Array.from(seed));
    await expect(open(box, priv, publicKey, reportContext('m', 4, 'nonce1'))).rejects.toThrow(/does not open/);
    await expect(open(box, await importHelperKey(other.privateJwk), other.publicKey, ctx)).rejects.toThrow(/does not open/);
    const tampered = box.slice();
    tampered[100]! ^= 1;
    await expect(open(tampered, priv, publicKey, ctx)).rejects.toThrow(/does not open/);
    expect(await keyId(publicKey)).toBe(await keyId(publicKey.slice()));
  });
});

describe('report wire format', () => {
  const report = {
    bits: 20, baseVersion: 7, round: 12, keyId: 0xdeadbeef, ticket: '12.abc.def',
    sealedSeed: new Uint8Array(SEALED_SEED_BYTES).fill(4), leaderShare: Uint32Array.of(0, 1, 0xffffffff),
  };
  it('round-trips', () => {
    const d = decodeReport(encodeReport(report));
    expect({ ...d, sealedSeed: Array.from(d.sealedSeed), leaderShare: Array.from(d.leaderShare) }).toEqual({
      ...report, sealedSeed: Array.from(report.sealedSeed), leaderShare: Array.from(report.leaderShare),
    });
  });
  it('accepts exactly the documented layout', () => {
    const good = encodeReport(report);
    const bad = (f: (b: Uint8Array) => void) => {
      const b = good.slice();
      f(b);
      return () => decodeReport(b);
    };
    expect(bad((b) => (b[5] = 1))).toThrow(/reserved/);
    expect(bad((b) => (b[4] = 2))).toThrow(/version/);
    expect(bad((b) => new DataView(b.buffer).setUint16(22, SEALED_SEED_BYTES - 1, true))).toThrow(/sealed seed/);
    expect(bad((b) => new DataView(b.buffer).setUint16(6, 31, true))).toThrow(/bits/);
    expect(bad((b) => (b[REPORT_HEADER_BYTES] = 0x20))).toThrow(/printable/);
    expect(() => decodeReport(good.subarray(0, good.length - 1))).toThrow(ReportFormatError);
  });
});

describe('a batch of device reports', () => {
  it('sums, through the two shares, to the sum of the clipped updates plus the configured noise', async () => {
    const { privateJwk, publicKey } = await generateHelperKey();
    const priv = await importHelperKey(privateJwk);
    const n = 400;
    const K = 8;
    const z = 0.5;
    const bits = fixedPointBits(K, z);
    const secure: SecureRoundParams = { keyId: await keyId(publicKey), publicKey: toBase64(publicKey), bits, cohort: K, noiseMultiplier: z, sampleRate: 1 };
    const u = seededUniform(7);
    const updates = Array.from({ length: K }, () => Float32Array.from({ length: n }, () => (u() - 0.5) * 0.2));
    const leader = new Uint32Array(n);
    const helper = new Uint32Array(n);
    for (const [i, update] of updates.entries()) {
      const ticket = `5.nonce${i}.mac`;
      const body = await buildReport({ model: 'm', round: 5, baseVersion: 2, ticket, clip: 1, secure, update }, webcrypto as never, seededUniform(100 + i));
      const r = decodeReport(body);
      addInto(leader, r.leaderShare);
      const seed = await open(r.sealedSeed, priv, publicKey, reportContext('m', 5, reportIdOf(ticket)));
      addInto(helper, await expandSeed(seed, n));
    }
    const sum = decodeFixedPoint(addInto(leader, helper), 1, bits);
    const residual = Array.from(sum, (s, j) => s - updates.reduce((t, x) => t + x[j]!, 0));
    const variance = residual.reduce((t, x) => t + x * x, 0) / n;
    // The sum carries noise of std z·C (C = 1) and nothing else of note.
    expect(variance).toBeGreaterThan(z * z * 0.8);
    expect(variance).toBeLessThan(z * z * 1.2);
    expect(deviceNoiseVariance(secure) * K).toBeCloseTo((z * 2 ** bits) ** 2, -3);
  });
});

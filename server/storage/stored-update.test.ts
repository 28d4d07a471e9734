// The stored int8 form of an update decodes to exactly what dequantize() gives, and refuses bytes that do not
// match their header.
import { describe, expect, it } from 'vitest';
import { dequantize, quantizeInt8 } from '../../src/shared/federated/quantize.js';
import { mulberry32 } from '../../src/shared/model/weights.js';
import { decodeStoredUpdate, encodeStoredUpdate, storedQuantized } from './stored-update.js';

describe('stored update form', () => {
  it('round-trips to the dequantised values, a short last chunk included, at about a quarter of float32', () => {
    const rand = mulberry32(3);
    const values = Float32Array.from({ length: 1000 }, () => rand() - 0.5);
    const q = quantizeInt8(values, 256, mulberry32(4));
    const bytes = encodeStoredUpdate(q);
    expect(bytes.byteLength).toBe(8 + 4 * 4 + 1000);
    expect(decodeStoredUpdate(bytes)).toEqual(dequantize(q));
    // A copy at an odd offset (bytea from a driver need not be aligned) decodes the same.
    const shifted = new Uint8Array(bytes.byteLength + 1);
    shifted.set(bytes, 1);
    expect(decodeStoredUpdate(shifted.subarray(1))).toEqual(dequantize(q));
    // The int8 form the aggregator sums from: q a view of the bytes, the scales copied out.
    const viewed = storedQuantized(shifted.subarray(1));
    expect(viewed.chunk).toBe(256);
    expect(viewed.scales).toEqual(q.scales);
    expect(viewed.q).toEqual(q.q);
    expect(viewed.q.buffer).toBe(shifted.buffer);
    expect(dequantize(viewed)).toEqual(dequantize(q));
  });

  it('refuses bytes that do not match their header', () => {
    const bytes = encodeStoredUpdate(quantizeInt8(new Float32Array(40).fill(0.1), 16, () => 0.5));
    expect(() => decodeStoredUpdate(bytes.subarray(0, bytes.byteLength - 1))).toThrow(RangeError);
    expect(() => decodeStoredUpdate(new Uint8Array(4))).toThrow(RangeError);
    expect(() => storedQuantized(bytes.subarray(0, bytes.byteLength - 1))).toThrow(/does not match its header/);
  });
});

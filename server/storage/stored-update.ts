// How the store keeps an accepted update: the int8 form it arrived in (one float32 scale per chunk, one int8 per
// value; ~11.3 KB for the demo model) rather than the expanded float32 (45 KB), decoded only when its round is
// aggregated. Layout, little-endian: chunk u16 · reserved u16 (0) · value count n u32 · scales float32 ×
// ceil(n / chunk) · q int8 × n. Must decode exactly to what dequantize() gives for the same update.
import { dequantize, type Quantized } from '../../src/shared/federated/quantize.js';

const HEADER = 8;

/** The stored bytes of a (validated) quantised update. */
export function encodeStoredUpdate(u: Quantized): Uint8Array {
  const n = u.q.length;
  const k = Math.ceil(n / u.chunk);
  if (u.scales.length !== k) throw new RangeError(`${u.scales.length} scales for ${n} values in chunks of ${u.chunk}`);
  const out = new Uint8Array(HEADER + 4 * k + n);
  const view = new DataView(out.buffer);
  view.setUint16(0, u.chunk, true);
  view.setUint32(4, n, true);
  for (let i = 0; i < k; i++) view.setFloat32(HEADER + 4 * i, u.scales[i]!, true);
  out.set(new Uint8Array(u.q.buffer, u.q.byteOffset, n), HEADER + 4 * k);
  return out;
}

/**
 * The update's int8 form from its stored bytes: q is a view of `bytes` (no copy), the scales are copied out
 * (the bytes need not be 4-byte aligned).
 * @throws RangeError when the bytes are not a stored update (a corrupt row: the aggregation rolls back).
 */
export function storedQuantized(bytes: Uint8Array): Quantized {
  if (bytes.byteLength < HEADER) throw new RangeError(`stored update is ${bytes.byteLength} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunk = view.getUint16(0, true);
  const n = view.getUint32(4, true);
  const k = chunk > 0 ? Math.ceil(n / chunk) : 0;
  if (chunk < 1 || bytes.byteLength !== HEADER + 4 * k + n) throw new RangeError(`stored update of ${bytes.byteLength} bytes does not match its header`);
  const scales = new Float32Array(k);
  for (let c = 0; c < k; c++) scales[c] = view.getFloat32(HEADER + 4 * c, true);
  return { chunk, scales, q: new Int8Array(bytes.buffer, bytes.byteOffset + HEADER + 4 * k, n) };
}

/**
 * The update's values (q · scale per chunk) from its stored bytes.
 * @throws RangeError when the bytes are not a stored update.
 */
export function decodeStoredUpdate(bytes: Uint8Array): Float32Array {
  return dequantize(storedQuantized(bytes));
}

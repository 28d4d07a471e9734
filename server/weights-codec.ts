// Converts between the wire/disk byte format of weights and deltas (float32 little-endian) and Float32Array,
// and hashes weight files. Must never depend on the host's byte order: every read and write names it.
import { createHash } from 'node:crypto';

const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;

/** Bytes → floats, reading little-endian whatever the host is. @throws RangeError when not a multiple of 4. */
export function bytesToFloats(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new RangeError(`${bytes.byteLength} bytes is not a whole number of float32 values`);
  // On a little-endian host (every platform Node runs on in practice) the bytes are the floats: one copy.
  if (LITTLE_ENDIAN) return new Float32Array(bytes.slice().buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Floats → bytes, written little-endian whatever the host is. */
export function floatsToBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

/** Decodes a base64 delta (already checked to be valid base64) into its raw bytes. */
export function decodeBase64(text: string): Uint8Array {
  const buf = Buffer.from(text, 'base64');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Lowercase hex sha256, as manifests carry it. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

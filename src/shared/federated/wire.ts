// The update wire format: one dense little-endian binary body, the same bytes on every platform.
// It carries the quantised update, the base version, the round, a bucketed example count and the round
// ticket — and nothing else: no item ids, no event times, no raw events, no model name, no client id.
// Layout (docs/PRIVACY.md repeats it):
//   0  4  magic "SHU1"          16 2  example bucket (u16, a power of two)
//   4  1  wire version (1)      18 2  ticket length L (u16)
//   5  1  reserved (0)          20 4  parameter count n (u32)
//   6  2  chunk (u16)           24 L  ticket (ASCII)
//   8  4  base version (u32)    24+L  scales: float32 × ceil(n / chunk), then q: int8 × n
//  12  4  round (u32)
import type { Quantized } from './quantize.js';

export const WIRE_MAGIC = 'SHU1';
export const WIRE_VERSION = 1;
export const HEADER_BYTES = 24;
export const MAX_TICKET_CHARS = 256;
/** Example counts are reported only as one of these buckets (a power of two, at most 64). */
export const EXAMPLE_BUCKET_MAX = 64;
/** keepalive request bodies are limited to 64 KiB in browsers; an update must fit in one. */
export const KEEPALIVE_LIMIT_BYTES = 65_536;

export interface WireUpdate {
  readonly baseVersion: number;
  readonly round: number;
  readonly exampleBucket: number;
  readonly ticket: string;
  readonly update: Quantized;
}

/** The bucket reported for `n` local examples: the largest power of two ≤ n, capped at EXAMPLE_BUCKET_MAX. */
export function bucketExamples(n: number): number {
  if (!(n >= 1)) return 1;
  let b = 1;
  while (b * 2 <= n && b * 2 <= EXAMPLE_BUCKET_MAX) b *= 2;
  return b;
}

export function isExampleBucket(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= EXAMPLE_BUCKET_MAX && (n & (n - 1)) === 0;
}

/** Encoded size of an update of `params` values with this chunk and ticket length. */
export function wireBytes(params: number, chunk: number, ticketChars: number): number {
  return HEADER_BYTES + ticketChars + 4 * Math.ceil(params / chunk) + params;
}

/**
 * Encodes an update.
 * @throws RangeError when a field is out of its range (ticket not printable ASCII, bucket not a power of two, …).
 */
export function encodeUpdate(u: WireUpdate): Uint8Array {
  const { q, scales, chunk } = u.update;
  if (!/^[\x21-\x7e]{1,256}$/.test(u.ticket)) throw new RangeError('ticket must be 1..256 printable ASCII characters');
  if (!isExampleBucket(u.exampleBucket)) throw new RangeError(`example bucket ${u.exampleBucket} is not a power of two ≤ ${EXAMPLE_BUCKET_MAX}`);
  for (const [k, v] of [['baseVersion', u.baseVersion], ['round', u.round]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${k} ${v} does not fit a u32`);
  }
  if (scales.length !== Math.ceil(q.length / chunk)) throw new RangeError('scales do not match the chunking');
  const out = new Uint8Array(wireBytes(q.length, chunk, u.ticket.length));
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = WIRE_MAGIC.charCodeAt(i);
  out[4] = WIRE_VERSION;
  view.setUint16(6, chunk, true);
  view.setUint32(8, u.baseVersion, true);
  view.setUint32(12, u.round, true);
  view.setUint16(16, u.exampleBucket, true);
  view.setUint16(18, u.ticket.length, true);
  view.setUint32(20, q.length, true);
  for (let i = 0; i < u.ticket.length; i++) out[HEADER_BYTES + i] = u.ticket.charCodeAt(i);
  let at = HEADER_BYTES + u.ticket.length;
  for (const s of scales) {
    view.setFloat32(at, s, true);
    at += 4;
  }
  out.set(new Uint8Array(q.buffer, q.byteOffset, q.byteLength), at);
  return out;
}

/** Why a body is not a well-formed update. */
export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
}

/**
 * Decodes and checks the structure of a body (not its meaning: the server checks version, round, ticket,
 * shape against the model, finiteness of the scales and the clip bound).
 * @throws WireFormatError naming the first problem.
 */
export function decodeUpdate(body: Uint8Array): WireUpdate {
  if (body.byteLength < HEADER_BYTES) throw new WireFormatError(`body is ${body.byteLength} bytes; the header alone is ${HEADER_BYTES}`);
  const magic = String.fromCharCode(body[0]!, body[1]!, body[2]!, body[3]!);
  if (magic !== WIRE_MAGIC) throw new WireFormatError(`body does not start with '${WIRE_MAGIC}'`);
  if (body[4] !== WIRE_VERSION) throw new WireFormatError(`wire version ${body[4]} is not supported (expected ${WIRE_VERSION})`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const chunk = view.getUint16(6, true);
  if (chunk < 1) throw new WireFormatError('chunk size is 0');
  const baseVersion = view.getUint32(8, true);
  const round = view.getUint32(12, true);
  const exampleBucket = view.getUint16(16, true);
  if (!isExampleBucket(exampleBucket)) throw new WireFormatError(`example bucket ${exampleBucket} is not a power of two ≤ ${EXAMPLE_BUCKET_MAX}`);
  const ticketLength = view.getUint16(18, true);
  if (ticketLength < 1 || ticketLength > MAX_TICKET_CHARS) throw new WireFormatError(`ticket length ${ticketLength} is outside 1..${MAX_TICKET_CHARS}`);
  const n = view.getUint32(20, true);
  const expected = wireBytes(n, chunk, ticketLength);
  if (body.byteLength !== expected) throw new WireFormatError(`body is ${body.byteLength} bytes; its header describes ${expected}`);
  let ticket = '';
  for (let i = 0; i < ticketLength; i++) {
    const c = body[HEADER_BYTES + i]!;
    if (c < 0x21 || c > 0x7e) throw new WireFormatError('ticket is not printable ASCII');
    ticket += String.fromCharCode(c);
  }
  let at = HEADER_BYTES + ticketLength;
  const scales = new Float32Array(Math.ceil(n / chunk));
  for (let i = 0; i < scales.length; i++, at += 4) scales[i] = view.getFloat32(at, true);
  const q = new Int8Array(n);
  q.set(new Int8Array(body.buffer, body.byteOffset + at, n));
  return { baseVersion, round, exampleBucket, ticket, update: { chunk, scales, q } };
}

// The secure-aggregation upload: one dense little-endian binary body carrying the leader's share of the update
// (uniformly random mod 2^32 on its own) and the helper's share as a seed sealed to the helper's key — and
// nothing else: no item ids, no event times, no example count, no model name, no client id.
// Layout (docs/PRIVACY.md repeats it):
//   0  4  magic "SHS1"            20 2  ticket length L (u16, 1..256)
//   4  1  wire version (1)        22 2  sealed seed length S (u16, exactly SEALED_SEED_BYTES)
//   5  1  reserved (0)            24 4  parameter count n (u32)
//   6  2  fixed-point bits (u16)  28 L  ticket (printable ASCII)
//   8  4  base version (u32)      28+L S  sealed seed
//  12  4  round (u32)             28+L+S  leader share: u32 × n
//  16  4  helper key id (u32)
// The decoder accepts exactly this: any other magic, version, reserved byte, length or character is an error.
import { SEED_BYTES } from './prg.js';
import { sealedBytes } from './seal.js';

export const REPORT_MAGIC = 'SHS1';
export const REPORT_VERSION = 1;
export const REPORT_HEADER_BYTES = 28;
export const SEALED_SEED_BYTES = sealedBytes(SEED_BYTES);
export const MAX_TICKET_CHARS = 256;

export interface Report {
  readonly bits: number;
  readonly baseVersion: number;
  readonly round: number;
  readonly keyId: number;
  readonly ticket: string;
  readonly sealedSeed: Uint8Array;
  readonly leaderShare: Uint32Array;
}

/** Encoded size of a report of `params` values with a ticket of `ticketChars`. */
export function reportBytes(params: number, ticketChars: number): number {
  return REPORT_HEADER_BYTES + ticketChars + SEALED_SEED_BYTES + 4 * params;
}

const TICKET = /^[\x21-\x7e]{1,256}$/;

/** @throws RangeError when a field is out of its range. */
export function encodeReport(r: Report): Uint8Array {
  if (!TICKET.test(r.ticket)) throw new RangeError('ticket must be 1..256 printable ASCII characters');
  if (r.sealedSeed.length !== SEALED_SEED_BYTES) throw new RangeError(`a sealed seed is ${SEALED_SEED_BYTES} bytes`);
  if (!(Number.isInteger(r.bits) && r.bits >= 1 && r.bits <= 30)) throw new RangeError(`bits ${r.bits} outside 1..30`);
  for (const [k, v] of [['baseVersion', r.baseVersion], ['round', r.round], ['keyId', r.keyId]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${k} ${v} does not fit a u32`);
  }
  const n = r.leaderShare.length;
  const out = new Uint8Array(reportBytes(n, r.ticket.length));
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = REPORT_MAGIC.charCodeAt(i);
  out[4] = REPORT_VERSION;
  view.setUint16(6, r.bits, true);
  view.setUint32(8, r.baseVersion, true);
  view.setUint32(12, r.round, true);
  view.setUint32(16, r.keyId, true);
  view.setUint16(20, r.ticket.length, true);
  view.setUint16(22, SEALED_SEED_BYTES, true);
  view.setUint32(24, n, true);
  let at = REPORT_HEADER_BYTES;
  for (let i = 0; i < r.ticket.length; i++) out[at++] = r.ticket.charCodeAt(i);
  out.set(r.sealedSeed, at);
  at += SEALED_SEED_BYTES;
  for (let i = 0; i < n; i++, at += 4) view.setUint32(at, r.leaderShare[i]!, true);
  return out;
}

/** Why a body is not a well-formed report. */
export class ReportFormatError extends Error {
  override readonly name = 'ReportFormatError';
}

/** True when `body` starts like a secure-aggregation report (so a server can tell it from other formats). */
export function looksLikeReport(body: Uint8Array): boolean {
  return body.length >= 4 && String.fromCharCode(body[0]!, body[1]!, body[2]!, body[3]!) === REPORT_MAGIC;
}

/**
 * Decodes a body, checking its structure exactly (not its meaning: the server checks round, version, ticket,
 * bits, key and parameter count).
 * @throws ReportFormatError naming the first problem.
 */
export function decodeReport(body: Uint8Array): Report {
  if (body.byteLength < REPORT_HEADER_BYTES) throw new ReportFormatError(`body is ${body.byteLength} bytes; the header alone is ${REPORT_HEADER_BYTES}`);
  if (!looksLikeReport(body)) throw new ReportFormatError(`body does not start with '${REPORT_MAGIC}'`);
  if (body[4] !== REPORT_VERSION) throw new ReportFormatError(`report version ${body[4]} is not supported (expected ${REPORT_VERSION})`);
  if (body[5] !== 0) throw new ReportFormatError(`reserved byte is ${body[5]}; it must be 0`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const bits = view.getUint16(6, true);
  if (bits < 1 || bits > 30) throw new ReportFormatError(`fixed-point bits ${bits} outside 1..30`);
  const ticketLength = view.getUint16(20, true);
  if (ticketLength < 1 || ticketLength > MAX_TICKET_CHARS) throw new ReportFormatError(`ticket length ${ticketLength} is outside 1..${MAX_TICKET_CHARS}`);
  const sealedLength = view.getUint16(22, true);
  if (sealedLength !== SEALED_SEED_BYTES) throw new ReportFormatError(`sealed seed is ${sealedLength} bytes; it must be ${SEALED_SEED_BYTES}`);
  const n = view.getUint32(24, true);
  const expected = reportBytes(n, ticketLength);
  if (body.byteLength !== expected) throw new ReportFormatError(`body is ${body.byteLength} bytes; its header describes ${expected}`);
  let ticket = '';
  let at = REPORT_HEADER_BYTES;
  for (let i = 0; i < ticketLength; i++) {
    const ch = body[at++]!;
    if (ch < 0x21 || ch > 0x7e) throw new ReportFormatError('ticket is not printable ASCII');
    ticket += String.fromCharCode(ch);
  }
  const sealedSeed = body.slice(at, at + SEALED_SEED_BYTES);
  at += SEALED_SEED_BYTES;
  const leaderShare = new Uint32Array(n);
  for (let i = 0; i < n; i++, at += 4) leaderShare[i] = view.getUint32(at, true);
  return { bits, baseVersion: view.getUint32(8, true), round: view.getUint32(12, true), keyId: view.getUint32(16, true), ticket, sealedSeed, leaderShare };
}

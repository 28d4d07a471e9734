// Writing and reading the updates table's rows: one binary COPY on PGlite (a bytea sent or read as text costs ~1.5 ms
// per 11 KB there), a multi-row INSERT / SELECT on PostgreSQL. Must never reorder rows: ids keep arrival order.
import type { Quantized } from '../../src/shared/federated/quantize.js';
import { bytesToFloats } from '../weights-codec.js';
import type { SqlRunner } from './migrations.js';
import { encodeStoredUpdate, storedQuantized } from './stored-update.js';
import type { NewUpdate } from './store.js';

/** PGlite's transaction: COPY … FROM '/dev/blob' reads the blob passed with the query. */
interface PgliteCopyRunner {
  query(sql: string, params: unknown[], options?: { blob: Blob }): Promise<unknown>;
}

const COPY_SIGNATURE = Uint8Array.of(0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00);

/**
 * The rows in PostgreSQL's binary COPY format (signature, flags, extension length; per row a field count, then
 * each field's length and bytes — int4 big-endian, text UTF-8, bytea as is; -1 at the end).
 */
export function copyBinaryRows(roundId: number, updates: readonly NewUpdate[]): Uint8Array {
  const enc = new TextEncoder();
  const rows = updates.map((u) => ({ model: enc.encode(u.model), nonce: enc.encode(u.ticketNonce), q: encodeStoredUpdate(u.quantized), u }));
  const size = 19 + rows.reduce((n, r) => n + 2 + 6 * 4 + r.model.length + 3 * 4 + r.q.length + r.nonce.length, 0) + 2;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(COPY_SIGNATURE, 0);
  let at = 19;
  const bytes = (b: Uint8Array) => {
    view.setInt32(at, b.length);
    out.set(b, at + 4);
    at += 4 + b.length;
  };
  const int4 = (v: number) => {
    view.setInt32(at, 4);
    view.setInt32(at + 4, v);
    at += 8;
  };
  for (const r of rows) {
    view.setInt16(at, 6);
    at += 2;
    bytes(r.model);
    int4(r.u.baseVersion);
    int4(r.u.exampleCount);
    bytes(r.q);
    int4(roundId);
    bytes(r.nonce);
  }
  view.setInt16(at, -1);
  return out;
}

/**
 * Stores accepted updates of one round with one statement, in order (their ids keep arrival order). On PGlite a
 * binary COPY: sending a bytea as a query parameter costs ~1.5 ms per 11 KB there (text encoding), COPY ~0.25 ms.
 */
export async function insertUpdates(tx: SqlRunner, roundId: number, updates: readonly NewUpdate[], copy: boolean): Promise<void> {
  if (updates.length === 0) return;
  if (copy) {
    const blob = new Blob([copyBinaryRows(roundId, updates)]);
    await (tx as unknown as PgliteCopyRunner).query(
      "COPY updates (model, base_version, example_count, quantized, round_id, ticket_nonce) FROM '/dev/blob' WITH (FORMAT binary)",
      [],
      { blob },
    );
    return;
  }
  const params: unknown[] = [];
  const rows = updates.map((u) => {
    const at = params.length;
    params.push(u.model, u.baseVersion, u.exampleCount, encodeStoredUpdate(u.quantized), roundId, u.ticketNonce);
    return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6})`;
  });
  await tx.query(`INSERT INTO updates (model, base_version, example_count, quantized, round_id, ticket_nonce) VALUES ${rows.join(', ')}`, params);
}

/** A round's pending update as stored: the int8 form, or (rows from before migration 4) the float32 delta. */
export function pendingValues(r: { quantized: Uint8Array | null; delta: Uint8Array | null }): Float32Array | Quantized {
  if (r.quantized) return storedQuantized(r.quantized);
  if (r.delta) return bytesToFloats(r.delta);
  throw new Error('a pending update has no stored values');
}


export interface PendingRow {
  id: number;
  example_count: number;
  quantized: Uint8Array | null;
  delta: Uint8Array | null;
}

/**
 * Rows of (id int4, example_count int4, quantized bytea, delta bytea) from PostgreSQL's binary COPY format. The
 * byte columns are views of `data` (no copy: a round of 10,000 is 113 MB).
 */
export function parseCopyPendingRows(data: Uint8Array): PendingRow[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 11 + 4;
  at += 4 + view.getInt32(at);
  const rows: PendingRow[] = [];
  const field = (): Uint8Array | null => {
    const n = view.getInt32(at);
    at += 4;
    if (n < 0) return null;
    if (at + n > data.byteLength) throw new Error('stored update row: a column runs past the end of the COPY data');
    const b = data.subarray(at, at + n);
    at += n;
    return b;
  };
  const int4 = () => {
    if (view.getInt32(at) !== 4) throw new Error('stored update row: an integer column is not 4 bytes');
    const v = view.getInt32(at + 4);
    at += 8;
    return v;
  };
  for (;;) {
    const fields = view.getInt16(at);
    at += 2;
    if (fields === -1) return rows;
    if (fields !== 4) throw new Error(`stored update row has ${fields} fields`);
    rows.push({ id: int4(), example_count: int4(), quantized: field(), delta: field() });
  }
}

/**
 * The round's pending updates, in order. On PGlite a binary COPY: reading a bytea through a query result costs
 * ~1.5 ms per 11 KB row there (text encoding), so a round of 10,000 would spend seconds in it.
 */
export async function pendingRows(tx: SqlRunner, roundId: number, copy: boolean): Promise<PendingRow[]> {
  const select = `SELECT id, example_count, quantized, delta FROM updates WHERE round_id = ${Number(roundId)} AND consumed_in_version IS NULL ORDER BY id`;
  if (copy) {
    const res = (await (tx as unknown as PgliteCopyRunner).query(`COPY (${select}) TO '/dev/blob' WITH (FORMAT binary)`, [])) as { blob?: Blob };
    if (!res.blob) throw new Error('COPY TO /dev/blob returned no data');
    return parseCopyPendingRows(new Uint8Array(await res.blob.arrayBuffer()));
  }
  return (await tx.query<PendingRow>(select)).rows;
}

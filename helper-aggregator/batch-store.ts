// The helper's own database (PGlite in `<dataDir>/db`, separate from the leader's): which report ids have been
// summed, in which batch, and each batch's answer. It lets the helper refuse any report in a second batch (a
// leader that asked for the sums of two batches differing by one report would learn that report) and answer a
// repeated request for the same batch identically (a leader that crashed mid-publish asks again). Must never
// store a seed or a share of one report.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

export interface StoredBatch {
  readonly included: string[];
  readonly rejected: string[];
  readonly share: Uint8Array;
}

export interface BatchStore {
  /** The stored answer of a batch, or null. */
  batch(batchId: string): Promise<(StoredBatch & { requested: string[] }) | null>;
  /** Which of `ids` are already part of another batch. */
  used(ids: readonly string[]): Promise<string[]>;
  /** Records a batch and its reports as used, in one transaction. @throws when a report was used meanwhile. */
  record(batchId: string, requested: readonly string[], answer: StoredBatch): Promise<void>;
  close(): Promise<void>;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS batches (
    batch_id   text PRIMARY KEY,
    requested  text[] NOT NULL,
    included   text[] NOT NULL,
    rejected   text[] NOT NULL,
    share      bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE IF NOT EXISTS used_reports (
    report_id text PRIMARY KEY,
    batch_id  text NOT NULL REFERENCES batches (batch_id)
  );
`;

export async function openBatchStore(dataDir: string): Promise<BatchStore> {
  const dir = path.join(dataDir, 'db');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let db: PGlite;
  try {
    db = await PGlite.create(dir);
    await db.exec(SCHEMA);
  } catch (err) {
    throw new Error(`the helper's database in ${dir} cannot be opened (${(err as Error).message}); restore it from a backup`);
  }
  return {
    async batch(batchId) {
      const { rows } = await db.query<{ requested: string[]; included: string[]; rejected: string[]; share: Uint8Array }>(
        'SELECT requested, included, rejected, share FROM batches WHERE batch_id = $1',
        [batchId],
      );
      return rows[0] ?? null;
    },
    async used(ids) {
      if (ids.length === 0) return [];
      const { rows } = await db.query<{ report_id: string }>('SELECT report_id FROM used_reports WHERE report_id = ANY($1::text[])', [ids]);
      return rows.map((r) => r.report_id);
    },
    async record(batchId, requested, answer) {
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO batches (batch_id, requested, included, rejected, share) VALUES ($1, $2, $3, $4, $5)', [batchId, requested, answer.included, answer.rejected, answer.share]);
        await tx.query('INSERT INTO used_reports (report_id, batch_id) SELECT unnest($1::text[]), $2', [answer.included, batchId]);
      });
    },
    close: () => db.close(),
  };
}

// The SQL of secure rounds (PGlite and PostgreSQL alike): a closing round's stored reports, the rounds waiting to be
// published, each published round's size for the operator, and publishing a closed round in its transaction.
// Must never publish a round that is no longer the model's live, aggregating one.
import { publishClosed } from './ingest-batch.js';
import type { SqlRunner } from './migrations.js';
import { isModelName, liveRound } from './sql-versions.js';
import type { DeferredAggregator, PublishResult, StoredReport } from './store.js';

export async function roundSizes(db: SqlRunner, model: string): Promise<{ round: number; updates: number }[]> {
  if (!isModelName(model)) return [];
  const { rows } = await db.query<{ round: number; updates: number }>(
    'SELECT round_id AS round, count(*)::integer AS updates FROM updates WHERE model = $1 AND consumed_in_version IS NOT NULL AND round_id IS NOT NULL GROUP BY round_id ORDER BY round_id',
    [model],
  );
  return rows;
}

export async function roundReports(db: SqlRunner, model: string, round: number): Promise<StoredReport[]> {
  if (!isModelName(model)) return [];
  const { rows } = await db.query<{ id: number; ticket_nonce: string; report: Uint8Array }>(
    'SELECT id, ticket_nonce, report FROM updates WHERE model = $1 AND round_id = $2 AND consumed_in_version IS NULL AND report IS NOT NULL ORDER BY id',
    [model, round],
  );
  return rows.map((r) => ({ id: r.id, nonce: r.ticket_nonce, report: r.report }));
}

export async function closingRounds(db: SqlRunner, model: string): Promise<number[]> {
  if (!isModelName(model)) return [];
  const { rows } = await db.query<{ id: number }>("SELECT id FROM rounds WHERE model = $1 AND state = 'aggregating' ORDER BY id", [model]);
  return rows.map((r) => r.id);
}

/** Inside a transaction: publishes `round` with `aggregate` when it is still the model's closing round. */
export async function publishRoundIn(tx: SqlRunner, model: string, round: number, aggregate: DeferredAggregator): Promise<PublishResult> {
  const head = await tx.query<{ current_version: number }>('SELECT current_version FROM models WHERE name = $1 FOR UPDATE', [model]);
  const current = head.rows[0]?.current_version;
  const live = await liveRound(tx, model);
  if (current === undefined || !live || live.id !== round || live.state !== 'aggregating' || live.base_version !== current) return { status: 'not_closing' };
  const { rows } = await tx.query<{ id: number }>('SELECT id FROM updates WHERE round_id = $1 AND consumed_in_version IS NULL', [round]);
  const out = await publishClosed(tx, model, current, live, rows.map((r) => r.id), aggregate);
  return out.published !== null ? { status: 'published', version: out.published } : { status: 'failed', reason: out.failed! };
}

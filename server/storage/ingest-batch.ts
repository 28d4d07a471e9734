// One ingestion transaction: checks a batch of updates against the model's live round in arrival order, stores the
// accepted ones, and closes the round (aggregate, publish or fail, open the next) when the cohort is complete.
// Must never publish outside this transaction, nor accept an update whose ticket was already used.
import { RoundFailedError } from '../federated/round-state.js';
import type { SqlRunner } from './migrations.js';
import { dropValues, insertVersion, liveRound, loadVersion, openRoundOn, setRoundState, spentRounds, type RoundRow } from './sql-versions.js';
import type { IngestPolicy, IngestResult, NewUpdate, PendingUpdate } from './store.js';
import { insertUpdates, pendingRows, pendingValues } from './update-rows.js';

/** Closes a round that reached its cohort: aggregate its updates and publish, or fail it. */
async function closeRound(tx: SqlRunner, model: string, current: number, round: RoundRow, policy: IngestPolicy, copy: boolean): Promise<IngestResult> {
  const pending = { rows: await pendingRows(tx, round.id, copy) };
  await setRoundState(tx, round, 'aggregating');
  const base = await loadVersion(tx, model, current);
  if (!base) throw new Error(`model ${model}: current version ${current} has no row`);
  const updates: PendingUpdate[] = pending.rows.map((r) => ({ id: r.id, exampleCount: r.example_count, values: pendingValues(r) }));
  const { rows: maxRows } = await tx.query<{ max: number }>('SELECT max(version)::integer AS max FROM model_versions WHERE model = $1', [model]);
  const expected = (maxRows[0]?.max ?? current) + 1;
  let result;
  try {
    result = policy.aggregate(base, updates, { round: round.id, nextVersion: expected, spent: await spentRounds(tx, model) });
  } catch (err) {
    if (!(err instanceof RoundFailedError)) throw err;
    await setRoundState(tx, round, 'failed', { failure: err.reason });
    await dropValues(tx, 'round_id = $1', round.id);
    if (err.reopen) await openRoundOn(tx, model, current);
    else await tx.query('UPDATE models SET stopped = $1 WHERE name = $2', [`${err.reason}: ${err.message}`, model]);
    return { status: 'accepted', pending: 0, published: null, failed: err.reason };
  }
  const next = result.version;
  const { name, version, parent } = next.manifest;
  if (name !== model || version !== expected || parent !== current) {
    throw new Error(`aggregator built ${name} v${version} (parent ${parent}); expected ${model} v${expected} (parent ${current})`);
  }
  await insertVersion(tx, next);
  // An individual update is never needed again once aggregated: keep the row (counts, lineage), drop its values.
  await tx.query('UPDATE updates SET consumed_in_version = $1, delta = NULL, quantized = NULL WHERE id = ANY($2::integer[])', [version, updates.map((u) => u.id)]);
  await tx.query('UPDATE models SET current_version = $1, updated_at = now() WHERE name = $2', [version, name]);
  await tx.query("INSERT INTO version_changes (model, from_version, to_version, kind) VALUES ($1, $2, $3, 'aggregate')", [name, current, version]);
  await setRoundState(tx, round, 'published', { published: version, sampleRate: result.sampleRate, noiseMultiplier: result.noiseMultiplier });
  await openRoundOn(tx, name, version);
  return { status: 'accepted', pending: 0, published: version };
}

/** Why an update cannot join the model's live round (stale base version, or not that round), or null when it can. */
function refusal(u: NewUpdate, current: number, round: RoundRow | null): IngestResult | null {
  if (current !== u.baseVersion) return { status: 'stale', current };
  if (!round || round.id !== u.round || round.state !== 'open' || round.base_version !== current) {
    return { status: 'wrong_round', current: round?.state === 'open' ? round.id : null };
  }
  return null;
}

/** Tickets of `nonces` already stored. */
async function storedTickets(tx: SqlRunner, nonces: readonly string[]): Promise<Set<string>> {
  const { rows } = await tx.query<{ ticket_nonce: string }>('SELECT ticket_nonce FROM updates WHERE ticket_nonce = ANY($1::text[])', [nonces]);
  return new Set(rows.map((r) => r.ticket_nonce));
}

/** Updates waiting in a round, not counting the rows of `exceptNonces` (this batch's, written before the lock). */
export async function waitingIn(tx: SqlRunner, roundId: number, exceptNonces: readonly string[]): Promise<number> {
  const { rows } =
    exceptNonces.length === 0
      ? await tx.query<{ n: number }>('SELECT count(*)::integer AS n FROM updates WHERE round_id = $1 AND consumed_in_version IS NULL', [roundId])
      : await tx.query<{ n: number }>(
          'SELECT count(*)::integer AS n FROM updates WHERE round_id = $1 AND consumed_in_version IS NULL AND (ticket_nonce IS NULL OR NOT (ticket_nonce = ANY($2::text[])))',
          [roundId, exceptNonces],
        );
  return rows[0]?.n ?? 0;
}

const deleteByTicket = (tx: SqlRunner, nonces: readonly string[]) =>
  nonces.length > 0 ? tx.query('DELETE FROM updates WHERE ticket_nonce = ANY($1::text[])', [nonces]) : Promise.resolve();

/**
 * Checks and stores a batch of updates for one model in one transaction, in order, each with the result it would
 * get alone: the model's row is locked once; an update is refused when its base version is stale or its round not
 * the live one, then when its ticket was seen before (stored, or earlier in the batch); the update that completes the
 * cohort closes the round here, and those after it meet the new version (a later ticket cannot be for a round this
 * transaction opened).
 *
 * On a database shared by several server processes (`copy` false: PostgreSQL) the rows that can still be accepted
 * are written *before* the lock, so a replica holds it only for the checks and the commit, not while its uploads'
 * bytes travel to the database; the rows of those refused after the lock (or past the cohort that closed) are deleted
 * in the same transaction, so no other transaction ever sees them. A ticket written meanwhile by another replica
 * fails the batch on the unique index (the store retries it, and then refuses the ticket as used). PGlite has one
 * connection, nothing waits on its lock, and its rows are written after the checks with one binary COPY.
 */
export async function ingestBatch(tx: SqlRunner, batch: readonly NewUpdate[], policy: IngestPolicy, copy: boolean): Promise<IngestResult[]> {
  const model = batch[0]!.model;
  const unknown = () => batch.map((): IngestResult => ({ status: 'unknown_model' }));
  const nonces = batch.map((u) => u.ticketNonce);
  const written = new Set<number>();
  let stored: Set<string> | null = null;
  if (!copy) {
    const { rows } = await tx.query<{ current_version: number; live: number | null }>(
      "SELECT current_version, (SELECT id FROM rounds WHERE model = $1 AND state = 'open' AND base_version = models.current_version) AS live FROM models WHERE name = $1",
      [model],
    );
    const seen = rows[0];
    if (!seen) return unknown();
    stored = await storedTickets(tx, nonces);
    const first = new Set<string>();
    batch.forEach((u, i) => {
      if (stored!.has(u.ticketNonce) || first.has(u.ticketNonce)) return;
      first.add(u.ticketNonce);
      if (seen.live !== null && u.round === seen.live && u.baseVersion === seen.current_version) written.add(i);
    });
    if (seen.live !== null && written.size > 0) await insertUpdates(tx, seen.live, [...written].map((i) => batch[i]!), false);
  }

  // FOR NO KEY UPDATE excludes every other ingestion, round opening and admin change (they take it or FOR UPDATE),
  // but not the foreign-key checks (KEY SHARE) of the rows other replicas write before their lock.
  const head = await tx.query<{ current_version: number }>('SELECT current_version FROM models WHERE name = $1 FOR NO KEY UPDATE', [model]);
  let current = head.rows[0]?.current_version;
  if (current === undefined) return unknown();
  const round = await liveRound(tx, model);
  const seenTickets = stored ?? (await storedTickets(tx, nonces));
  const results: (IngestResult | null)[] = batch.map(() => null);
  const accepted: number[] = [];
  let waiting: number | null = null;
  let closesAt = -1;
  for (const [i, u] of batch.entries()) {
    const refused = refusal(u, current, round);
    if (refused) {
      results[i] = refused;
      continue;
    }
    if (seenTickets.has(u.ticketNonce)) {
      results[i] = { status: 'ticket_used' };
      continue;
    }
    seenTickets.add(u.ticketNonce);
    waiting ??= await waitingIn(tx, round!.id, [...written].map((k) => nonces[k]!));
    waiting += 1;
    accepted.push(i);
    if (waiting >= policy.minUpdates) {
      closesAt = i;
      break;
    }
    results[i] = { status: 'accepted', pending: waiting, published: null };
  }

  // The rows of exactly the accepted updates, then (the cohort complete) the aggregate and the next round.
  const keep = new Set(accepted);
  await deleteByTicket(tx, [...written].filter((i) => !keep.has(i)).map((i) => nonces[i]!));
  const unwritten = accepted.filter((i) => !written.has(i));
  if (unwritten.length > 0) await insertUpdates(tx, round!.id, unwritten.map((i) => batch[i]!), copy);
  if (closesAt < 0) return results.map((r) => r!);
  const closed = await closeRound(tx, model, current, round!, policy, copy);
  results[closesAt] = closed;
  if (closed.status === 'accepted' && closed.published !== null) current = closed.published;
  const next = await liveRound(tx, model);
  for (let k = closesAt + 1; k < batch.length; k++) {
    results[k] = refusal(batch[k]!, current, next) ?? { status: 'wrong_round', current: next?.id ?? null };
  }
  return results.map((r) => r!);
}

// SQL helpers for model versions and rounds shared by the store's reads, ingestion and admin changes (PGlite and
// PostgreSQL run the same statements). Must never change a round's state except through round-state's transitions.
import { ManifestSchema, ModelNameSchema, type Manifest } from '../../src/shared/protocol.js';
import { transition, type RoundState } from '../federated/round-state.js';
import type { SpentRounds } from '../federated/privacy.js';
import type { SqlRunner } from './migrations.js';
import type { ModelVersion } from './store.js';

/**
 * A name no model can have (a NUL byte, which PostgreSQL's text refuses with an error, or any other non-name)
 * is simply unknown: lookups answer "none" rather than fail, whatever route the name came from.
 */
export const isModelName = (name: string) => ModelNameSchema.safeParse(name).success;

/** jsonb loses key order; re-parsing restores the schema's order and checks nothing rotted on disk. */
export function readManifest(value: unknown): Manifest {
  return ManifestSchema.parse(typeof value === 'string' ? JSON.parse(value) : value);
}

export async function insertVersion(tx: SqlRunner, v: ModelVersion): Promise<void> {
  await tx.query(
    'INSERT INTO model_versions (model, version, parent, manifest, weights, optimizer_state) VALUES ($1, $2, $3, $4::jsonb, $5, $6)',
    [v.manifest.name, v.manifest.version, v.manifest.parent, JSON.stringify(v.manifest), v.weights, v.optimizerState ?? null],
  );
}

export async function loadVersion(tx: SqlRunner, model: string, version: number): Promise<ModelVersion | null> {
  const { rows } = await tx.query<{ manifest: unknown; weights: Uint8Array; optimizer_state: Uint8Array | null }>(
    'SELECT manifest, weights, optimizer_state FROM model_versions WHERE model = $1 AND version = $2',
    [model, version],
  );
  const row = rows[0];
  return row ? { manifest: readManifest(row.manifest), weights: row.weights, optimizerState: row.optimizer_state } : null;
}

export interface RoundRow {
  id: number;
  base_version: number;
  state: RoundState;
}

/** The model's live (open or aggregating) round, if any. */
export async function liveRound(tx: SqlRunner, model: string): Promise<RoundRow | null> {
  const { rows } = await tx.query<RoundRow>(
    "SELECT id, base_version, state FROM rounds WHERE model = $1 AND state IN ('open', 'aggregating')",
    [model],
  );
  return rows[0] ?? null;
}

export async function setRoundState(tx: SqlRunner, round: RoundRow, to: RoundState, extra: { published?: number; failure?: string; sampleRate?: number; noiseMultiplier?: number } = {}): Promise<void> {
  transition(round.state, to);
  await tx.query(
    `UPDATE rounds SET state = $2, closed_at = CASE WHEN $2 IN ('published', 'failed') THEN now() ELSE closed_at END,
            published_version = $3, failure = $4, sample_rate = $5, noise_multiplier = $6
      WHERE id = $1`,
    [round.id, to, extra.published ?? null, extra.failure ?? null, extra.sampleRate ?? null, extra.noiseMultiplier ?? null],
  );
  round.state = to;
}

export async function openRoundOn(tx: SqlRunner, model: string, version: number): Promise<void> {
  await tx.query("INSERT INTO rounds (model, base_version, state) VALUES ($1, $2, 'open')", [model, version]);
}

export async function spentRounds(tx: SqlRunner, model: string): Promise<SpentRounds[]> {
  const { rows } = await tx.query<{ sample_rate: number; noise_multiplier: number; rounds: number }>(
    `SELECT sample_rate, noise_multiplier, count(*)::integer AS rounds FROM rounds
      WHERE model = $1 AND state = 'published' GROUP BY sample_rate, noise_multiplier ORDER BY 1, 2`,
    [model],
  );
  return rows.map((r) => ({ sampleRate: r.sample_rate, noiseMultiplier: r.noise_multiplier, rounds: r.rounds }));
}

/** A round whose values are no longer needed (aggregated, failed, superseded): keep the rows, drop the values. */
export async function dropValues(tx: SqlRunner, where: string, param: unknown): Promise<void> {
  await tx.query(`UPDATE updates SET delta = NULL, quantized = NULL WHERE ${where}`, [param]);
}

// The round state machine: open → aggregating → published | failed. A round is opened on the model's
// current version; it accepts updates only while open; reaching the minimum cohort moves it to aggregating,
// which ends published (a new version, and the next round opens) or failed (nothing published).
// Pure data; the store applies it inside its transactions. Never allow a transition not listed here.

export const ROUND_STATES = ['open', 'aggregating', 'published', 'failed'] as const;
export type RoundState = (typeof ROUND_STATES)[number];

const NEXT: Readonly<Record<RoundState, readonly RoundState[]>> = {
  open: ['aggregating', 'failed'],
  aggregating: ['published', 'failed'],
  published: [],
  failed: [],
};

/** True when `from → to` is a legal transition. */
export function canTransition(from: RoundState, to: RoundState): boolean {
  return NEXT[from].includes(to);
}

/**
 * Checks a transition.
 * @throws Error naming both states when it is not allowed (a bug, never a client error).
 */
export function transition(from: RoundState, to: RoundState): RoundState {
  if (!canTransition(from, to)) throw new Error(`round cannot go from ${from} to ${to}`);
  return to;
}

/** Why a round failed; recorded on the round. */
export type RoundFailure = 'privacy_budget_exhausted' | 'non_finite_result' | 'superseded' | 'secure_aggregation_failed';

/** Thrown by an aggregator to fail the round (committed), rather than roll the ingestion back. */
export class RoundFailedError extends Error {
  readonly reason: RoundFailure;
  /** When false, no further round opens (training has stopped). */
  readonly reopen: boolean;
  constructor(reason: RoundFailure, message: string, reopen: boolean) {
    super(message);
    this.name = 'RoundFailedError';
    this.reason = reason;
    this.reopen = reopen;
  }
}

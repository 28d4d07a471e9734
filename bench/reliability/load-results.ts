// The load benchmark's results and their reading: the latency summary of a set of requests, what one phase and the
// whole run report, which paced rates are swept, and which rate the issue's latency goal is stated at (`summarise`).
// Pure: no processes, no I/O.

/** The ingestion goal: p99 ≤ 50 ms, for tickets and for uploads each (see `summarise`). */
export const GOAL_P99_MS = 50;

/**
 * The paced arrival rates to sweep, clients per second: SHELF_LOAD_RATES (comma-separated), else SHELF_LOAD_RATE (one
 * rate, as before), else 25, 50, 100, 200, 300. 0 or an empty list skips the sweep.
 */
export function sweepRates(env: Record<string, string | undefined> = process.env): number[] {
  const raw = env['SHELF_LOAD_RATES'] ?? env['SHELF_LOAD_RATE'] ?? '25,50,100,200,300';
  const rates = raw
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .map(Number);
  for (const r of rates) if (!Number.isFinite(r) || r < 0) throw new Error(`SHELF_LOAD_RATES: ${raw} is not a list of rates ≥ 0`);
  return [...new Set(rates.filter((r) => r > 0))].sort((a, b) => a - b);
}

export interface Latencies {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** One timed phase: CLIENTS clients, each a ticket from one replica and an upload to another. */
export interface PhaseResult {
  clients: number;
  /** How clients arrive: 'closed loop, 50 in flight' (as fast as the replicas answer) or 'paced, n/s' (open loop). */
  arrival: string;
  errors: number;
  /** Ticket and upload latencies together (what earlier runs reported). */
  p99Ms: number;
  p50Ms: number;
  ticket: Latencies;
  upload: Latencies;
  accepted: number;
  published: number;
  /** Uploads answered 409: their round closed between ticket and upload (a real client drops the update). */
  roundClosed409: number;
  seconds: number;
  /** Clients completed per second (clients / seconds): the closed loop's throughput; a paced phase's achieved rate. */
  clientsPerSecond: number;
  /**
   * Paced phases: how well the generator kept its schedule (client i due at i / rate s). `issuedPerSecond` is the
   * rate clients actually started at (first to last start); `lateMs` how far behind its due time a client started
   * (a busy generator starts late, and a late client is a lower offered rate than the one stated).
   */
  issue?: { issuedPerSecond: number; lateMs: { p50Ms: number; p99Ms: number; maxMs: number } };
  /**
   * Untimed clients sent one at a time before the phase until the open round was empty, so every phase starts at a
   * fresh round (its rounds close after the same counts of accepted updates); `pendingBefore` what the round held.
   */
  fill: { pendingBefore: number; clients: number; errors: number };
  breakdown: {
    /** Uploads that completed a cohort (aggregation and publication inside the row lock) and their latency. */
    closingUploads: Latencies;
    /** Requests whose interval overlapped a closing upload's, against the rest (closing uploads in neither). */
    duringClose: { ticket: Latencies; upload: Latencies };
    outsideClose: { ticket: Latencies; upload: Latencies };
    /** Requests started in the first second (cold connections, JIT, the pools filling) against the later ones. */
    firstSecond: { ticket: Latencies; upload: Latencies };
    afterFirstSecond: { ticket: Latencies; upload: Latencies };
    /** pg_stat_activity every LOCK_SAMPLE_MS ms: backend-milliseconds waiting on a lock vs. active. */
    postgres: {
      samples: number;
      lockWaitBackendMs: number;
      activeBackendMs: number;
      maxLockWaiters: number;
      samplesWithLockWaiters: number;
      /** The lock waits by the statement that waited (its first 70 characters). */
      lockWaitByStatement: Record<string, number>;
      /**
       * Backend-milliseconds of the backends inside a transaction or a statement, by state and wait event:
       * `active` = running (or runnable) in PostgreSQL, `active Lock:…` = waiting for a lock, `active IO:WALSync` =
       * the commit's flush, `idle in transaction Client:ClientRead` = the replica's own code running mid-transaction
       * (validation, aggregation) while the transaction holds what it locked.
       */
      byState: Record<string, number>;
    };
    /** Sum of all measured request latencies (client side), to set the lock waits against. */
    requestMs: number;
    /** CPU seconds during the phase; `other` is the machine's busy time not accounted to these (other work). */
    cpuSeconds: { replicas: number; postgres: number; generator: number; other: number; wall: number; cores: number };
    /** The generator's event-loop delay (ms): how late it could see a response. */
    generatorLoopDelay: { p50Ms: number; p99Ms: number; maxMs: number };
    loadavgBefore: number[];
    loadavgAfter: number[];
  };
  /** Server-side durations from the replicas' request logs (SHELF_LOAD_SERVER_TIMES=1 only; logging costs CPU). */
  serverSide?: { ticket: Latencies; upload: Latencies };
}

/**
 * The issue's `load` fields first (clients, replicas, errors, p99Ms), read at one stated arrival rate: the highest
 * swept paced rate at which tickets and uploads each kept p99 within the goal with 0 errors, as did every lower swept
 * rate; p99Ms is the worse of the two (uploads, in practice). When no rate does, the lowest swept rate (and
 * `maxRateWithinGoal` null); with no sweep, the closed loop. Then the closed loop and the sweep, all
 * on the same replicas and database.
 */
export interface LoadResult {
  clients: number;
  replicas: number;
  /** Errors at the stated rate; `totalErrors` counts every phase (closed loop, sweep, and the untimed fill clients). */
  errors: number;
  /** The worse of the ticket and upload p99 at the stated rate (each kind of request must meet the goal). */
  p99Ms: number;
  /** The stated rate: 'paced, n clients/s' (or the closed loop's arrival when there was no sweep). */
  arrival: string;
  /** Highest swept rate (clients/s) with ticket and upload p99 ≤ goalP99Ms and 0 errors, there and below; null when none. */
  maxRateWithinGoal: number | null;
  /** The same reading for the p99 of tickets and uploads pooled (laxer: half the requests are fast tickets). */
  maxRateBothP99WithinGoal: number | null;
  goalP99Ms: number;
  totalErrors: number;
  /** Ticket and upload p99 at the stated rate. */
  ticketP99Ms: number;
  uploadP99Ms: number;
  /** p99 of tickets and uploads pooled at the stated rate (what p99Ms meant before the sweep). */
  bothP99Ms: number;
  /** 50 clients always in flight: the replicas' saturated throughput (clientsPerSecond), and the queueing it causes. */
  closedLoop: PhaseResult | null;
  /** One paced phase per rate, ascending, after the closed loop. */
  sweep: PhaseResult[];
  /** The code measured: HEAD, and files of server/ and src/shared/ changed in the working tree but not committed. */
  code: { head: string; uncommitted: string[] };
  measuredAt: string;
}

export function stats(values: readonly number[]): Latencies {
  const s = [...values].sort((x, y) => x - y);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : 0);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { requests: s.length, p50Ms: r(q(0.5)), p99Ms: r(q(0.99)), maxMs: r(s.at(-1) ?? 0) };
}


const rateOf = (p: PhaseResult) => Number(/^paced, ([\d.]+) clients\/s$/.exec(p.arrival)?.[1] ?? NaN);

/** The issue's fields from the phases: the stated rate (see LoadResult), and errors over every phase. */
export function summarise(closedLoop: PhaseResult | null, sweep: readonly PhaseResult[]): Omit<LoadResult, 'replicas' | 'code' | 'measuredAt'> {
  const ascending = [...sweep].sort((a, b) => rateOf(a) - rateOf(b));
  // The highest rate such that it and every lower swept rate kept `pick` within the goal with no error.
  const highest = (pick: (p: PhaseResult) => number) => {
    let best: number | null = null;
    for (const p of ascending) {
      if (p.errors !== 0 || pick(p) > GOAL_P99_MS) break;
      best = rateOf(p);
    }
    return best;
  };
  const worse = (p: PhaseResult) => Math.max(p.ticket.p99Ms, p.upload.p99Ms);
  const maxRateWithinGoal = highest(worse);
  const stated = maxRateWithinGoal !== null ? ascending.find((p) => rateOf(p) === maxRateWithinGoal)! : ascending[0] ?? closedLoop;
  if (!stated) throw new Error('load: no phase ran');
  const phases = [...(closedLoop ? [closedLoop] : []), ...sweep];
  return {
    clients: stated.clients,
    errors: stated.errors,
    p99Ms: worse(stated),
    arrival: stated.arrival,
    maxRateWithinGoal,
    maxRateBothP99WithinGoal: highest((p) => p.p99Ms),
    goalP99Ms: GOAL_P99_MS,
    totalErrors: phases.reduce((sum, p) => sum + p.errors + p.fill.errors, 0),
    ticketP99Ms: stated.ticket.p99Ms,
    uploadP99Ms: stated.upload.p99Ms,
    bothP99Ms: stated.p99Ms,
    closedLoop,
    sweep: ascending,
  };
}


// The load benchmark's bookkeeping (bench/reliability/load-results.ts): which paced rates it sweeps, and which rate the
// issue's fields (clients, replicas, errors, p99Ms) are read at. The load itself needs PostgreSQL and minutes of CPU;
// `npm run bench:reliability -- load` runs it.
import { describe, expect, it } from 'vitest';
import { summarise, sweepRates, type PhaseResult } from '../../bench/reliability/load-results.js';

const lat = (p99Ms: number) => ({ requests: 1000, p50Ms: 1, p99Ms, maxMs: p99Ms });

function phase(arrival: string, p99Ms: number, errors = 0, uploadP99Ms = p99Ms): PhaseResult {
  const none = { ticket: lat(0), upload: lat(0) };
  return {
    clients: 1000,
    arrival,
    errors,
    p99Ms,
    p50Ms: 1,
    ticket: lat(p99Ms),
    upload: lat(uploadP99Ms),
    accepted: 1000,
    published: 10,
    roundClosed409: 0,
    seconds: 1,
    clientsPerSecond: 1000,
    fill: { pendingBefore: 0, clients: 0, errors: 0 },
    breakdown: {
      closingUploads: lat(0),
      duringClose: none,
      outsideClose: none,
      firstSecond: none,
      afterFirstSecond: none,
      postgres: { samples: 0, lockWaitBackendMs: 0, activeBackendMs: 0, maxLockWaiters: 0, samplesWithLockWaiters: 0, lockWaitByStatement: {}, byState: {} },
      requestMs: 0,
      cpuSeconds: { replicas: 0, postgres: 0, generator: 0, other: 0, wall: 1, cores: 2 },
      generatorLoopDelay: { p50Ms: 0, p99Ms: 0, maxMs: 0 },
      loadavgBefore: [0, 0, 0],
      loadavgAfter: [0, 0, 0],
    },
  };
}

describe('load benchmark: swept rates', () => {
  it('sweeps 25 to 300 clients/s by default; SHELF_LOAD_RATES, or the single SHELF_LOAD_RATE, replace that', () => {
    expect(sweepRates({})).toEqual([25, 50, 100, 200, 300]);
    expect(sweepRates({ SHELF_LOAD_RATES: '200, 50,50' })).toEqual([50, 200]);
    expect(sweepRates({ SHELF_LOAD_RATE: '25' })).toEqual([25]);
    expect(sweepRates({ SHELF_LOAD_RATES: '40', SHELF_LOAD_RATE: '25' })).toEqual([40]);
    expect(sweepRates({ SHELF_LOAD_RATE: '0' })).toEqual([]);
    expect(() => sweepRates({ SHELF_LOAD_RATES: '25,fast' })).toThrow(/SHELF_LOAD_RATES/);
  });
});

describe('load benchmark: the stated rate', () => {
  const closed = phase('closed loop, 50 in flight', 220);

  it('reads the issue fields at the highest paced rate where tickets and uploads each kept p99 within the goal, and counts errors over every phase', () => {
    const sweep = [phase('paced, 25 clients/s', 12, 0, 40), phase('paced, 50 clients/s', 20), phase('paced, 100 clients/s', 30, 0, 60), phase('paced, 200 clients/s', 45, 1), phase('paced, 300 clients/s', 40)];
    const s = summarise({ ...closed, errors: 2, fill: { pendingBefore: 0, clients: 0, errors: 0 } }, sweep);
    expect(s).toMatchObject({ arrival: 'paced, 50 clients/s', p99Ms: 20, errors: 0, maxRateWithinGoal: 50, maxRateBothP99WithinGoal: 100, goalP99Ms: 50, totalErrors: 3 });
    // The upload p99 is the figure when it is the worse one.
    expect(summarise(null, [sweep[0]!])).toMatchObject({ p99Ms: 40, ticketP99Ms: 12, uploadP99Ms: 40, bothP99Ms: 12 });
    expect(s.closedLoop?.arrival).toBe('closed loop, 50 in flight');
    expect(s.sweep.map((p) => p.arrival)).toEqual(sweep.map((p) => p.arrival));
  });

  it('says so when no rate meets the goal: the lowest rate, maxRateWithinGoal null; the closed loop alone without a sweep', () => {
    const s = summarise(closed, [phase('paced, 50 clients/s', 70), phase('paced, 25 clients/s', 60)]);
    expect(s).toMatchObject({ arrival: 'paced, 25 clients/s', p99Ms: 60, maxRateWithinGoal: null });
    expect(summarise(closed, [])).toMatchObject({ arrival: 'closed loop, 50 in flight', p99Ms: 220, maxRateWithinGoal: null });
  });
});

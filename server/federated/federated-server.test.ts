// Server-side federated pieces: the round state machine, ticket forgery, the DP aggregator (noise std, budget
// stop, FedAdam state carried in the version) and the cumulative ε of published rounds.
import { describe, expect, it } from 'vitest';
import { gaussianFrom } from '../../src/shared/federated/aggregate.js';
import { dpFedAvgEpsilon } from '../../src/shared/federated/accountant.js';
import { mulberry32 } from '../../src/shared/model/weights.js';
import { DEFAULT_FEDERATED } from '../config.js';
import { makeAggregator } from '../publish.js';
import { makeVersion } from '../testing.js';
import { bytesToFloats } from '../weights-codec.js';
import { cumulativeEpsilon, withRound } from './privacy.js';
import { ROUND_STATES, RoundFailedError, canTransition, transition } from './round-state.js';
import { ticketSigner } from './tickets.js';

describe('round state machine', () => {
  it('allows open → aggregating → published | failed, and open → failed, nothing else', () => {
    const allowed = ROUND_STATES.flatMap((a) => ROUND_STATES.filter((b) => canTransition(a, b)).map((b) => `${a}→${b}`));
    expect(allowed).toEqual(['open→aggregating', 'open→failed', 'aggregating→published', 'aggregating→failed']);
    expect(() => transition('published', 'open')).toThrow(/published to open/);
    expect(() => transition('open', 'published')).toThrow();
  });
});

describe('tickets', () => {
  const signer = ticketSigner('s'.repeat(32));
  it('verifies its own tickets for the model and round they were issued for', () => {
    const t = signer.issue('m', 42);
    expect(signer.verify('m', t)).toMatchObject({ round: 42 });
    expect(signer.verify('other', t)).toBeNull();
  });
  it('rejects forged, altered, re-keyed and malformed tickets', () => {
    const t = signer.issue('m', 42);
    const [round, nonce, mac] = t.split('.') as [string, string, string];
    expect(signer.verify('m', `43.${nonce}.${mac}`)).toBeNull();
    expect(signer.verify('m', `${round}.${'A'.repeat(22)}.${mac}`)).toBeNull();
    expect(signer.verify('m', ticketSigner('x'.repeat(32)).issue('m', 42))).toBeNull();
    for (const junk of ['', 'a.b.c', `${t}x`, t.replace('.', '..')]) expect(signer.verify('m', junk)).toBeNull();
  });
  it('gives every ticket its own nonce', () => {
    const nonces = new Set(Array.from({ length: 100 }, () => signer.issue('m', 1).split('.')[1]));
    expect(nonces.size).toBe(100);
  });
});

describe('DP aggregator', () => {
  const base = makeVersion('agg', 1, undefined, () => 0);
  const n = base.weights.byteLength / 4;
  const updates = (count: number, value: number) =>
    Array.from({ length: count }, (_, id) => ({ id, exampleCount: 1, values: new Float32Array(n).fill(value) }));
  const ctx = { round: 1, nextVersion: 2, spent: [] };

  it('adds Gaussian noise of std z·C/K to the mean of the clipped updates', () => {
    // big model so the sample std is meaningful
    const big = makeVersion('agg', 1, { itemDim: 32, hidden: 32, maxLen: 20, ffn: 64, eventTypes: 5 }, () => 0);
    const m = big.weights.byteLength / 4;
    const f = { ...DEFAULT_FEDERATED, clip: 2, noiseMultiplier: 1.5, epsilonBudget: 1e9, optimizer: 'fedavg' as const, serverLearningRate: 1 };
    const agg = makeAggregator(f, 10, gaussianFrom(mulberry32(9)));
    const ups = Array.from({ length: 10 }, (_, id) => ({ id, exampleCount: 4, values: new Float32Array(m) }));
    const out = bytesToFloats(agg(big, ups, ctx).version.weights);
    let s2 = 0;
    for (const v of out) s2 += v * v;
    expect(Math.sqrt(s2 / m) / ((1.5 * 2) / 10)).toBeCloseTo(1, 1);
  });

  it('records lineage and the cumulative ε at δ in the manifest', () => {
    const f = { ...DEFAULT_FEDERATED, noiseMultiplier: 1.1, sampleRate: 0.01, delta: 1e-5 };
    const agg = makeAggregator(f, 3, gaussianFrom(mulberry32(1)));
    const spent = [{ sampleRate: 0.01, noiseMultiplier: 1.1, rounds: 9 }];
    const v = agg(base, updates(3, 0.001), { round: 10, nextVersion: 5, spent }).version.manifest;
    expect(v).toMatchObject({ version: 5, parent: 1, lineage: { kind: 'aggregate', updates: 3, round: 10 } });
    expect(v.privacy!.rounds).toBe(10);
    expect(v.privacy!.epsilon).toBeCloseTo(dpFedAvgEpsilon(0.01, 1.1, 10, 1e-5), 10);
  });

  it('fails the round for good rather than publish past the ε budget', () => {
    const f = { ...DEFAULT_FEDERATED, noiseMultiplier: 0.5, sampleRate: 0.1, epsilonBudget: 1 };
    const agg = makeAggregator(f, 3, gaussianFrom(mulberry32(1)));
    let err: unknown;
    try {
      agg(base, updates(3, 0.001), ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RoundFailedError);
    expect((err as RoundFailedError).reason).toBe('privacy_budget_exhausted');
    expect((err as RoundFailedError).reopen).toBe(false);
  });

  it('FedAdam keeps its moments with the version and uses them in the next round', () => {
    const f = { ...DEFAULT_FEDERATED, noiseMultiplier: 0, optimizer: 'fedadam' as const, serverLearningRate: 0.1 };
    const agg = makeAggregator(f, 3);
    const v2 = agg(base, updates(3, 0.001), ctx).version;
    expect(v2.optimizerState?.byteLength).toBe(n * 8);
    expect(bytesToFloats(v2.weights)[0]).toBeGreaterThan(0);
    const v3 = agg(v2, updates(3, 0.001), { ...ctx, nextVersion: 3 }).version;
    expect(bytesToFloats(v3.optimizerState!)[0]).toBeCloseTo(0.9 * 0.1 * 0.001 + 0.1 * 0.001, 6);
  });
});

describe('cumulative ε', () => {
  it('composes rounds of different (q, z), and is null once a round had no noise', () => {
    const a = withRound(withRound([], 0.01, 1), 0.01, 1);
    expect(a).toEqual([{ sampleRate: 0.01, noiseMultiplier: 1, rounds: 2 }]);
    expect(cumulativeEpsilon(a, 1e-5)).toBeCloseTo(dpFedAvgEpsilon(0.01, 1, 2, 1e-5), 10);
    const b = withRound(a, 0.02, 1.5);
    expect(cumulativeEpsilon(b, 1e-5)!).toBeGreaterThan(cumulativeEpsilon(a, 1e-5)!);
    expect(cumulativeEpsilon(withRound(a, 0.01, 0), 1e-5)).toBeNull();
    expect(cumulativeEpsilon([], 1e-5)).toBe(0);
  });
});

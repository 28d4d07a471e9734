// Cumulative privacy of a model's published DP rounds: the central Gaussian rounds with the RDP accountant of
// src/shared/federated/accountant.ts, the secure (distributed Skellam) rounds with skellam-accountant.ts; composed
// by adding RDP at common orders (integer orders as soon as a secure round is among them).
// Every published round counts — also those of versions rolled back since: what was released stays released.
import { DEFAULT_ORDERS, computeRdp, epsilonFromRdp } from '../../src/shared/federated/accountant.js';
import { INTEGER_ORDERS, secureRdp, secureRoundRelease } from '../../src/shared/federated/skellam-accountant.js';
import type { RoundMechanism } from '../storage/store.js';

/** Published rounds that used the same (q, z) and mechanism. */
export interface SpentRounds {
  readonly sampleRate: number;
  readonly noiseMultiplier: number;
  readonly rounds: number;
  /** Absent: the central Gaussian mechanism (noise z·C added by the server). */
  readonly mechanism?: RoundMechanism;
}

/** RDP of `s` at `orders`. */
function rdpOf(s: SpentRounds, orders: readonly number[]): number[] {
  if (s.mechanism) {
    const release = secureRoundRelease(s.mechanism.bits, s.mechanism.params, s.mechanism.variance);
    return secureRdp([{ sampleRate: s.sampleRate, release, rounds: s.rounds }], orders);
  }
  return computeRdp(s.sampleRate, s.noiseMultiplier, s.rounds, orders);
}

/** ε after all `spent` rounds at δ; null when any round had no noise (no finite ε), 0 for none. */
export function cumulativeEpsilon(spent: readonly SpentRounds[], delta: number): number | null {
  const counted = spent.filter((s) => s.rounds > 0);
  if (counted.some((s) => s.noiseMultiplier === 0 || (s.mechanism && !(s.mechanism.variance > 0)))) return null;
  if (counted.length === 0) return 0;
  const orders = counted.some((s) => s.mechanism) ? INTEGER_ORDERS : DEFAULT_ORDERS;
  const total = orders.map(() => 0);
  for (const s of counted) rdpOf(s, orders).forEach((r, i) => (total[i]! += r));
  return epsilonFromRdp(total, orders, delta).epsilon;
}

/** `spent` plus one more round at (q, z) with `mechanism` (absent: central Gaussian). */
export function withRound(spent: readonly SpentRounds[], sampleRate: number, noiseMultiplier: number, mechanism?: RoundMechanism): SpentRounds[] {
  const out = spent.map((s) => ({ ...s }));
  const key = JSON.stringify(mechanism ?? null);
  const same = out.find((s) => s.sampleRate === sampleRate && s.noiseMultiplier === noiseMultiplier && JSON.stringify(s.mechanism ?? null) === key);
  if (same) (same as { rounds: number }).rounds++;
  else out.push({ sampleRate, noiseMultiplier, rounds: 1, ...(mechanism ? { mechanism } : {}) });
  return out;
}

// Cumulative privacy of a model's published DP rounds, with the RDP accountant of src/shared/federated.
// Every published round counts — also those of versions rolled back since: what was released stays released.
import { DEFAULT_ORDERS, computeRdp, epsilonFromRdp } from '../../src/shared/federated/accountant.js';

/** Published rounds that used the same (q, z). */
export interface SpentRounds {
  readonly sampleRate: number;
  readonly noiseMultiplier: number;
  readonly rounds: number;
}

/** ε after all `spent` rounds at δ; null when any round had no noise (no finite ε), 0 for none. */
export function cumulativeEpsilon(spent: readonly SpentRounds[], delta: number): number | null {
  if (spent.some((s) => s.rounds > 0 && s.noiseMultiplier === 0)) return null;
  const total = DEFAULT_ORDERS.map(() => 0);
  let any = false;
  for (const s of spent) {
    if (s.rounds === 0) continue;
    any = true;
    computeRdp(s.sampleRate, s.noiseMultiplier, s.rounds, DEFAULT_ORDERS).forEach((r, i) => (total[i]! += r));
  }
  return any ? epsilonFromRdp(total, DEFAULT_ORDERS, delta).epsilon : 0;
}

/** `spent` plus one more round at (q, z). */
export function withRound(spent: readonly SpentRounds[], sampleRate: number, noiseMultiplier: number): SpentRounds[] {
  const out = spent.map((s) => ({ ...s }));
  const same = out.find((s) => s.sampleRate === sampleRate && s.noiseMultiplier === noiseMultiplier);
  if (same) same.rounds++;
  else out.push({ sampleRate, noiseMultiplier, rounds: 1 });
  return out;
}

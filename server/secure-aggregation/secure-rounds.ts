// The leader's side of a secure round after its cohort is complete: it asks the helper aggregator for the sum of
// the helper shares of exactly the round's reports, adds its own shares, tops the noise up where the helper left
// out reports whose seed did not open, decodes the sum and publishes the version (store.publishRound). It also
// holds the helper's public key for tickets and the round parameters devices must use. Retries while the helper is
// unreachable (the round stays aggregating, nothing is lost); a helper refusal fails the round and a new one opens.
// Never looks at one report's values: a leader share alone is uniformly random.
import type { FastifyBaseLogger } from 'fastify';
import { addInto, decodeFixedPoint, fixedPointBits } from '../../src/shared/secure-aggregation/fixed-point.js';
import { deviceNoiseVariance, type SecureRoundParams } from '../../src/shared/secure-aggregation/client-report.js';
import { decodeReport } from '../../src/shared/secure-aggregation/report-wire.js';
import { addSkellamNoise } from '../../src/shared/secure-aggregation/skellam.js';
import { l2, sumNormBound } from '../../src/shared/secure-aggregation/norm-guard.js';
import { cryptoUniform53, fromBase64, toBase64 } from '../../src/shared/secure-aggregation/webcrypto.js';
import type { HelperKey } from '../../src/shared/secure-aggregation/helper-protocol.js';
import type { FederatedConfig } from '../config.js';
import { RoundFailedError } from '../federated/round-state.js';
import type { PublishResult, RoundMechanism, Store } from '../storage/store.js';
import { HelperRefused, type HelperClient } from './helper-client.js';
import { secureAggregator } from './secure-aggregator.js';

export interface SecureRoundsOptions {
  readonly store: Store;
  readonly model: string;
  readonly federated: FederatedConfig;
  /** K: reports per round, the cohort the devices' noise is calibrated to. */
  readonly cohort: number;
  readonly helper: HelperClient;
  readonly log?: FastifyBaseLogger;
  /** Delay before the first retry when the helper is unreachable (doubles to a minute). */
  readonly retryMs?: number;
}

/** u32 little-endian words of `bytes`. */
function words(bytes: Uint8Array): Uint32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint32Array(bytes.byteLength >>> 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

export class SecureRounds {
  readonly #o: SecureRoundsOptions;
  #key: HelperKey | null = null;
  readonly #running = new Map<number, Promise<PublishResult | null>>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #closed = false;

  constructor(o: SecureRoundsOptions) {
    this.#o = o;
  }

  /** Fetches the helper's key (kept until the next refresh). @throws when the helper cannot be reached. */
  async refreshKey(): Promise<HelperKey> {
    this.#key = await this.#o.helper.key();
    return this.#key;
  }

  /** The parameters a ticket announces, or null while the helper's key is unknown. */
  params(): SecureRoundParams | null {
    if (!this.#key) return null;
    const f = this.#o.federated;
    return { keyId: this.#key.keyId, publicKey: this.#key.publicKey, bits: fixedPointBits(this.#o.cohort, f.noiseMultiplier), cohort: this.#o.cohort, noiseMultiplier: f.noiseMultiplier, sampleRate: f.sampleRate };
  }

  /** Publishes (or fails) a closed round; concurrent calls for one round share the work. Null: retry scheduled. */
  finish(round: number): Promise<PublishResult | null> {
    const running = this.#running.get(round);
    if (running) return running;
    const work = this.#finish(round, this.#o.retryMs ?? 1000).finally(() => this.#running.delete(round));
    this.#running.set(round, work);
    return work;
  }

  /** Finishes every round left aggregating (after a restart). */
  async resume(): Promise<void> {
    for (const round of await this.#o.store.closingRounds(this.#o.model)) await this.finish(round);
  }

  /** Cancels scheduled retries (the rounds stay aggregating and resume on the next start). */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  async #finish(round: number, retryMs: number): Promise<PublishResult | null> {
    const { store, model, federated: f, cohort, helper, log } = this.#o;
    const stored = await store.roundReports(model, round);
    const reports = stored.map((r) => ({ nonce: r.nonce, report: decodeReport(r.report) }));
    const first = reports[0]?.report;
    if (!first) return store.publishRound(model, round, () => { throw new RoundFailedError('secure_aggregation_failed', `round ${round} has no reports`, true); });
    const params = first.leaderShare.length;
    let answer;
    try {
      answer = await helper.aggregate({ model, round, params, reports: reports.map((r) => ({ id: r.nonce, sealed: toBase64(r.report.sealedSeed) })) });
    } catch (err) {
      if (err instanceof HelperRefused) {
        log?.error({ round, code: err.code, message: err.message }, 'the helper aggregator refused the round; it fails and a new one opens');
        return store.publishRound(model, round, () => {
          throw new RoundFailedError('secure_aggregation_failed', `the helper refused round ${round}: ${err.code}: ${err.message}`, true);
        });
      }
      if (this.#closed) return null;
      log?.warn({ round, retryInMs: retryMs, err: (err as Error).message }, 'the helper aggregator is unreachable; the round stays closed and is retried');
      const t = setTimeout(() => {
        this.#timers.delete(t);
        void this.#finish(round, Math.min(60_000, retryMs * 2));
      }, retryMs);
      this.#timers.add(t);
      return null;
    }
    const sum = words(fromBase64(answer.share));
    if (sum.length !== params) throw new Error(`the helper's share has ${sum.length} values, the reports ${params}`);
    const included = new Set(answer.included);
    for (const r of reports) if (included.has(r.nonce)) addInto(sum, r.report.leaderShare);
    const bits = first.bits;
    const device = deviceNoiseVariance({ bits, cohort, noiseMultiplier: f.noiseMultiplier });
    // Reports the helper could not open carry their noise out of the sum: the leader adds what they would have.
    const missing = Math.max(0, cohort - included.size);
    if (missing > 0 && device > 0) addSkellamNoise(sum, missing * device, cryptoUniform53());
    const mechanism: RoundMechanism | null = device > 0 ? { kind: 'skellam', bits, params, variance: Math.max(cohort, included.size) * device } : null;
    const total = decodeFixedPoint(sum, f.clip, bits);
    // No server can re-clip one update any more: a sum longer than K clipped updates plus noise holds one that was
    // not clipped, and the round is dropped rather than published.
    const bound = sumNormBound(Math.max(cohort, included.size), f.clip, f.noiseMultiplier, params);
    const norm = l2(total);
    if (norm > bound) {
      log?.error({ round, norm, bound }, 'the round sum is longer than its reports could make it: a report was not clipped; the round fails');
      return store.publishRound(model, round, () => {
        throw new RoundFailedError('secure_aggregation_failed', `round ${round}: the sum's norm ${norm.toFixed(3)} is over the bound ${bound.toFixed(3)} of ${cohort} clipped reports plus noise`, true);
      });
    }
    const result = await store.publishRound(model, round, secureAggregator(f, cohort, total, mechanism));
    if (result.status === 'published') log?.info({ model, round, version: result.version, rejected: answer.rejected.length }, 'published a new model version (secure round)');
    return result;
  }
}

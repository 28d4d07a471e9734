// What a visitor's device does to take part in a secure round: clip and encode its update in fixed point, add
// its share of the round's Skellam noise (so that the sum of the cohort carries the configured z·C), split the
// result into two additive shares mod 2^32 — the helper's is the stream of a fresh random seed, the leader's is
// the rest — and seal the seed to the helper's key. Either share alone is uniformly random; only their sum over
// a whole batch, which the two aggregators compute together, reveals anything. Never sends the plain update.
import { encodeFixedPoint, subtractInto } from './fixed-point.js';
import { expandSeed, SEED_BYTES } from './prg.js';
import { encodeReport } from './report-wire.js';
import { reportContext, seal } from './seal.js';
import { addSkellamNoise } from './skellam.js';
import { cryptoUniform53, fromBase64, webCrypto, type CryptoLike } from './webcrypto.js';

/** The secure-aggregation parameters of a round, as the ticket announces them. */
export interface SecureRoundParams {
  /** The helper's key id and raw P-256 public key (base64). */
  readonly keyId: number;
  readonly publicKey: string;
  /** Fixed point: a value of magnitude `clip` maps to 2^bits. */
  readonly bits: number;
  /** K: the batch size the noise is calibrated to. */
  readonly cohort: number;
  /** z: the Skellam noise on the sum of K reports has std z·2^bits (z·C in update units). */
  readonly noiseMultiplier: number;
  /** q: the probability with which a device joins a round (its own coin). */
  readonly sampleRate: number;
}

/** Variance of the Skellam noise one device adds (integer units): (z·2^bits)² / K. */
export function deviceNoiseVariance(p: Pick<SecureRoundParams, 'bits' | 'cohort' | 'noiseMultiplier'>): number {
  return Math.round((p.noiseMultiplier * 2 ** p.bits) ** 2 / p.cohort);
}

/** The report id the sealed seed is bound to: the ticket's nonce (`<round>.<nonce>.<mac>`). */
export function reportIdOf(ticket: string): string {
  const parts = ticket.split('.');
  if (parts.length !== 3 || !parts[1]) throw new RangeError('ticket is not <round>.<nonce>.<mac>');
  return parts[1];
}

export interface ReportInput {
  readonly model: string;
  readonly round: number;
  readonly baseVersion: number;
  readonly ticket: string;
  readonly clip: number;
  readonly secure: SecureRoundParams;
  readonly update: Float32Array;
}

/**
 * The upload body of one device for one round.
 * @throws RangeError on non-finite values or parameters the encoding cannot hold.
 */
export async function buildReport(input: ReportInput, c: CryptoLike = webCrypto(), uniform: () => number = cryptoUniform53(c)): Promise<Uint8Array> {
  const { secure } = input;
  const values = encodeFixedPoint(input.update, input.clip, secure.bits);
  addSkellamNoise(values, deviceNoiseVariance(secure), uniform);
  const seed = c.getRandomValues(new Uint8Array(SEED_BYTES));
  const helperShare = await expandSeed(seed, values.length, c);
  const leaderShare = subtractInto(values, helperShare);
  const context = reportContext(input.model, input.round, reportIdOf(input.ticket));
  const sealedSeed = await seal(seed, fromBase64(secure.publicKey), context, c);
  seed.fill(0);
  return encodeReport({ bits: secure.bits, baseVersion: input.baseVersion, round: input.round, keyId: secure.keyId, ticket: input.ticket, sealedSeed, leaderShare });
}

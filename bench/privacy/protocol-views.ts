// The secure-aggregation protocol's views for the privacy benchmark: exactly what the leader (Shelf's server) and the
// helper aggregator hold of one visitor's report, and what the leader decodes once a round of K is summed — built
// with the protocol's own code (src/shared/secure-aggregation: the device's report, the helper's opening of its
// sealed seed). Must never hand a party more than it receives.
import { webcrypto } from 'node:crypto';
import { buildReport, reportIdOf, type SecureRoundParams } from '../../src/shared/secure-aggregation/client-report.js';
import { addInto, decodeFixedPoint, fixedPointBits } from '../../src/shared/secure-aggregation/fixed-point.js';
import { expandSeed } from '../../src/shared/secure-aggregation/prg.js';
import { decodeReport, type Report } from '../../src/shared/secure-aggregation/report-wire.js';
import { generateHelperKey, importHelperKey, keyId, open, reportContext } from '../../src/shared/secure-aggregation/seal.js';
import { toBase64, type CryptoLike, type Key } from '../../src/shared/secure-aggregation/webcrypto.js';
import type { View, ViewContext } from './views.js';

/** The cohort and noise of the secure rounds attacked (the server's defaults: K = 100, z = 1). */
export const SECURE_COHORT = 100;
export const SECURE_Z = 1;
const MODEL = 'privacy-bench';
const c = webcrypto as unknown as CryptoLike;

interface Helper {
  readonly privateKey: Key;
  readonly publicKey: Uint8Array;
  readonly params: SecureRoundParams;
}
let helper: Promise<Helper> | null = null;
/** One helper key pair for the whole run, as a deployment has. */
function helperKey(): Promise<Helper> {
  helper ??= (async () => {
    const made = await generateHelperKey(c);
    const bits = fixedPointBits(SECURE_COHORT, SECURE_Z);
    return {
      privateKey: await importHelperKey(made.privateJwk, c),
      publicKey: made.publicKey,
      params: { keyId: await keyId(made.publicKey, c), publicKey: toBase64(made.publicKey), bits, cohort: SECURE_COHORT, noiseMultiplier: SECURE_Z, sampleRate: 1 },
    };
  })();
  return helper;
}

let reports = 0;
/** One device's report of `update` (the real client code: clip, fixed point, Skellam share, split, seal). */
async function report(update: Float32Array, ctx: ViewContext): Promise<{ report: Report; ticket: string; h: Helper }> {
  const h = await helperKey();
  const ticket = `1.n${(reports++).toString(36)}.mac`;
  const body = await buildReport({ model: MODEL, round: 1, baseVersion: 1, ticket, clip: ctx.clip, secure: h.params, update }, c, ctx.random);
  return { report: decodeReport(body), ticket, h };
}

/** The helper's share of a report: its sealed seed opened with the helper's key and expanded, as the helper does. */
async function helperShare(r: Report, ticket: string, h: Helper): Promise<Uint32Array> {
  const seed = await open(r.sealedSeed, h.privateKey, h.publicKey, reportContext(MODEL, 1, reportIdOf(ticket)), c);
  return expandSeed(seed, r.leaderShare.length, c);
}

const scaleOf = (ctx: ViewContext, bits: number) => 2 ** bits / ctx.clip;

export const PROTOCOL_VIEWS: readonly View[] = [
  {
    name: 'server',
    party: 'the leader (Shelf server) under secure aggregation: one report as received',
    cohort: 1,
    z: SECURE_Z / Math.sqrt(SECURE_COHORT),
    observe: async ([u], ctx) => {
      const { report: r } = await report(u!, ctx);
      return { share: r.leaderShare, scale: scaleOf(ctx, r.bits) };
    },
  },
  {
    name: 'aggregator-2',
    party: "the helper aggregator: one report's helper share (its sealed seed, opened and expanded)",
    cohort: 1,
    z: SECURE_Z / Math.sqrt(SECURE_COHORT),
    observe: async ([u], ctx) => {
      const { report: r, ticket, h } = await report(u!, ctx);
      return { share: await helperShare(r, ticket, h), scale: scaleOf(ctx, r.bits) };
    },
  },
  {
    name: `server-sum-of-${SECURE_COHORT}`,
    party: `the leader after a round: the released sum of ${SECURE_COHORT} reports (both aggregators' shares added), devices' Skellam noise z = ${SECURE_Z}`,
    cohort: SECURE_COHORT,
    z: SECURE_Z,
    observe: async (us, ctx) => {
      let sum: Uint32Array | null = null;
      let bits = 0;
      for (const u of us) {
        const { report: r, ticket, h } = await report(u, ctx);
        sum ??= new Uint32Array(r.leaderShare.length);
        addInto(sum, r.leaderShare);
        addInto(sum, await helperShare(r, ticket, h));
        bits = r.bits;
      }
      return decodeFixedPoint(sum!, ctx.clip, bits);
    },
  },
];

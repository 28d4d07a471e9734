// POST /v1/updates: one client update in the binary wire format (src/shared/federated/wire.ts). Checks the
// structure, the round and base version (409), the ticket (403 forged, 409 reused), the shape against the
// model, finite scales and the clip bound (400), then stores it durably with its ticket (in its int8 form, committed
// together with the updates that arrived meanwhile: the store's group commit); the K-th update of a round
// aggregates and publishes the next version in the same transaction.
// Must never store anything from a request it rejects, and never answer 2xx before the update is durable.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { quantizedNorm } from '../../src/shared/federated/quantized-sum.js';
import { KEEPALIVE_LIMIT_BYTES, MAX_TICKET_CHARS, WireFormatError, decodeUpdate, wireBytes, type WireUpdate } from '../../src/shared/federated/wire.js';
import { parameterCount } from '../../src/shared/model/weights.js';
import { ErrorBodySchema, UPDATE_MEDIA_TYPE, UpdateAcceptedSchema, type Manifest } from '../../src/shared/protocol.js';
import type { FederatedConfig } from '../config.js';
import type { TicketSigner } from '../federated/tickets.js';
import { HttpError } from '../http-errors.js';
import type { Aggregator, IngestPolicy, IngestResult, Store } from '../storage/store.js';
import { decodeReport, looksLikeReport, reportBytes, ReportFormatError, type Report } from '../../src/shared/secure-aggregation/report-wire.js';
import type { SecureRounds } from '../secure-aggregation/secure-rounds.js';

/**
 * How far above the clip bound a decoded update may be: stochastic int8 rounding can lengthen a vector
 * clipped exactly to C by up to about one scale per value. The server re-clips to C before summing, so the
 * slack never changes the sensitivity the noise is calibrated to.
 */
export const CLIP_SLACK = 1.1;

/** Smallest chunk the server accepts; it bounds the body limit (one float32 scale per chunk). */
export const MIN_CHUNK = 16;

export interface UpdateRouteOptions {
  /** Secure aggregation: only reports are accepted, and a round that completes is published by `secure`. */
  readonly secure?: SecureRounds | null;
  readonly store: Store;
  readonly model: string;
  readonly minUpdates: number;
  readonly aggregate: Aggregator;
  readonly tickets: TicketSigner;
  readonly federated: FederatedConfig;
  /** Called with each accepted update's round and L2 norm (the dashboard's histogram). */
  readonly onAccepted?: (round: number, norm: number) => void;
}

/**
 * Largest body an upload for `params` values can be: a plain update (header, longest ticket, smallest chunk; never
 * over 64 KiB), or under secure aggregation a report (4 bytes a value: over 64 KiB from 16,300 values, sent without
 * keepalive).
 */
export function updateBodyLimit(params: number, secure = false): number {
  // Secure reports: room for a model of up to a million parameters (4 MB), so a larger model published through the
  // admin API takes uploads without a restart; the parameter count is checked against the current version anyway.
  return secure ? reportBytes(Math.max(params, SECURE_MAX_PARAMS), MAX_TICKET_CHARS) : Math.min(KEEPALIVE_LIMIT_BYTES, wireBytes(params, MIN_CHUNK, MAX_TICKET_CHARS));
}

/** The largest model a secure report is sized for by default. */
export const SECURE_MAX_PARAMS = 1_000_000;

function staleError(model: string, base: number, current: number): HttpError {
  return new HttpError(
    409,
    'stale_version',
    `baseVersion ${base} is not the current version of ${model}; the current version is ${current}: fetch latest.json and train on it`,
    { 'x-shelf-current-version': String(current) },
  );
}

function wrongRound(round: number, current: number | null): HttpError {
  return new HttpError(409, 'wrong_round', `round ${round} is not open${current ? `; the open round is ${current}: ask for a new ticket` : ''}`);
}

/** Shape, scales and norm (of the dequantised values); returns the norm. */
function checkValues(manifest: Manifest, u: WireUpdate, clip: number): number {
  const params = parameterCount(manifest.weights);
  if (u.update.q.length !== params) {
    throw new HttpError(400, 'invalid_update', `update has ${u.update.q.length} values; ${manifest.name} v${manifest.version} has ${params} parameters`);
  }
  if (u.update.chunk < MIN_CHUNK) throw new HttpError(400, 'invalid_update', `chunk ${u.update.chunk} is below the minimum of ${MIN_CHUNK}`);
  for (const [i, s] of u.update.scales.entries()) {
    if (!Number.isFinite(s) || s < 0) throw new HttpError(400, 'invalid_update', `scale ${i} is ${s}; scales must be finite and ≥ 0`);
  }
  // The norm of the dequantised values, from q and the scales (no float32 copy of the update).
  const norm = quantizedNorm(u.update);
  if (!Number.isFinite(norm)) throw new HttpError(400, 'invalid_update', 'update values are not finite');
  if (norm > clip * CLIP_SLACK) {
    throw new HttpError(400, 'over_clip_bound', `update L2 norm ${norm.toPrecision(4)} is over the clip bound ${clip} (×${CLIP_SLACK} for rounding); clip it before quantising`);
  }
  return norm;
}

/** The ticket, checked: issued by this server for this model and for the round the body names (403 otherwise). */
function checkedTicket(o: UpdateRouteOptions, text: string, round: number, what: string): { nonce: string } {
  const ticket = o.tickets.verify(o.model, text);
  if (!ticket) throw new HttpError(403, 'invalid_ticket', 'the ticket was not issued by this server for this model');
  if (ticket.round !== round) throw new HttpError(403, 'invalid_ticket', `the ticket is for round ${ticket.round}, the ${what} says round ${round}`);
  return ticket;
}

/** An ingestion that stored nothing, as the HTTP error the client gets; null when the update was accepted. */
function refusal(o: UpdateRouteOptions, result: IngestResult, baseVersion: number, round: number, what: string): HttpError | null {
  switch (result.status) {
    case 'unknown_model':
      return new HttpError(404, 'unknown_model', `no model named '${o.model}'`);
    case 'stale':
      return staleError(o.model, baseVersion, result.current);
    case 'wrong_round':
      return wrongRound(round, result.current);
    case 'ticket_used':
      return new HttpError(409, 'ticket_used', `this ticket has already been used; each ticket carries one ${what}`);
    case 'accepted':
      return null;
  }
}

/**
 * A secure-aggregation report: checks its structure, ticket, round, base version, fixed-point bits, helper key and
 * length (its values cannot be checked: the leader's share is uniformly random), stores it; the report that
 * completes the cohort closes the round, which `secure` then publishes with the helper.
 */
async function acceptReport(o: UpdateRouteOptions, secure: SecureRounds, body: Uint8Array, policy: IngestPolicy): Promise<{ accepted: true }> {
  if (!looksLikeReport(body)) throw new HttpError(400, 'secure_aggregation_required', 'this server runs secure aggregation: send a report (SHS1), never a plain update');
  let r: Report;
  try {
    r = decodeReport(body);
  } catch (err) {
    if (err instanceof ReportFormatError) throw new HttpError(400, 'invalid_update', err.message);
    throw err;
  }
  const ticket = checkedTicket(o, r.ticket, r.round, 'report');
  const manifest = await o.store.current(o.model);
  if (!manifest) throw new HttpError(404, 'unknown_model', `no model named '${o.model}'`);
  if (r.baseVersion !== manifest.version) throw staleError(o.model, r.baseVersion, manifest.version);
  const params = secure.params();
  if (!params) throw new HttpError(503, 'helper_unavailable', 'the second aggregator cannot be reached; try again later', { 'retry-after': '30' });
  if (r.keyId !== params.keyId) throw new HttpError(409, 'stale_key', `the report is sealed to helper key ${r.keyId}; the current key is ${params.keyId}: ask for a new ticket`);
  if (r.bits !== params.bits) throw new HttpError(400, 'invalid_update', `the report uses ${r.bits} fixed-point bits; this round uses ${params.bits}`);
  const n = parameterCount(manifest.weights);
  if (r.leaderShare.length !== n) throw new HttpError(400, 'invalid_update', `the report has ${r.leaderShare.length} values; ${manifest.name} v${manifest.version} has ${n} parameters`);
  const result = await o.store.ingest(
    { model: o.model, round: r.round, baseVersion: r.baseVersion, exampleCount: 1, report: body.slice(), ticketNonce: ticket.nonce },
    { ...policy, deferred: true },
  );
  const refused = refusal(o, result, r.baseVersion, r.round, 'report');
  if (refused) throw refused;
  // The report is durable; publishing needs the helper and must not hold this answer.
  if (result.status === 'accepted' && result.closing !== undefined) void secure.finish(result.closing).catch(() => undefined);
  return { accepted: true as const };
}

export function registerUpdateRoutes(app: FastifyInstance, o: UpdateRouteOptions, bodyLimit: number): void {
  // Binary bodies for this route; JSON stays the default elsewhere.
  app.addContentTypeParser(UPDATE_MEDIA_TYPE, { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
  // The manifest of the version most updates are for. A version's manifest never changes, so an update for the
  // cached version is checked against it without a read; whether that version is still current is decided by
  // ingest under the model's lock (stale → 409). Any other version is looked up, as before.
  let known: Manifest | null = null;
  const manifestFor = async (version: number): Promise<Manifest | null> => {
    if (known?.version === version) return known;
    const current = await o.store.current(o.model);
    if (current) known = current;
    return current;
  };
  // One policy object for every request, so the store's group commit puts concurrent uploads in one transaction.
  const policy: IngestPolicy = { minUpdates: o.minUpdates, aggregate: o.aggregate };
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/v1/updates',
    {
      bodyLimit,
      schema: {
        response: { 200: UpdateAcceptedSchema, 400: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 413: ErrorBodySchema, 415: ErrorBodySchema, 503: ErrorBodySchema },
      },
    },
    async (request) => {
      if (!Buffer.isBuffer(request.body)) {
        throw new HttpError(415, 'unsupported_media_type', `send the update as ${UPDATE_MEDIA_TYPE} in the binary wire format`);
      }
      const body = new Uint8Array(request.body.buffer, request.body.byteOffset, request.body.byteLength);
      if (o.secure) return acceptReport(o, o.secure, body, policy);
      if (looksLikeReport(body)) throw new HttpError(400, 'invalid_update', 'this server runs without secure aggregation: send a plain update (SHU1)');
      let u: WireUpdate;
      try {
        u = decodeUpdate(body);
      } catch (err) {
        if (err instanceof WireFormatError) throw new HttpError(400, 'invalid_update', err.message);
        throw err;
      }
      const ticket = checkedTicket(o, u.ticket, u.round, 'update');
      const manifest = await manifestFor(u.baseVersion);
      if (!manifest) throw new HttpError(404, 'unknown_model', `no model named '${o.model}'`);
      if (u.baseVersion !== manifest.version) throw staleError(o.model, u.baseVersion, manifest.version);
      const norm = checkValues(manifest, u, o.federated.clip);

      // The checks above read outside the transaction; ingest re-checks version, round and ticket under the model's lock.
      const result = await o.store.ingest(
        { model: o.model, round: u.round, baseVersion: u.baseVersion, exampleCount: u.exampleBucket, quantized: u.update, ticketNonce: ticket.nonce },
        policy,
      );
      const refused = refusal(o, result, u.baseVersion, u.round, 'update');
      if (refused || result.status !== 'accepted') throw refused;
      o.onAccepted?.(u.round, norm);
      if (result.published !== null) request.log.info({ model: o.model, version: result.published, round: u.round }, 'published a new model version');
      if (result.failed) request.log.warn({ model: o.model, round: u.round, reason: result.failed }, 'round failed; nothing published');
      return { accepted: true as const };
    },
  );
}

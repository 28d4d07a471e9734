// POST /v1/rounds/current/ticket: a single-use, signed ticket for the model's open round, with the round's
// base version and the clip bound and chunk size clients must use (and, under secure aggregation, the helper's
// key and the round's fixed-point, cohort, noise and sampling parameters; 503 while a round is being published). Asks nothing of the client and records
// nothing about it (no cookie, no id). 409 when training has stopped (privacy budget spent).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorBodySchema, TicketResponseSchema } from '../../src/shared/protocol.js';
import type { FederatedConfig } from '../config.js';
import type { TicketSigner } from '../federated/tickets.js';
import { HttpError } from '../http-errors.js';
import type { SecureRounds } from '../secure-aggregation/secure-rounds.js';
import type { Store } from '../storage/store.js';

export interface RoundRouteOptions {
  /** Secure aggregation: tickets announce its parameters (the helper's key, fixed point, cohort, noise, q). */
  readonly secure?: SecureRounds | null;
  readonly store: Store;
  readonly model: string;
  readonly tickets: TicketSigner;
  readonly federated: FederatedConfig;
}

export function registerRoundRoutes(app: FastifyInstance, o: RoundRouteOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/v1/rounds/current/ticket',
    { bodyLimit: 1024, schema: { response: { 200: TicketResponseSchema, 404: ErrorBodySchema, 409: ErrorBodySchema, 503: ErrorBodySchema } } },
    async (_request, reply) => {
      const { round, stopped } = await o.store.openRound(o.model);
      if (stopped) throw new HttpError(409, 'training_stopped', `training of ${o.model} has stopped: ${stopped}`);
      if (!round) throw new HttpError(404, 'unknown_model', `no model named '${o.model}'`);
      let secure = null;
      if (o.secure) {
        if (round.state !== 'open') {
          throw new HttpError(503, 'round_closing', `round ${round.id} is being aggregated; ask again in a few seconds`, { 'retry-after': '2' });
        }
        secure = o.secure.params() ?? (await o.secure.refreshKey().then(() => o.secure!.params(), () => null));
        if (!secure) throw new HttpError(503, 'helper_unavailable', 'the second aggregator cannot be reached; ask again later', { 'retry-after': '30' });
      }
      return reply.header('cache-control', 'no-store').send({
        model: o.model,
        round: round.id,
        baseVersion: round.baseVersion,
        ticket: o.tickets.issue(o.model, round.id),
        clip: o.federated.clip,
        chunk: o.federated.chunk,
        ...(secure ? { secure } : {}),
      });
    },
  );
}

// POST /v1/rounds/current/ticket: a single-use, signed ticket for the model's open round, with the round's
// base version and the clip bound and chunk size clients must use. Asks nothing of the client and records
// nothing about it (no cookie, no id). 409 when training has stopped (privacy budget spent).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorBodySchema, TicketResponseSchema } from '../../src/shared/protocol.js';
import type { FederatedConfig } from '../config.js';
import type { TicketSigner } from '../federated/tickets.js';
import { HttpError } from '../http-errors.js';
import type { Store } from '../storage/store.js';

export interface RoundRouteOptions {
  readonly store: Store;
  readonly model: string;
  readonly tickets: TicketSigner;
  readonly federated: FederatedConfig;
}

export function registerRoundRoutes(app: FastifyInstance, o: RoundRouteOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/v1/rounds/current/ticket',
    { bodyLimit: 1024, schema: { response: { 200: TicketResponseSchema, 404: ErrorBodySchema, 409: ErrorBodySchema } } },
    async (_request, reply) => {
      const { round, stopped } = await o.store.openRound(o.model);
      if (stopped) throw new HttpError(409, 'training_stopped', `training of ${o.model} has stopped: ${stopped}`);
      if (!round) throw new HttpError(404, 'unknown_model', `no model named '${o.model}'`);
      return reply.header('cache-control', 'no-store').send({
        model: o.model,
        round: round.id,
        baseVersion: round.baseVersion,
        ticket: o.tickets.issue(o.model, round.id),
        clip: o.federated.clip,
        chunk: o.federated.chunk,
      });
    },
  );
}

// Rate limits on ticket issuance and uploads: per client address (loopback exempt unless asked), per ticket,
// answered 429 rate_limited with retry headers; the model registry is never limited.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketResponseSchema } from '../src/shared/protocol.js';
import { ticketOf } from './rate-limits.js';
import { STORE_TIMEOUT_MS, makeVersion, seededApp, testConfig, wireUpdate } from './testing.js';

const MODEL = 'limits';
const seed = makeVersion(MODEL, 1);
const params = seed.weights.byteLength / 4;

describe('rate limits', () => {
  let t: Awaited<ReturnType<typeof seededApp>>;
  let app: FastifyInstance;

  beforeAll(async () => {
    t = await seededApp(seed, (dir) => ({
      ...testConfig({ model: MODEL, minUpdates: 100, staticDir: path.join(dir, 'no-site') }),
      rateLimit: { perAddressPerMinute: 3, perTicket: 2, exemptLoopback: true },
    }));
    app = t.app;
  }, STORE_TIMEOUT_MS);
  afterAll(() => t?.close());

  const ticketFrom = (remoteAddress: string) => app.inject({ method: 'POST', url: '/v1/rounds/current/ticket', remoteAddress });

  it('limits ticket requests per address, with retry headers, and not loopback clients', async () => {
    for (let i = 0; i < 3; i++) expect((await ticketFrom('203.0.113.5')).statusCode).toBe(200);
    const over = await ticketFrom('203.0.113.5');
    expect(over.statusCode).toBe(429);
    expect(over.json()).toEqual({ error: 'rate_limited', message: expect.stringMatching(/too many requests from this address; retry in/) });
    expect(over.headers['retry-after']).toBeDefined();
    expect((await ticketFrom('203.0.113.6')).statusCode).toBe(200);
    for (let i = 0; i < 6; i++) expect((await ticketFrom('127.0.0.1')).statusCode).toBe(200);
    // The registry is not limited.
    for (let i = 0; i < 5; i++) expect((await app.inject({ method: 'GET', url: `/models/${MODEL}/latest.json`, remoteAddress: '203.0.113.5' })).statusCode).toBe(200);
  });

  it('limits uploads that carry one ticket, before any other work', async () => {
    const t = TicketResponseSchema.parse((await ticketFrom('127.0.0.1')).json());
    const body = wireUpdate(new Array(params).fill(0.001), { baseVersion: t.baseVersion, round: t.round, ticket: t.ticket });
    expect(ticketOf(body)).toBe(t.ticket);
    const post = () => app.inject({ method: 'POST', url: '/v1/updates', payload: body, headers: { 'content-type': 'application/octet-stream' } });
    expect((await post()).statusCode).toBe(200);
    expect((await post()).json()).toMatchObject({ error: 'ticket_used' });
    const third = await post();
    expect(third.statusCode).toBe(429);
    expect(third.json()).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/uploads with this ticket/) });
  });

  it('reads a ticket only from something shaped like an update', () => {
    expect(ticketOf(Buffer.from('SHU1'))).toBeNull();
    expect(ticketOf('SHU1')).toBeNull();
    expect(ticketOf(Buffer.alloc(100))).toBeNull();
  });
});

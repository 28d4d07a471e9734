// CORS for the script-tag SDK, through inject(): public reads from any origin; writes and their preflights
// only from the configured origins; never credentials.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerCors } from './cors.js';

async function app(apiOrigins?: readonly string[]) {
  const a = Fastify({ logger: false });
  await registerCors(a, apiOrigins ? { apiOrigins } : {});
  a.get('/sdk/x.js', async () => 'x');
  a.post('/v1/updates', async () => ({ ok: true }));
  await a.ready();
  return a;
}

describe('registerCors', () => {
  it('lets any origin read static and model files', async () => {
    const a = await app(['https://shop.example']);
    const res = await a.inject({ method: 'GET', url: '/sdk/x.js', headers: { origin: 'https://other.example' } });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers API preflights for allowed origins only', async () => {
    const a = await app(['https://shop.example']);
    const pre = (origin: string) =>
      a.inject({ method: 'OPTIONS', url: '/v1/updates', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect((await pre('https://shop.example')).headers['access-control-allow-origin']).toBe('*');
    expect((await pre('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows any origin to post by default', async () => {
    const a = await app();
    const res = await a.inject({ method: 'POST', url: '/v1/updates', headers: { origin: 'https://shop.example' }, payload: {} });
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});

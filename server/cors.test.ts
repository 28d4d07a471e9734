// CORS for the script-tag SDK, through inject(): public reads from any origin; writes and their preflights
// only from the configured origins; never credentials; nothing at all on the admin API unless its origins are set.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerCors } from './cors.js';

async function app(apiOrigins?: readonly string[], adminOrigins?: readonly string[]) {
  const a = Fastify({ logger: false });
  await registerCors(a, { ...(apiOrigins ? { apiOrigins } : {}), ...(adminOrigins ? { adminOrigins } : {}) });
  a.get('/sdk/x.js', async () => 'x');
  a.get('/v1/admin/models/:name/versions', async () => ({ ok: true }));
  a.post('/v1/admin/models/:name/current', async () => ({ ok: true }));
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

  const adminPreflight = (a: Awaited<ReturnType<typeof app>>, origin: string, url = '/v1/admin/models/m/current') =>
    a.inject({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });

  it('answers no admin preflight and sends no CORS headers on admin routes by default, whatever the spelling', async () => {
    const a = await app();
    for (const url of ['/v1/admin/models/m/current', '/v1/%61dmin/models/m/current', '//v1/admin/models/m/current']) {
      const pre = await adminPreflight(a, 'https://evil.example', url);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      expect(pre.headers['access-control-allow-headers']).toBeUndefined();
      expect(pre.statusCode).toBe(404);
    }
    const get = await a.inject({ method: 'GET', url: '/v1/admin/models/m/versions', headers: { origin: 'https://evil.example' } });
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows the configured admin origins only, by name, with the authorization header', async () => {
    const a = await app(undefined, ['https://ops.example']);
    const ok = await adminPreflight(a, 'https://ops.example');
    expect(ok.statusCode).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://ops.example');
    expect(String(ok.headers['access-control-allow-headers'])).toMatch(/authorization/);
    expect(ok.headers['access-control-allow-credentials']).toBeUndefined();
    expect((await adminPreflight(a, 'https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
  });
});

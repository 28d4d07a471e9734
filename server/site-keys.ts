// Public site keys: when configured (SHELF_SITE_KEYS), ticket issuance and uploads need the shop's key in the
// `x-shelf-site-key` header (or a `siteKey` query parameter, for keepalive/beacon uploads that cannot set
// headers). A site key is public — it sits in the shop's page — so it identifies which shop's visitors may
// take part, and lets an operator revoke one shop; it is not a secret and proves nothing about a visitor.
// Checked on the request line alone, before the body is read. Must never log or echo the key.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http-errors.js';
import { LIMITED_ROUTES } from './rate-limits.js';

export const SITE_KEY_HEADER = 'x-shelf-site-key';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The key a request carries, from the header or the query string; null when none. */
export function siteKeyOf(request: FastifyRequest): string | null {
  const h = request.headers[SITE_KEY_HEADER];
  if (typeof h === 'string' && h !== '') return h;
  const q = (request.query as Record<string, unknown> | undefined)?.['siteKey'];
  return typeof q === 'string' && q !== '' ? q : null;
}

/**
 * Requires one of `keys` on the ticket and upload routes; no keys: nothing is required.
 * @throws (as a reply) 401 invalid_site_key for a missing or unknown key.
 */
export function registerSiteKeys(app: FastifyInstance, keys: readonly string[]): void {
  if (keys.length === 0) return;
  const known = keys.map(digest);
  app.addHook('onRequest', async (request) => {
    if (!LIMITED_ROUTES.has(request.routeOptions.url ?? '')) return;
    const key = siteKeyOf(request);
    if (key === null) throw new HttpError(401, 'invalid_site_key', `this server needs the shop's public site key in the ${SITE_KEY_HEADER} header`);
    const d = digest(key);
    if (!known.some((k) => timingSafeEqual(k, d))) throw new HttpError(401, 'invalid_site_key', 'unknown site key');
  });
}

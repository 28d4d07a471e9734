// Production mode: unless the demo is on (SHELF_DEMO=on), the demo storefront's pages are not served (the demo
// catalogue's routes are not registered at all: app.ts), while the SDK files, the model registry, Shelf's API
// and the operator dashboard are. Must never hide anything but the demo's own pages.
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http-errors.js';

/** The built pages that belong to the demo shop (they read the demo catalogue). */
export const DEMO_PAGES: ReadonlySet<string> = new Set(['/', '/index.html', '/lab.html', '/sdk/example.html']);

export function hideDemoPages(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? request.url;
    if (DEMO_PAGES.has(path)) throw new HttpError(404, 'not_found', `${path} is part of the demo shop, which is off (set SHELF_DEMO=on to serve it)`);
  });
}

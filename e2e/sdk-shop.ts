// A shop page on its own origin for the SDK's browser tests: a tiny server started by the test serves the HTML
// (with the CSP header under test) at http://localhost:<ephemeral port>/, while Shelf's files and API come from the real Shelf server on
// http://127.0.0.1:<port>/ — two origins, as with a CDN. The snippet is generated from src/sdk/snippet.ts and
// pinned with the loader's SRI from dist/sdk/manifest.json.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, type Page, type Request } from '@playwright/test';
import { buildSnippet } from '../src/sdk/snippet.js';
import type { CandidateItem } from '../src/shared/protocol.js';

export const NONCE = 'e2e-nonce-4b1d';

export interface ShopPage {
  /** Shelf's origin (the e2e server), without a trailing slash. */
  shelf: string;
  /** Content-Security-Policy header of the page, or none; `{origin}` becomes the shop page's own origin. */
  csp?: string;
  /** Inline script run before the snippet (e.g. GA4 dataLayer pushes). */
  before?: string;
  /** How many copies of the snippet the page includes. */
  snippets?: number;
  /** Inline script run after the snippet, before Shelf has loaded (queued calls). */
  after?: string;
  /** Extra HTML in the body (product cards). */
  body?: string;
  /** Data made available as `window.products`. */
  products?: unknown;
  /** Bodies POSTed to the shop's `/csp-report` (name it in the CSP's `report-uri`) are pushed here. */
  cspReports?: string[];
}

export function manifest(): { files: Record<string, { integrity: string }> } {
  return JSON.parse(readFileSync('dist/sdk/manifest.json', 'utf8')) as { files: Record<string, { integrity: string }> };
}

/** A strict CSP: scripts only by nonce or from Shelf's origin; workers from 'self' and blob: (unless told otherwise). */
export function strictCsp(shelf: string, workerSrc = "'self' blob:"): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${NONCE}' ${shelf} 'wasm-unsafe-eval'`,
    `worker-src ${workerSrc}`,
    `connect-src ${shelf}`,
    "style-src 'unsafe-inline'",
  ].join('; ');
}

export function shopHtml(o: ShopPage): string {
  const snippet = buildSnippet({ loaderUrl: `${o.shelf}/sdk/shelf-loader.js`, integrity: manifest().files['shelf-loader.js']!.integrity });
  const script = (code: string) => `<script nonce="${NONCE}">${code}</script>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>shop</title>
${script(`window.products = ${JSON.stringify(o.products ?? []).replace(/</g, '\\u003c')};`)}
${o.before ? script(o.before) : ''}
${Array.from({ length: o.snippets ?? 1 }, () => script(snippet)).join('\n')}
${o.after ? script(o.after) : ''}
</head><body>${o.body ?? ''}</body></html>`;
}

/**
 * Serves the shop page from a tiny HTTP server of its own (an ephemeral port on loopback, reached as
 * `localhost`, so Chromium sees a real loopback origin) and opens it; fails the test on any uncaught error in
 * the page. Returns the requests the page (and its worker) made, live, and the server to close.
 */
export async function openShop(page: Page, o: ShopPage): Promise<{ requests: Request[]; origin: string; close(): Promise<void> }> {
  const requests: Request[] = [];
  page.on('request', (r) => requests.push(r));
  if (process.env['SHELF_E2E_VERBOSE']) {
    page.on('console', (m) => process.stdout.write(`[page ${m.type()}] ${m.text()}\n`));
    page.on('requestfailed', (r) => process.stdout.write(`[failed] ${r.url()} ${r.failure()?.errorText}\n`));
  }
  page.on('pageerror', (err) => {
    throw new Error(`uncaught error in the shop page: ${err.message}`);
  });
  const body = shopHtml(o);
  let origin = '';
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/csp-report') {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => {
        o.cspReports?.push(data);
        res.writeHead(204).end();
      });
      return;
    }
    res.writeHead(req.url === '/' ? 200 : 404, {
      'content-type': 'text/html; charset=utf-8',
      ...(o.csp ? { 'content-security-policy': o.csp.replaceAll('{origin}', origin) } : {}),
    });
    res.end(req.url === '/' ? body : '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  await page.goto(`${origin}/`);
  await expect.poll(() => page.evaluate(() => (window as unknown as { shelf?: { initialized?: boolean } }).shelf?.initialized === true), { timeout: 30_000 }).toBe(true);
  return { requests, origin, close };
}

/** The demo catalogue's candidates (with item vectors), from Shelf's server. */
export async function products(shelf: string, limit = 30): Promise<CandidateItem[]> {
  const res = await fetch(`${shelf}/v1/candidates?list=all&limit=${limit}`);
  return ((await res.json()) as { items: CandidateItem[] }).items;
}

/** Names of the IndexedDB databases on the shop's origin. */
export async function databases(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
}

/** Requests to Shelf's backend (model files, updates), as opposed to its static SDK files. */
export function backendRequests(requests: readonly Request[], shelf: string): string[] {
  return requests.map((r) => r.url()).filter((u) => u.startsWith(shelf) && !u.startsWith(`${shelf}/sdk/`));
}

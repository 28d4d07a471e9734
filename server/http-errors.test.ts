// Every error the server sends is in the project's {error, message} shape, including the ones fastify and Node
// raise before any route runs: malformed URLs, path segments over the router's limit, header blocks over 16 KB,
// more than MAX_HEADERS header lines, an HTTP/1.1 request without Host, requests Node cannot parse, fastify's own
// body errors, unknown routes and methods. Real server on loopback, raw TCP (no client fixes the request up).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBodySchema } from '../src/shared/protocol.js';
import { MAX_HEADERS } from './http-limits.js';
import { STORE_TIMEOUT_MS, makeVersion, rawRequest, seededApp, testConfig } from './testing.js';

const MODEL = 'errors-test';
const TOKEN = 'e'.repeat(24);

describe('error bodies', () => {
  let t: Awaited<ReturnType<typeof seededApp>>;
  let port: number;
  beforeAll(async () => {
    t = await seededApp(makeVersion(MODEL, 1), (dir) => testConfig({ model: MODEL, staticDir: path.join(dir, 'none'), adminToken: TOKEN }));
    port = Number(new URL(await t.app.listen({ host: '127.0.0.1', port: 0 })).port);
  }, STORE_TIMEOUT_MS);
  afterAll(() => t?.close());

  const get = (target: string, headers: string[] = ['Host: x']) => `GET ${target} HTTP/1.1\r\n${[...headers, 'Connection: close'].join('\r\n')}\r\n\r\n`;
  const post = (target: string, type: string, body: string, extra: string[] = []) =>
    `POST ${target} HTTP/1.1\r\nHost: x\r\n${[...extra, `Content-Type: ${type}`, `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'].join('\r\n')}\r\n\r\n${body}`;
  const many = (n: number) => Array.from({ length: n }, (_, i) => `x-h${i}: v`);
  const admin = `Authorization: Bearer ${TOKEN}`;

  const cases: [string, string, number, string, RegExp][] = [
    ['a broken percent-escape in a path parameter', get('/models/%/latest.json'), 400, 'invalid_request', /malformed URL/],
    ['a broken percent-escape at the root', get('/%zz'), 400, 'invalid_request', /malformed URL/],
    ['a path parameter over the router limit', get(`/models/${'a'.repeat(300)}/latest.json`), 414, 'uri_too_long', /too long/],
    ['a header block over 16 KB', get('/healthz', ['Host: x', `x-big: ${'a'.repeat(20_000)}`]), 431, 'headers_too_large', /larger than 16384 bytes/],
    [`more than ${MAX_HEADERS} header lines`, get('/healthz', ['Host: x', ...many(MAX_HEADERS + 5)]), 431, 'headers_too_large', /more than \d+ header lines/],
    ['2,000 header lines with Host last (Node drops it)', get('/healthz', [...many(2000), 'Host: x']), 431, 'headers_too_large', /more than \d+ header lines/],
    ['an HTTP/1.1 request without Host', get('/healthz', []), 400, 'invalid_request', /Host header/],
    ['a request line Node cannot parse', 'HELLO\r\n\r\n', 400, 'invalid_request', /malformed HTTP request/],
    ['Transfer-Encoding with Content-Length', 'POST /v1/updates HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n', 400, 'invalid_request', /malformed HTTP request/],
    ['an unknown route', get('/nope'), 404, 'not_found', /GET \/nope/],
    ['a method no route has', 'DELETE /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 404, 'not_found', /DELETE \/healthz/],
    ['an OPTIONS that is not a preflight', 'OPTIONS /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 404, 'not_found', /OPTIONS/],
    ['invalid JSON', post(`/v1/admin/models/${MODEL}/current`, 'application/json', '{x}', [admin]), 400, 'invalid_request', /not valid JSON/],
    ['an empty JSON body', post(`/v1/admin/models/${MODEL}/current`, 'application/json', '', [admin]), 400, 'invalid_request', /empty/],
    ['an unsupported media type', post(`/v1/admin/models/${MODEL}/current`, 'application/xml', '<x/>', [admin]), 415, 'unsupported_media_type', /application\/xml/],
    ['a body over the route limit', post(`/v1/admin/models/${MODEL}/current`, 'application/json', `{"version":1${' '.repeat(2000)}}`, [admin]), 413, 'payload_too_large', /1024 bytes/],
    ['a schema violation', post(`/v1/admin/models/${MODEL}/current`, 'application/json', '{"version":"one"}', [admin]), 400, 'invalid_request', /version/],
  ];

  for (const [what, request, status, error, message] of cases) {
    it(`answers ${what} with ${status} ${error}`, async () => {
      const res = await rawRequest(port, request);
      expect(res.status).toBe(status);
      expect(res.headers).toMatch(/content-type: application\/json/i);
      const body: unknown = JSON.parse(res.body);
      expect(Object.keys(body as object).sort()).toEqual(['error', 'message']);
      const parsed = ErrorBodySchema.parse(body);
      expect(parsed.error).toBe(error);
      expect(parsed.message).toMatch(message);
    });
  }
});

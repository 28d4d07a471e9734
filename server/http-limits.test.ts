// Slow clients are cut off with the server's real limits, on a real server on loopback: a connection that sends its
// headers a byte every 250 ms (slowloris) is closed HEADERS_TIMEOUT_MS after it started, one that sends its body a
// byte every 250 ms REQUEST_TIMEOUT_MS after, each with a 408 in the {error, message} shape; meanwhile a keep-alive
// client whose upload trickles in over 1.5 s, after 3 s idle on the same connection, is served normally.
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBodySchema, UPDATE_MEDIA_TYPE } from '../src/shared/protocol.js';
import { CONNECTIONS_CHECK_MS, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from './http-limits.js';
import { STORE_TIMEOUT_MS, makeVersion, seededApp, testConfig, wireUpdate } from './testing.js';

const MODEL = 'slow-test';
const seed = makeVersion(MODEL, 1);
const TOKEN = 's'.repeat(24);
/** Node checks the limits every CONNECTIONS_CHECK_MS; allow two checks and a loaded machine's delay. */
const SLACK_MS = 2 * CONNECTIONS_CHECK_MS + 1_500;

/** Writes `head` then `trickle` a byte every 250 ms; resolves when the server closes, with how long it took and what it said. */
function trickle(port: number, head: string, rest: string): Promise<{ ms: number; answer: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    let i = 0;
    const timer = setInterval(() => {
      if (i < rest.length && socket.writable) socket.write(rest[i++]!);
    }, 250);
    socket.on('data', (c: Buffer) => (answer += c.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ ms: Date.now() - started, answer });
    });
    socket.write(head);
  });
}

function expect408(answer: string): void {
  expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  const body = ErrorBodySchema.parse(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)));
  expect(body.error).toBe('request_timeout');
}

describe('slow clients', () => {
  let t: Awaited<ReturnType<typeof seededApp>>;
  let port: number;
  beforeAll(async () => {
    t = await seededApp(seed, (dir) => testConfig({ model: MODEL, staticDir: path.join(dir, 'none'), minUpdates: 100, adminToken: TOKEN }));
    port = Number(new URL(await t.app.listen({ host: '127.0.0.1', port: 0 })).port);
  }, STORE_TIMEOUT_MS);
  afterAll(() => t?.close());

  it.concurrent('closes a connection sending its headers byte by byte within the headers timeout', async () => {
    const { ms, answer } = await trickle(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', `x-slow: ${'a'.repeat(400)}\r\n\r\n`);
    expect(ms).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 500);
    expect(ms).toBeLessThanOrEqual(HEADERS_TIMEOUT_MS + SLACK_MS);
    expect408(answer);
  }, 60_000);

  it.concurrent('closes a connection sending its body byte by byte within the request timeout', async () => {
    const head = `POST /v1/admin/models/${MODEL}/current HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n`;
    const { ms, answer } = await trickle(port, head, ' '.repeat(500));
    expect(ms).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 500);
    expect(ms).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS + SLACK_MS);
    expect408(answer);
  }, 60_000);

  it.concurrent('serves a keep-alive client: a ticket, 3 s idle, then an upload trickling in over 1.5 s, on one connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, urlPath: string, body: Buffer | null) =>
      new Promise<{ status: number; json: unknown; reused: boolean }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, agent, headers: body ? { 'content-type': UPDATE_MEDIA_TYPE, 'content-length': body.byteLength } : {} });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text), reused: req.reusedSocket }));
        });
        req.on('error', reject);
        if (!body) return void req.end();
        const third = Math.ceil(body.byteLength / 3);
        req.write(body.subarray(0, third));
        setTimeout(() => req.write(body.subarray(third, 2 * third)), 750);
        setTimeout(() => req.end(body.subarray(2 * third)), 1_500);
      });
    const ticket = await send('POST', '/v1/rounds/current/ticket', null);
    expect(ticket.status).toBe(200);
    const tk = ticket.json as { round: number; ticket: string; baseVersion: number };
    await new Promise((r) => setTimeout(r, 3_000));
    const values = new Array<number>(seed.weights.byteLength / 4).fill(0.001);
    const up = await send('POST', '/v1/updates', wireUpdate(values, { baseVersion: tk.baseVersion, round: tk.round, ticket: tk.ticket }));
    expect(up.status).toBe(200);
    expect(up.reused).toBe(true);
    agent.destroy();
  }, 60_000);
});

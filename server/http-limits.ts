// How long the server waits for a client, and what it answers a client it cannot parse. Node's defaults keep a
// connection that sends its headers byte by byte (slowloris) or its body a byte at a time for minutes (headers 60 s,
// request 300 s, checked every 30 s); here the headers must arrive within HEADERS_TIMEOUT_MS and the whole request
// within REQUEST_TIMEOUT_MS, checked every second, while an idle keep-alive connection stays open between requests
// (fastify's 72 s). Errors Node raises before fastify sees a request (malformed request line, headers over 16 KB,
// a timeout) are answered in the project's {error, message} shape, and so are requests with too many header lines or
// an HTTP/1.1 request without Host (Node would answer an empty 400). Must never write to a socket that is gone, nor keep one open after such an error.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { HttpError, errorBody, type ServerErrorCode } from './http-errors.js';

/** The request line and headers must have arrived within this long of the connection's request starting. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** The whole request, body included, must have arrived within this long (a 64 KiB update needs ~1 s on a 3G link). */
export const REQUEST_TIMEOUT_MS = 20_000;
/** How often Node checks connections against the two timeouts. */
export const CONNECTIONS_CHECK_MS = 1_000;

function clientError(status: number, code: ServerErrorCode, message: string): string {
  const body = JSON.stringify(errorBody(code, message));
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Answers what Node's HTTP parser refused (fastify's clientErrorHandler), then closes the connection. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let reply: string;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    reply = clientError(408, 'request_timeout', `the request did not arrive in time (headers within ${HEADERS_TIMEOUT_MS / 1000} s, the whole request within ${REQUEST_TIMEOUT_MS / 1000} s)`);
  } else if (err.code === 'HPE_HEADER_OVERFLOW') {
    reply = clientError(431, 'headers_too_large', `the request's headers are larger than ${http.maxHeaderSize} bytes`);
  } else {
    reply = clientError(400, 'invalid_request', `malformed HTTP request (${err.code ?? 'parse error'})`);
  }
  if (socket.writable) socket.end(reply);
  socket.destroySoon();
}

/** Fastify options for the limits above (merge into the factory's options). */
export function httpServerOptions(): Pick<FastifyServerOptions, 'requestTimeout' | 'clientErrorHandler'> & { http: http.ServerOptions } {
  return {
    // Fastify sets server.requestTimeout from its own option, which must agree.
    requestTimeout: REQUEST_TIMEOUT_MS,
    http: { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: CONNECTIONS_CHECK_MS, requireHostHeader: false },
    clientErrorHandler: answerClientError,
  };
}

/** Most header lines a request may have; Node drops those past 2,000 silently (maxHeadersCount), Host among them. */
export const MAX_HEADERS = 1_000;

/**
 * Refuses a request with more than MAX_HEADERS header lines (431), and an HTTP/1.1 request without a Host header
 * (400), with bodies (Node's own Host check answers an empty 400).
 */
export function checkHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const lines = request.raw.rawHeaders.length / 2;
    if (lines > MAX_HEADERS) throw new HttpError(431, 'headers_too_large', `the request has more than ${MAX_HEADERS} header lines`);
    if (request.raw.httpVersion === '1.1' && !request.headers.host) {
      throw new HttpError(400, 'invalid_request', 'an HTTP/1.1 request needs a Host header');
    }
  });
}

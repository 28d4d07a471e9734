// Turns every failure into an ErrorBody `{error, message}` with the right status: our own HttpErrors, zod
// validation failures, fastify's body-limit/media-type/JSON errors, unknown routes, and crashes.
// Must never send a stack trace or an internal message to the client (crashes are logged, not echoed).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorBody } from '../src/shared/protocol.js';

/** The `error` field of every error body the server sends. */
export type ServerErrorCode =
  | 'invalid_request'
  | 'invalid_update'
  | 'unknown_model'
  | 'not_found'
  | 'stale_version'
  | 'wrong_round'
  | 'ticket_used'
  | 'invalid_ticket'
  | 'over_clip_bound'
  | 'training_stopped'
  | 'unauthorized'
  | 'forbidden'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'invalid_site_key'
  | 'site_not_built'
  | 'round_closing'
  | 'helper_unavailable'
  | 'secure_aggregation_required'
  | 'stale_key'
  | 'not_ready'
  | 'storage_damaged'
  | 'request_timeout'
  | 'headers_too_large'
  | 'uri_too_long'
  | 'unknown_space'
  | 'space_exists'
  | 'item_exists'
  | 'internal';

/**
 * An error a handler throws on purpose; its status and code reach the client as they are.
 * @example
 *   throw new HttpError(404, 'unknown_model', `no model named ${name}`);
 */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: ServerErrorCode;
  readonly headers: Readonly<Record<string, string>>;
  constructor(statusCode: number, code: ServerErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.headers = headers;
  }
}

export function errorBody(error: ServerErrorCode, message: string): ErrorBody {
  return { error, message };
}

/** Fastify's own client-side errors that we map to a specific code; the rest of the 4xx become invalid_request. */
const FASTIFY_CODES: Readonly<Record<string, ServerErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
};

function describeValidation(err: FastifyError): string {
  const where = err.validationContext ?? 'request';
  const details = (err.validation ?? []).map((v) => {
    const field = v.instancePath ? v.instancePath.replace(/^\//, '').replaceAll('/', '.') : '';
    return field ? `${field}: ${v.message ?? 'invalid'}` : (v.message ?? 'invalid');
  });
  return `invalid ${where}: ${details.join('; ') || err.message}`;
}

/**
 * Fastify's `frameworkErrors` option: what the router refuses before any route runs (a malformed percent-escape in
 * the path, a path parameter over maxParamLength), in the ErrorBody shape.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = (request.raw.url ?? '').split('?')[0]!.slice(0, 200);
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.code(414).send(errorBody('uri_too_long', `a segment of the path is too long: ${path}`));
    return;
  }
  if (err.code === 'FST_ERR_BAD_URL') {
    void reply.code(400).send(errorBody('invalid_request', `malformed URL (a broken percent-escape?): ${path}`));
    return;
  }
  void reply.code(err.statusCode && err.statusCode < 500 ? err.statusCode : 400).send(errorBody('invalid_request', err.message));
}

/** Installs the error and not-found handlers on `app`. Call before registering routes. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof HttpError) {
      return reply.code(err.statusCode).headers(err.headers).send(errorBody(err.code, err.message));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      return reply.code(400).send(errorBody('invalid_request', describeValidation(err)));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = FASTIFY_CODES[err.code] ?? 'invalid_request';
      const message =
        code === 'unsupported_media_type'
          ? `content-type '${request.headers['content-type'] ?? ''}' is not supported here; send application/json`
          : code === 'payload_too_large'
            ? `request body is larger than this route's limit of ${request.routeOptions.bodyLimit ?? '?'} bytes`
            : err.message;
      return reply.code(status).send(errorBody(code, message));
    }
    request.log.error({ err }, 'request failed');
    return reply.code(500).send(errorBody('internal', 'internal server error; the server log has the details'));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    return reply.code(404).send(errorBody('not_found', `no such resource: ${request.method} ${path}`));
  });
}

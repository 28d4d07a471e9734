// Shelf's one error type. Errors cross the worker boundary, so callers branch on `code`, never on
// `instanceof`. Must never depend on DOM, Worker or Node globals.

/** Every failure Shelf can report. */
export type ShelfErrorCode =
  | 'invalid_options'
  | 'invalid_candidates'
  | 'invalid_event'
  | 'not_initialized'
  | 'timeout'
  | 'worker_unavailable'
  | 'worker_crashed'
  | 'backend_unavailable'
  | 'model_unavailable'
  | 'model_integrity'
  | 'model_mismatch'
  | 'storage_unavailable'
  | 'network'
  | 'stale_version'
  | 'internal';

/** Plain-data form of a ShelfError, as it travels between threads. */
export interface ShelfErrorData {
  readonly code: ShelfErrorCode;
  readonly message: string;
  readonly stack?: string;
}

/**
 * The error Shelf raises in developer-facing calls.
 * @example
 *   try { await shelf.flush() } catch (e) { if (isShelfError(e) && e.code === 'network') retryLater() }
 */
export class ShelfError extends Error {
  readonly code: ShelfErrorCode;
  constructor(code: ShelfErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ShelfError';
    this.code = code;
  }
  toData(): ShelfErrorData {
    return { code: this.code, message: this.message, ...(this.stack === undefined ? {} : { stack: this.stack }) };
  }
  static fromData(data: ShelfErrorData): ShelfError {
    const err = new ShelfError(data.code, data.message);
    if (data.stack !== undefined) err.stack = data.stack;
    return err;
  }
}

/** True for a ShelfError or its plain-data form (after a thread crossing). */
export function isShelfError(value: unknown): value is ShelfErrorData {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** Wraps anything thrown into a ShelfError, keeping an existing code. */
export function toShelfError(value: unknown, fallback: ShelfErrorCode = 'internal'): ShelfError {
  if (value instanceof ShelfError) return value;
  if (isShelfError(value)) return ShelfError.fromData(value);
  const message = value instanceof Error ? value.message : String(value);
  return new ShelfError(fallback, message, { cause: value });
}

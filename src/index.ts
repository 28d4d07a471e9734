// Shelf's public entry: everything listed here is what the package promises; nothing else is public.
export { Shelf } from './shelf.js';
export type { Candidate, RerankContext, RerankedItem, ShelfEvent, ShelfRerankResult } from './shelf.js';
export type { ShelfOptions } from './options.js';
export { ShelfError, isShelfError } from './shared/errors.js';
export type { ShelfErrorCode } from './shared/errors.js';
export type { BackendName, EngineStatus, FallbackReason, FlushResult, StoredEvent } from './shared/engine-api.js';
export { EVENT_TYPES } from './shared/events.js';
export type { EventType } from './shared/events.js';

import type { ShelfOptions } from './options.js';
import { Shelf } from './shelf.js';

/** Starts Shelf. Shorthand for `Shelf.init(options)`. @throws ShelfError `invalid_options` */
export function init(options?: ShelfOptions): Promise<Shelf> {
  return Shelf.init(options);
}

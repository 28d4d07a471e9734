// One event of a shop's own history (orders, its analytics export), validated with zod, and the names shops use
// for event types mapped to Shelf's (src/shared/events.ts). Must never invent an event the shop did not record.
import { z } from 'zod';
import { EVENT_TYPES, type EventType } from '../../src/shared/events.js';
import { ItemIdSchema } from './feed-schema.js';

/** Other names for Shelf's event types that shops' exports use. */
export const EVENT_ALIASES: Readonly<Record<string, EventType>> = {
  view: 'view_item',
  detail: 'view_item',
  click: 'select_item',
  cart: 'add_to_cart',
  addtocart: 'add_to_cart',
  order: 'purchase',
  transaction: 'purchase',
  buy: 'purchase',
  impression: 'view_item_list',
};

const EventTypeSchema = z.string().transform((s, ctx) => {
  const k = s.trim().toLowerCase();
  const type = (EVENT_TYPES as readonly string[]).includes(k) ? (k as EventType) : EVENT_ALIASES[k.replace(/[_\s-]/g, '')];
  if (!type) {
    ctx.addIssue({ code: 'custom', message: `unknown event type ${JSON.stringify(s.slice(0, 40))} (use ${EVENT_TYPES.join(', ')})` });
    return z.NEVER;
  }
  return type;
});

/**
 * A timestamp as milliseconds since 1970: ISO 8601 text, or a number of seconds, milliseconds or microseconds
 * (told apart by size: GA4's event_timestamp is in microseconds).
 */
export const TimestampSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const s = typeof v === 'number' ? v : v.trim();
  const n = typeof s === 'number' ? s : /^\d+(\.\d+)?$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(n) || n < 0) {
    ctx.addIssue({ code: 'custom', message: `expected an ISO 8601 date or a Unix time, got ${JSON.stringify(String(v).slice(0, 40))}` });
    return z.NEVER;
  }
  return n >= 1e14 ? n / 1000 : n >= 1e11 ? n : n * 1000;
});

export const HistoryRowSchema = z.object({
  key: z.string().min(1, 'must not be empty').max(256, 'at most 256 characters').regex(/^[^\p{Cc}\p{Cf}\p{Cs}]+$/u, 'printable characters only'),
  item: ItemIdSchema,
  type: EventTypeSchema,
  ms: TimestampSchema,
});
export type HistoryEvent = z.output<typeof HistoryRowSchema>;

/** CSV header names accepted for each column (first match wins). */
export const HISTORY_COLUMNS = {
  key: ['user_id', 'session_id', 'user', 'session', 'visitor_id', 'user_pseudo_id', 'key'],
  item: ['item_id', 'item', 'product_id', 'sku', 'id'],
  type: ['event_type', 'event', 'event_name', 'type'],
  ms: ['timestamp', 'event_timestamp', 'time', 'ts', 'date'],
} as const;

/** GA4 event names that carry items; other events (page_view, session_start…) are skipped. */
export const GA4_ITEM_EVENTS: ReadonlySet<string> = new Set(EVENT_TYPES);

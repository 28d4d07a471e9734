// Maps the e-commerce events shops already send — GA4's recommended events (gtag, dataLayer) and Segment's
// e-commerce spec v2 names — onto the engine's TrackInput. Pure functions: no DOM, no engine calls; only
// primitive fields are copied, so nothing non-serialisable (functions, DOM nodes, cycles) reaches the worker.
import type { TrackInput } from '../shared/engine-api.js';
import { isEventType, type EventType } from '../shared/events.js';

/** GA4 event names Shelf understands (`begin_checkout` counts as adding its items to the cart). */
export const GA4_EVENTS = ['view_item_list', 'select_item', 'view_item', 'add_to_cart', 'remove_from_cart', 'begin_checkout', 'purchase'] as const;
export type Ga4EventName = (typeof GA4_EVENTS)[number];

/** Segment e-commerce (spec v2) names and the GA4 event each one stands for. */
export const SEGMENT_ALIASES: Readonly<Record<string, Ga4EventName>> = Object.freeze({
  'Product List Viewed': 'view_item_list',
  'Product List Filtered': 'view_item_list',
  'Product Clicked': 'select_item',
  'Product Viewed': 'view_item',
  'Product Added': 'add_to_cart',
  'Product Removed': 'remove_from_cart',
  'Checkout Started': 'begin_checkout',
  'Order Completed': 'purchase',
});

const TO_ENGINE: Readonly<Record<Ga4EventName, EventType>> = Object.freeze({
  view_item_list: 'view_item_list',
  select_item: 'select_item',
  view_item: 'view_item',
  add_to_cart: 'add_to_cart',
  remove_from_cart: 'remove_from_cart',
  begin_checkout: 'add_to_cart',
  purchase: 'purchase',
});

/** Most items taken from one event; the rest are ignored (a debug note says so). */
export const MAX_ITEMS_PER_EVENT = 200;
const MAX_ID_LENGTH = 256;
const MAX_VECTOR_LENGTH = 4096;

export interface Mapped {
  readonly inputs: TrackInput[];
  /** Why (part of) the event was ignored, for the debug log; empty when everything was used. */
  readonly notes: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function id(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH) return v;
  return null;
}

function int(v: unknown): number | null {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < 1e6 ? n : null;
}

function vector(v: unknown): number[] | null {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_VECTOR_LENGTH) return null;
  const out = v.map(Number);
  return out.every(Number.isFinite) ? out : null;
}

/** The GA4 name for a GA4 or Segment event name, or null for anything else. */
export function canonicalName(name: unknown): Ga4EventName | null {
  if (typeof name !== 'string') return null;
  if ((GA4_EVENTS as readonly string[]).includes(name)) return name as Ga4EventName;
  return SEGMENT_ALIASES[name] ?? null;
}

interface ItemFacts {
  itemId: string;
  listId?: string;
  position?: number;
  vector?: number[];
}

/** One GA4 item (`item_id`, `item_list_id`, `index`) or Segment product (`product_id`, `list_id`, 1-based `position`). */
function item(raw: unknown): ItemFacts | null {
  if (!isObj(raw)) return id(raw) ? { itemId: id(raw)! } : null;
  const itemId = id(raw['item_id']) ?? id(raw['product_id']) ?? id(raw['itemId']) ?? id(raw['sku']) ?? id(raw['id']);
  if (!itemId) return null;
  const listId = id(raw['item_list_id']) ?? id(raw['list_id']) ?? id(raw['listId']);
  const index = int(raw['index']);
  const segPos = int(raw['position']);
  const position = index ?? (segPos !== null && segPos > 0 ? segPos - 1 : null);
  const vec = vector(raw['item_vector'] ?? raw['vector']);
  return { itemId, ...(listId ? { listId } : {}), ...(position !== null ? { position } : {}), ...(vec ? { vector: vec } : {}) };
}

/**
 * Maps one named event with its parameters (gtag's `('event', name, params)`, Segment's `track(name, props)`).
 * GA4 parameters: `items[]`, `item_list_id`; Segment: `products[]` or a single product's own fields. Shelf's own
 * extras: `rerank_id` (or `shelf_rerank_id`) for attribution, `item_vector` on an item.
 * @example mapNamedEvent('add_to_cart', { items: [{ item_id: 'sku-1', index: 2 }] })
 */
export function mapNamedEvent(name: unknown, params: unknown): Mapped {
  const canonical = canonicalName(name);
  if (!canonical) return { inputs: [], notes: [`unknown event name ${typeof name === 'string' ? JSON.stringify(name.slice(0, 64)) : typeof name}`] };
  const p: Obj = isObj(params) ? params : {};
  const rawItems = Array.isArray(p['items']) ? p['items'] : Array.isArray(p['products']) ? p['products'] : [p];
  const notes: string[] = [];
  if (rawItems.length > MAX_ITEMS_PER_EVENT) notes.push(`${rawItems.length} items: only the first ${MAX_ITEMS_PER_EVENT} are used`);
  const items = rawItems.slice(0, MAX_ITEMS_PER_EVENT).map(item).filter((i): i is ItemFacts => i !== null);
  if (items.length === 0) return { inputs: [], notes: [...notes, `${canonical} has no item with an id`] };
  const eventListId = id(p['item_list_id']) ?? id(p['list_id']) ?? id(p['listId']);
  const rerankId = id(p['rerank_id']) ?? id(p['shelf_rerank_id']) ?? id(p['rerankId']);
  const type = TO_ENGINE[canonical];
  if (type === 'view_item_list') {
    const listId = eventListId ?? items[0]!.listId ?? 'default';
    return {
      inputs: [{ type, itemId: listId, listId, shownIds: items.map((i) => i.itemId), ...(rerankId ? { rerankId } : {}) }],
      notes,
    };
  }
  const inputs = items.map((i): TrackInput => {
    const listId = i.listId ?? eventListId;
    return {
      type,
      itemId: i.itemId,
      ...(listId ? { listId } : {}),
      ...(i.position !== undefined ? { position: i.position } : {}),
      ...(i.vector ? { vector: i.vector } : {}),
      ...(rerankId ? { rerankId } : {}),
    };
  });
  return { inputs, notes };
}

/**
 * Maps Shelf's own event shape (`{ type, itemId, … }`) or a dataLayer object (`{ event, ecommerce: { items } }`).
 * @example mapEventObject({ type: 'view_item', itemId: 'sku-1' })
 */
export function mapEventObject(event: unknown): Mapped {
  if (!isObj(event)) return { inputs: [], notes: ['an event must be an object or a name with parameters'] };
  if (typeof event['event'] === 'string') {
    const params = isObj(event['ecommerce']) ? { ...event, ...event['ecommerce'] } : event;
    return mapNamedEvent(event['event'], params);
  }
  const type = event['type'];
  if (!isEventType(type)) return canonicalName(type) ? mapNamedEvent(type, event) : { inputs: [], notes: [`unknown event type ${String(type).slice(0, 64)}`] };
  const itemId = id(event['itemId']);
  if (!itemId) return { inputs: [], notes: [`${type} needs an itemId (a string or number)`] };
  const listId = id(event['listId']);
  const position = int(event['position']);
  const vec = vector(event['vector']);
  const rerankId = id(event['rerankId']);
  const shown = Array.isArray(event['shownIds']) ? event['shownIds'].slice(0, MAX_ITEMS_PER_EVENT).map(id).filter((x): x is string => x !== null) : null;
  return {
    inputs: [
      {
        type,
        itemId,
        ...(listId ? { listId } : {}),
        ...(position !== null ? { position } : {}),
        ...(vec ? { vector: vec } : {}),
        ...(rerankId ? { rerankId } : {}),
        ...(shown ? { shownIds: shown } : {}),
      },
    ],
    notes: [],
  };
}

/** A dataLayer entry: a GA4 object push, or gtag's `arguments` (`['event', name, params]`). Null when it is not an event. */
export function mapDataLayerEntry(entry: unknown): Mapped | null {
  if (isObj(entry) && typeof entry['event'] === 'string') {
    return canonicalName(entry['event']) ? mapEventObject(entry) : null;
  }
  if (typeof entry === 'object' && entry !== null && typeof (entry as ArrayLike<unknown>).length === 'number') {
    const a = entry as ArrayLike<unknown>;
    if (a[0] === 'event' && canonicalName(a[1])) return mapNamedEvent(a[1], a[2]);
  }
  return null;
}

/**
 * The consent a Google Consent Mode entry (`gtag('consent', 'default' | 'update', { analytics_storage: … })`)
 * gives Shelf: `'denied'` when any of `types` is denied, `'granted'` when those present are all granted, null
 * when the entry is not a consent command or names none of them.
 */
export function gtagConsent(entry: unknown, types: readonly string[]): 'granted' | 'denied' | null {
  if (typeof entry !== 'object' || entry === null || typeof (entry as ArrayLike<unknown>).length !== 'number') return null;
  const a = entry as ArrayLike<unknown>;
  if (a[0] !== 'consent' || (a[1] !== 'default' && a[1] !== 'update') || !isObj(a[2])) return null;
  const params = a[2];
  const values = types.map((t) => params[t]).filter((v) => v === 'granted' || v === 'denied');
  if (values.length === 0) return null;
  return values.includes('denied') ? 'denied' : 'granted';
}

// The behaviour Shelf records, and how each kind enters the model. Pure data: no DOM, Worker or Node.

/** Event types accepted by `track()`. Names follow GA4's recommended e-commerce events. */
export const EVENT_TYPES = [
  'view_item',
  'select_item',
  'add_to_cart',
  'purchase',
  'remove_from_cart',
  'view_item_list',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Types that enter the visitor's sequence, in the order of the model's type embedding rows. */
export const SEQUENCE_TYPES = ['view_item', 'select_item', 'add_to_cart', 'purchase', 'remove_from_cart'] as const;
export type SequenceType = (typeof SEQUENCE_TYPES)[number];

/** Row of the model's type embedding for an event type, or -1 when the type is not part of the sequence. */
export function sequenceTypeIndex(type: EventType): number {
  return (SEQUENCE_TYPES as readonly string[]).indexOf(type);
}

/** How strongly an event says "the visitor wants this"; 0 means it is not a training positive. */
export const POSITIVE_WEIGHT: Readonly<Record<EventType, number>> = Object.freeze({
  view_item: 1,
  select_item: 1,
  add_to_cart: 2,
  purchase: 3,
  remove_from_cart: 0,
  view_item_list: 0,
});

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

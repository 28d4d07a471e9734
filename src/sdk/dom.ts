// Reads Shelf's data attributes on product cards, and re-orders an existing list of cards in place (for
// shops that cannot change their templates). Attributes: `data-shelf-item-id` (card), `data-shelf-list-id`
// (card or an ancestor), `data-shelf-vector` (JSON array or comma-separated numbers), `data-shelf-position`
// (0-based, written by rerankElements), `data-shelf-rerank-id` (written on the container).
// Must never move anything but the cards themselves, and never throw into the page.

export const ATTR = Object.freeze({
  itemId: 'data-shelf-item-id',
  listId: 'data-shelf-list-id',
  vector: 'data-shelf-vector',
  position: 'data-shelf-position',
  rerankId: 'data-shelf-rerank-id',
  source: 'data-shelf-source',
  productPage: 'data-shelf-product-page',
});

const MAX_VECTOR = 4096;

/** The item vector in a card's `data-shelf-vector`, or null when absent or malformed. */
export function readVector(el: Element): number[] | null {
  const raw = el.getAttribute(ATTR.vector);
  if (!raw || raw.length > MAX_VECTOR * 32) return null;
  try {
    const parsed: unknown = raw.trim().startsWith('[') ? JSON.parse(raw) : raw.split(',').map((x) => Number(x));
    if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > MAX_VECTOR) return null;
    const v = parsed.map(Number);
    return v.every(Number.isFinite) ? v : null;
  } catch {
    return null;
  }
}

/** The product cards of a list container: its children with `data-shelf-item-id` (else all such descendants). */
export function readCards(container: Element): HTMLElement[] {
  const direct = Array.from(container.children).filter((c): c is HTMLElement => c instanceof HTMLElement && c.hasAttribute(ATTR.itemId));
  if (direct.length) return direct;
  return Array.from(container.querySelectorAll<HTMLElement>(`[${ATTR.itemId}]`)).filter((c) => !c.hasAttribute(ATTR.productPage));
}

/** What a click or an impression on a card tells Shelf. */
export interface CardFacts {
  itemId: string;
  listId?: string;
  position?: number;
  vector?: number[];
  rerankId?: string;
}

export function cardFacts(card: Element): CardFacts | null {
  const itemId = card.getAttribute(ATTR.itemId);
  if (!itemId || itemId.length > 256) return null;
  const listEl = card.closest(`[${ATTR.listId}]`);
  const listId = listEl?.getAttribute(ATTR.listId) || undefined;
  const rerankId = card.closest(`[${ATTR.rerankId}]`)?.getAttribute(ATTR.rerankId) || undefined;
  const posAttr = card.getAttribute(ATTR.position);
  let position: number | undefined = posAttr !== null && /^\d+$/.test(posAttr) ? Number(posAttr) : undefined;
  if (position === undefined && card.parentElement) {
    const i = readCards(card.parentElement).indexOf(card as HTMLElement);
    if (i >= 0) position = i;
  }
  const vector = readVector(card) ?? undefined;
  return { itemId, ...(listId ? { listId } : {}), ...(position !== undefined ? { position } : {}), ...(vector ? { vector } : {}), ...(rerankId ? { rerankId } : {}) };
}

/**
 * Puts `cards` into the order of `orderedIds`, each card taking the slot another card held: elements between
 * or around the cards stay where they are. Cards whose id is missing from `orderedIds` keep their order after.
 */
export function reorderInPlace(cards: readonly HTMLElement[], orderedIds: readonly string[]): void {
  const byId = new Map<string, HTMLElement>();
  for (const c of cards) {
    const id = c.getAttribute(ATTR.itemId);
    if (id && !byId.has(id)) byId.set(id, c);
  }
  const placed = new Set<HTMLElement>();
  const order: HTMLElement[] = [];
  for (const id of orderedIds) {
    const c = byId.get(id);
    if (c && !placed.has(c)) (placed.add(c), order.push(c));
  }
  for (const c of cards) if (!placed.has(c)) (placed.add(c), order.push(c));
  const markers = cards.map((c) => {
    const m = document.createComment('');
    c.before(m);
    return m;
  });
  order.forEach((card, i) => {
    markers[i]!.replaceWith(card);
    card.setAttribute(ATTR.position, String(i));
  });
}

// Ranking adjustments a shop switches on per rerank call, applied after the model's scores (or to the server's
// order when the model could not rank): out-of-stock exclusion, already-purchased items removed or pushed down,
// fatigue for items shown again and again without engagement, diversity in the top k (MMR-style), and pinned
// positions. Pure functions on plain data: no tfjs, no storage, never throws on odd input.
import type { CandidateInput, RankedItem, RerankAdjustments } from '../src/shared/engine-api.js';

/** What the engine knows about the visitor, for the adjustments. */
export interface VisitorFacts {
  /** How many times each item was shown in a list. */
  readonly impressions: ReadonlyMap<string, number>;
  /** Items the visitor engaged with (viewed, clicked, carted, bought). */
  readonly engaged: ReadonlySet<string>;
  readonly purchased: ReadonlySet<string>;
}

/** What the shop said about each candidate. */
export interface CandidateFacts {
  readonly category?: ReadonlyMap<string, string>;
  readonly inStock?: ReadonlyMap<string, boolean>;
}

export interface Adjusted {
  items: RankedItem[];
  notes: string[];
}

/** Category and stock per candidate id, as the shop sent them (malformed entries ignored). */
export function candidateFacts(candidates: readonly CandidateInput[]): Required<CandidateFacts> {
  const category = new Map<string, string>();
  const inStock = new Map<string, boolean>();
  for (const c of candidates) {
    if (!c || typeof c !== 'object') continue;
    const id = typeof c.id === 'number' ? String(c.id) : c.id;
    if (typeof id !== 'string') continue;
    if (typeof c.category === 'string') category.set(id, c.category);
    if (typeof c.inStock === 'boolean') inStock.set(id, c.inStock);
  }
  return { category, inStock };
}

const NO_FACTS: VisitorFacts = { impressions: new Map(), engaged: new Set(), purchased: new Set() };

/** Applies the requested adjustments in a fixed order: exclusion, purchased, fatigue, diversity, pins. */
export function applyAdjustments(
  ordered: readonly RankedItem[],
  options: RerankAdjustments | undefined,
  candidates: CandidateFacts = {},
  visitor: VisitorFacts = NO_FACTS,
): Adjusted {
  let items = [...ordered];
  const notes: string[] = [];
  if (!options || typeof options !== 'object') return { items, notes };
  if (options.excludeOutOfStock) {
    const before = items.length;
    items = items.filter((i) => candidates.inStock?.get(i.id) !== false);
    if (items.length < before) notes.push(`${before - items.length} out-of-stock item(s) excluded`);
  }
  if (options.purchased === 'remove' || options.purchased === 'demote') {
    const bought = items.filter((i) => visitor.purchased.has(i.id));
    if (bought.length) {
      const rest = items.filter((i) => !visitor.purchased.has(i.id));
      items = options.purchased === 'remove' ? rest : [...rest, ...bought];
      notes.push(`${bought.length} purchased item(s) ${options.purchased === 'remove' ? 'removed' : 'moved to the end'}`);
    }
  }
  if (options.fatigue) items = fatigue(items, options.fatigue === true ? {} : options.fatigue, visitor, notes);
  if (options.diversity) items = diversify(items, options.diversity, candidates.category ?? new Map(), notes);
  if (options.pinned) items = pin(items, options.pinned, notes);
  return { items, notes };
}

/**
 * An item shown `after` times or more with no engagement sinks `step` places for each showing from then on.
 */
export function fatigue(
  items: readonly RankedItem[],
  o: { after?: number; step?: number },
  visitor: VisitorFacts,
  notes: string[] = [],
): RankedItem[] {
  const after = positive(o.after, 3);
  const step = positive(o.step, 2);
  let sunk = 0;
  const keyed = items.map((item, pos) => {
    const shown = visitor.engaged.has(item.id) ? 0 : (visitor.impressions.get(item.id) ?? 0);
    const penalty = shown >= after ? step * (shown - after + 1) : 0;
    if (penalty) sunk++;
    return { item, key: penalty ? pos + penalty + 0.5 : pos, pos };
  });
  keyed.sort((a, b) => a.key - b.key || a.pos - b.pos);
  if (sunk) notes.push(`${sunk} item(s) sank for being shown without engagement`);
  return keyed.map((k) => k.item);
}

/**
 * At most `maxPerCategory` items of one category in the top `topK`, filled greedily in relevance order with an
 * MMR-style penalty (`lambda` × share of the slots already given to that category). Items without a category
 * are never held back. Below the top k the order is unchanged.
 */
export function diversify(
  items: readonly RankedItem[],
  o: { maxPerCategory: number; topK?: number; lambda?: number },
  category: ReadonlyMap<string, string>,
  notes: string[] = [],
): RankedItem[] {
  const max = positive(o.maxPerCategory, Number.POSITIVE_INFINITY);
  const k = Math.min(items.length, positive(o.topK, 10));
  const lambda = typeof o.lambda === 'number' && Number.isFinite(o.lambda) && o.lambda >= 0 ? o.lambda : 0.5;
  const n = items.length;
  const rest = items.map((item, pos) => ({ item, relevance: 1 - pos / Math.max(1, n), cat: category.get(item.id) }));
  const counts = new Map<string, number>();
  const top: RankedItem[] = [];
  while (top.length < k && rest.length) {
    let best = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    rest.forEach((c, i) => {
      const used = c.cat === undefined ? 0 : (counts.get(c.cat) ?? 0);
      if (used >= max) return;
      const value = c.relevance - lambda * (used / Math.max(1, top.length));
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    });
    if (best < 0) break; // every remaining item is over its category's cap: the rest keep their order
    const [chosen] = rest.splice(best, 1);
    if (chosen!.cat !== undefined) counts.set(chosen!.cat, (counts.get(chosen!.cat) ?? 0) + 1);
    top.push(chosen!.item);
  }
  const out = [...top, ...rest.map((r) => r.item)];
  if (out.some((item, i) => item !== items[i])) notes.push(`diversity: at most ${max} per category in the top ${k}`);
  return out;
}

/** Puts pinned items at their 0-based positions (clamped to the list); other items keep their relative order. */
export function pin(items: readonly RankedItem[], pinned: Readonly<Record<string, number>>, notes: string[] = []): RankedItem[] {
  const wanted = Object.entries(pinned)
    .filter(([, p]) => typeof p === 'number' && Number.isInteger(p) && p >= 0)
    .sort((a, b) => a[1] - b[1]);
  const byId = new Map(items.map((i) => [i.id, i]));
  const pins = wanted.filter(([id]) => byId.has(id));
  if (!pins.length) return [...items];
  const pinnedIds = new Set(pins.map(([id]) => id));
  const out = items.filter((i) => !pinnedIds.has(i.id));
  for (const [id, p] of pins) out.splice(Math.min(p, out.length), 0, byId.get(id)!);
  notes.push(`${pins.length} pinned item(s) placed`);
  return out;
}

function positive(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}

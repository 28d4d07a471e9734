// Page-side helpers of the SDK's rerank: the shop's own order as a result (when the engine is off, blocked or
// not allowed), and a guard that keeps odd vectors from being copied to the worker. Pure: no DOM, no engine.
import type { FallbackReason } from '../shared/engine-api.js';
import type { Candidate, RerankContext, ShelfRerankResult } from '../shelf.js';

export const MAX_CANDIDATES = 10_000;
const MAX_VECTOR = 4096;

/** The candidates in the order given (duplicates and id-less entries dropped), as a fallback result. */
export function fallbackResult<T extends Candidate>(list: readonly T[], context: RerankContext, reason: FallbackReason, note: string): ShelfRerankResult<T> {
  const seen = new Set<string>();
  const items = list.flatMap((item, i) => {
    const raw = item && typeof item === 'object' ? (item as Candidate).id : undefined;
    const id = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : '';
    if (!id || seen.has(id)) return [];
    seen.add(id);
    return [{ item, id, score: null, serverRank: i }];
  });
  const n = context?.limit;
  return {
    rerankId: '',
    items: typeof n === 'number' && Number.isInteger(n) && n >= 0 ? items.slice(0, n) : items,
    source: 'fallback',
    reason,
    modelVersion: null,
    backend: null,
    notes: [note],
  };
}

/**
 * Candidates whose vector is not an array (or typed array) of sane length get `vector: null` in a copy, so
 * they keep their server slot; `restore` maps a copy back to the shop's own object.
 */
export function guardVectors<T extends Candidate>(list: readonly T[]): { safe: T[]; restore: (item: T) => T } {
  const originals = new Map<T, T>();
  const safe = list.map((c) => {
    const v = c && typeof c === 'object' ? (c as Candidate).vector : undefined;
    if (v == null || ((Array.isArray(v) || ArrayBuffer.isView(v)) && (v as ArrayLike<number>).length <= MAX_VECTOR)) return c;
    const copy = { ...c, vector: null } as T;
    originals.set(copy, c);
    return copy;
  });
  return { safe, restore: (item) => originals.get(item) ?? item };
}

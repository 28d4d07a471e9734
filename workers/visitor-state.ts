// The engine's in-memory picture of the visitor: recent sequence events, impressions, engaged and purchased
// items, and a bounded LRU of item vectors. Updated synchronously by track() so the very next rerank sees it;
// rebuilt from the event store on load and fed by other tabs' events. No tfjs, no I/O.
import type { StoredEvent } from '../src/shared/engine-api.js';
import { POSITIVE_WEIGHT, sequenceTypeIndex, type EventType } from '../src/shared/events.js';
import type { VisitorFacts } from './adjustments.js';
import type { HistoryEvent } from './local-trainer.js';

export const HISTORY_KEEP = 200;

export interface VisitorEvent {
  readonly type: EventType;
  readonly itemId: string;
  readonly at: number;
  readonly shownIds?: readonly string[];
  /** Store sequence number, when known (dedupes events heard from other tabs). */
  readonly seq?: number;
}

export class VisitorState implements VisitorFacts {
  history: (HistoryEvent & { at: number })[] = [];
  readonly impressions = new Map<string, number>();
  readonly engaged = new Set<string>();
  readonly purchased = new Set<string>();
  /** Items shown in lists (negatives when never engaged). */
  readonly shown = new Set<string>();
  private readonly vectorLru = new Map<string, Float32Array>();
  private readonly seenSeqs = new Set<number>();

  constructor(private readonly maxVectors = 5_000) {}

  get vectors(): ReadonlyMap<string, Float32Array> {
    return this.vectorLru;
  }

  /** Applies one event; returns its positive weight (0 when it is not a training positive). */
  apply(e: VisitorEvent): number {
    if (e.seq !== undefined) {
      if (this.seenSeqs.has(e.seq)) return 0;
      this.seenSeqs.add(e.seq);
    }
    if (e.type === 'view_item_list') {
      for (const id of e.shownIds ?? []) {
        if (typeof id !== 'string') continue;
        this.shown.add(id);
        this.impressions.set(id, (this.impressions.get(id) ?? 0) + 1);
      }
      return 0;
    }
    if (sequenceTypeIndex(e.type) < 0) return 0;
    this.history.push({ type: e.type, itemId: e.itemId, at: e.at });
    if (this.history.length > HISTORY_KEEP) this.history.splice(0, this.history.length - HISTORY_KEEP);
    if (POSITIVE_WEIGHT[e.type] > 0) this.engaged.add(e.itemId);
    if (e.type === 'purchase') this.purchased.add(e.itemId);
    return POSITIVE_WEIGHT[e.type];
  }

  /** Marks stored events as already applied (after the local write returns their seqs). */
  markSeen(seqs: readonly number[]): void {
    for (const s of seqs) this.seenSeqs.add(s);
    if (this.seenSeqs.size > 4 * HISTORY_KEEP) {
      const keep = [...this.seenSeqs].slice(-2 * HISTORY_KEEP);
      this.seenSeqs.clear();
      for (const s of keep) this.seenSeqs.add(s);
    }
  }

  /** Rebuilds from stored events (oldest first). */
  restore(events: readonly StoredEvent[]): void {
    for (const e of events) this.apply(e);
    this.history.sort((a, b) => a.at - b.at);
  }

  /** Forgets every vector (the model moved to another vector space: the old space's vectors must not be used). */
  clearVectors(): void {
    this.vectorLru.clear();
  }

  /**
   * Items of the history (and, with `impressions`, of the lists shown) that have no vector yet, oldest first,
   * without repeats. The history is at most HISTORY_KEEP events: cheap enough for every rerank.
   */
  idsWithoutVectors(impressions = false): string[] {
    const out = new Set<string>();
    for (const e of this.history) if (!this.vectorLru.has(e.itemId)) out.add(e.itemId);
    if (impressions) for (const id of this.shown) if (!this.vectorLru.has(id)) out.add(id);
    return [...out];
  }

  setVector(id: string, v: Float32Array): boolean {
    const fresh = !this.vectorLru.has(id);
    this.vectorLru.delete(id);
    this.vectorLru.set(id, v);
    if (this.vectorLru.size > this.maxVectors) {
      const oldest = this.vectorLru.keys().next().value;
      if (oldest !== undefined) this.vectorLru.delete(oldest);
    }
    return fresh;
  }
}

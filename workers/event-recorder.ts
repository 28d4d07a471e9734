// The engine's recording job: the event store, batched durable writes, retention passes, the visitor's history
// restored on load, and the events of the shop's other tabs. The engine applies an event to its in-memory
// state first and then hands it here; `record()` resolves once the event is durable (or false when the write
// failed). Must never await a network call or a model call while a write is open, and never throw to a caller.
import { isEventType } from '../src/shared/events.js';
import { appendEvents, DEFAULT_RETENTION, MemoryEventStore, openEventStore, type EventStore, type NewEvent, type Retention } from './event-store.js';
import { HISTORY_KEEP, type VisitorEvent, type VisitorState } from './visitor-state.js';

/** Writes between two retention passes. */
const PRUNE_EVERY = 50;

export class EventRecorder {
  store: EventStore | null = null;
  retention: Retention = DEFAULT_RETENTION;
  droppedForQuota = 0;
  private writesSincePrune = 0;
  private writeQueue: { event: NewEvent; done: (ok: boolean) => void }[] = [];
  private writeScheduled = false;
  private channel: BroadcastChannel | null = null;

  constructor(
    private readonly visitor: VisitorState,
    /** Called with every error (kept for status()), and with a message when storage had to drop events. */
    private readonly onError: (err: unknown) => void,
    private readonly onNotice: (message: string) => void,
  ) {}

  /** Opens the store (memory when IndexedDB is unavailable), applies retention and restores the visitor's history. */
  async open(dbName: string, retention: Retention): Promise<EventStore> {
    this.retention = retention;
    this.store = await openEventStore(dbName, { onClosed: (why) => this.onStoreClosed(why) });
    await this.store.prune(this.retention).catch((err: unknown) => this.onError(err));
    await this.restoreHistory();
    this.listenToOtherTabs(dbName);
    return this.store;
  }

  /** Queues a durable write; resolves true once it is committed, false when it failed. */
  record(event: NewEvent): Promise<boolean> {
    if (!this.store) return Promise.resolve(true);
    return new Promise<boolean>((done) => {
      this.writeQueue.push({ event, done });
      if (!this.writeScheduled) {
        this.writeScheduled = true;
        setTimeout(() => void this.flushWrites(), 0);
      }
    });
  }

  async flushWrites(): Promise<void> {
    this.writeScheduled = false;
    const batch = this.writeQueue;
    this.writeQueue = [];
    if (!batch.length || !this.store) return;
    try {
      const events = batch.map((b) => b.event);
      const { seqs, dropped } = await appendEvents(this.store, events);
      this.droppedForQuota += dropped;
      if (dropped) this.onNotice(`storage is full: dropped the ${dropped} oldest event(s)`);
      this.visitor.markSeen(seqs);
      this.channel?.postMessage(events.map((e, i) => ({ type: e.type, itemId: e.itemId, at: e.at, seq: seqs[i], ...(e.shownIds ? { shownIds: e.shownIds } : {}) })));
      for (const b of batch) b.done(true);
      this.writesSincePrune += batch.length;
      if (this.writesSincePrune >= PRUNE_EVERY) {
        this.writesSincePrune = 0;
        await this.store.prune(this.retention).catch((err: unknown) => this.onError(err));
      }
    } catch (err) {
      this.onError(err);
      for (const b of batch) b.done(false);
    }
  }

  private async restoreHistory(): Promise<void> {
    if (!this.store) return;
    try {
      // Their vectors are read once the model (and so its vector space) is known: VectorSource.restore.
      this.visitor.restore(await this.store.recentEvents(HISTORY_KEEP * 2));
    } catch (err) {
      this.onError(err);
    }
  }

  /** Other tabs of the shop write to the same log; their events join this tab's picture of the visitor too. */
  private listenToOtherTabs(dbName: string): void {
    if (typeof BroadcastChannel === 'undefined') return;
    this.channel = new BroadcastChannel(`shelf-events:${dbName}`);
    this.channel.onmessage = (msg: MessageEvent<VisitorEvent[]>) => {
      if (!Array.isArray(msg.data)) return;
      for (const e of msg.data) if (isEventType(e?.type)) this.visitor.apply(e);
    };
  }

  private onStoreClosed(why: string): void {
    this.onNotice(`event store closed: ${why}`);
    // Keep going in memory: events from now on live as long as this worker.
    this.store = new MemoryEventStore(why);
  }
}

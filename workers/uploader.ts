// Sends this visitor's model update to Shelf's backend for federated averaging. Per upload: a single-use
// ticket for the open round (POST /v1/rounds/current/ticket), which also says the round's base version, clip
// bound and chunk size. Under secure aggregation (the ticket's `secure` part) the device joins the round only by
// its own coin (probability q, once per round) and sends a report: the update clipped, in fixed point, with its
// share of the Skellam noise, split into two secret shares (src/shared/secure-aggregation/client-report.ts), so
// that no single server sees it. Otherwise the update is clipped, int8-quantised with stochastic rounding and
// encoded in the dense binary wire format (src/shared/federated/wire.ts). Bodies up to 64 KiB are POSTed with
// keepalive so they survive the page being closed. A stale base version answers 409, and the engine drops the update and
// loads the new version. Network failures keep the encoded body in a queue (the event store's IndexedDB
// `uploads` store when the engine provides it, memory otherwise), retried with exponential backoff.
// Never sends item ids, event times, raw events, cookies or any identifier: only the update, the base version,
// the round, a bucketed example count and the ticket. At most one update per round from this worker.
// The shop's public site key, when configured, goes with every ticket request and upload in the
// `x-shelf-site-key` header (a header, not the `siteKey` query parameter the server also reads, so it never lands
// in an access log's request line; fetch can set it on keepalive requests too). A 401 (the server does not know
// the key) stops uploading until the page reloads: no retries, queued bodies stay queued for the next page, and
// an update that was not sent stays in the local weights (the engine sends it with a later upload).
// A shop that pins the helper aggregator's key (helperKeySha256) gets no upload sealed to another key and no plain
// update (helper-key-pin.ts): such a ticket is refused before anything is built, like any other refusal.
import { clipToNorm } from '../src/shared/federated/clip.js';
import { quantizeInt8 } from '../src/shared/federated/quantize.js';
import { KEEPALIVE_LIMIT_BYTES, bucketExamples, encodeUpdate } from '../src/shared/federated/wire.js';
import { buildReport } from '../src/shared/secure-aggregation/client-report.js';
import { ErrorBodySchema, paths, TicketResponseSchema, UPDATE_MEDIA_TYPE, UpdateAcceptedSchema, type TicketResponse } from '../src/shared/protocol.js';
import { checkHelperKeyPin, queuedBodyAllowed } from './helper-key-pin.js';
import type { EventStore } from './store-types.js';

/** The part of the event store the upload queue uses (and, when present, where a round's coin is remembered). */
export type UploadQueueStore = Pick<EventStore, 'enqueueUpload' | 'listUploads' | 'deleteUpload'> & Partial<Pick<EventStore, 'getMeta' | 'setMeta'>>;

/** What a queued upload holds: the encoded body, ready to resend (it carries nothing but the update). */
interface QueuedBody {
  url: string;
  body: Uint8Array;
  round: number;
  /** SHA-256 (hex) of the helper key a report was sealed to; null for a plain update (absent in older entries). */
  helperKey?: string | null;
}

export interface UploadOutcome {
  /** HTTP status, or null when the request did not reach the server (or was not attempted). */
  status: number | null;
  accepted: boolean;
  published: number | null;
  message: string | null;
}

export interface UploaderSettings {
  /** No two uploads closer than this (ms). */
  minIntervalMs: number;
  /** First retry delay after a network failure (ms); doubles per failure up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Queued bodies older than this are dropped (their round has surely closed). */
  maxQueueAgeMs: number;
}

/** Header that carries the shop's public site key (server/site-keys.ts reads it). */
export const SITE_KEY_HEADER = 'x-shelf-site-key';

export const DEFAULT_UPLOADER_SETTINGS: Readonly<UploaderSettings> = Object.freeze({
  minIntervalMs: 0,
  backoffMs: 2_000,
  maxBackoffMs: 300_000,
  maxQueueAgeMs: 3_600_000,
});

/** Upload state of this worker; the queue lives in `persist` when set, else in `queue`. */
interface State {
  settings: UploaderSettings;
  persist: UploadQueueStore | null;
  lastUploadAt: number;
  lastRound: number | null;
  failures: number;
  retryAt: number;
  queue: (QueuedBody & { at: number })[];
  timer: ReturnType<typeof setTimeout> | null;
  /** The shop's public site key, or null to send none. */
  siteKey: string | null;
  /** The pinned helper keys (SHA-256, lowercase hex), or null for no pin. */
  helperKeyPins: readonly string[] | null;
  /** Why uploading stopped for the rest of this worker's life (a 401 for the site key); null while it runs. */
  stopped: string | null;
  /** Each secure round's coin, once flipped. */
  coins: Map<number, boolean>;
}

const initialState = (): State => ({
  settings: { ...DEFAULT_UPLOADER_SETTINGS },
  persist: null,
  lastUploadAt: 0,
  lastRound: null,
  failures: 0,
  retryAt: 0,
  queue: [],
  timer: null,
  siteKey: null,
  helperKeyPins: null,
  stopped: null,
  coins: new Map(),
});

const state: State = initialState();

/**
 * Changes the upload settings of this worker; `queue` keeps unsent updates across page loads; `siteKey` (the shop's
 * public site key, null for none) goes with every ticket request and upload; `helperKeyPins` (lowercase hex SHA-256
 * of the helper keys the shop pinned, null for none) limits what may be sent.
 */
export function configureUploader(
  settings: Partial<UploaderSettings> & { queue?: UploadQueueStore | null; siteKey?: string | null; helperKeyPins?: readonly string[] | null },
): void {
  const { queue, siteKey, helperKeyPins, ...rest } = settings;
  state.settings = { ...state.settings, ...rest };
  if (queue !== undefined) state.persist = queue;
  if (siteKey !== undefined) state.siteKey = siteKey;
  if (helperKeyPins !== undefined) state.helperKeyPins = helperKeyPins && helperKeyPins.length > 0 ? helperKeyPins : null;
}

/** Why this worker stopped uploading until the page reloads (the server refused the site key), or null. */
export function uploadsStopped(): string | null {
  return state.stopped;
}

/** The site key header, when a key is configured. */
function keyHeader(): Record<string, string> {
  return state.siteKey ? { [SITE_KEY_HEADER]: state.siteKey } : {};
}

/**
 * After a 401: no more requests from this worker (a wrong or revoked key does not fix itself; the page that
 * carries a corrected key is a new worker). Pending retries are cancelled; queued bodies are kept.
 */
function stop(outcome: UploadOutcome): UploadOutcome {
  state.stopped = `the server refused this page's site key (${outcome.message ?? 'HTTP 401'}); uploads stop until the page reloads`;
  if (state.timer !== null) clearTimeout(state.timer);
  state.timer = null;
  return { ...outcome, message: state.stopped };
}

const stoppedOutcome = (): UploadOutcome => fail(state.stopped ?? 'uploads stopped');

function isQueuedBody(p: unknown): p is QueuedBody {
  const q = p as QueuedBody | null;
  return !!q && typeof q.url === 'string' && q.body instanceof Uint8Array && typeof q.round === 'number';
}

/** Queued bodies oldest first, with a function that removes each one; stale or malformed ones are removed. */
async function queued(): Promise<{ item: QueuedBody; remove: () => Promise<void> }[]> {
  const now = Date.now();
  if (state.persist) {
    const store = state.persist;
    const out: { item: QueuedBody; remove: () => Promise<void> }[] = [];
    for (const r of await store.listUploads().catch(() => [])) {
      const id = r.id!;
      const remove = () => store.deleteUpload(id).catch(() => undefined);
      if (!isQueuedBody(r.payload) || now - r.createdAt >= state.settings.maxQueueAgeMs) await remove();
      else out.push({ item: r.payload, remove });
    }
    return out;
  }
  state.queue = state.queue.filter((q) => now - q.at < state.settings.maxQueueAgeMs);
  return state.queue.map((q) => ({ item: q, remove: async () => void (state.queue = state.queue.filter((x) => x !== q)) }));
}

async function enqueue(item: QueuedBody): Promise<void> {
  if (state.persist) {
    const ok = await state.persist.enqueueUpload({ createdAt: Date.now(), payload: item }).then(() => true, () => false);
    if (ok) return;
  }
  state.queue.push({ ...item, at: Date.now() });
}

/** Uniform [0, 1) from the platform CSPRNG (stochastic rounding must not be predictable). */
function cryptoRandom(): () => number {
  const buf = new Uint32Array(1024);
  let at = buf.length;
  return () => {
    if (at >= buf.length) {
      crypto.getRandomValues(buf);
      at = 0;
    }
    return buf[at++]! / 4294967296;
  };
}

const fail = (message: string, status: number | null = null): UploadOutcome => ({ status, accepted: false, published: null, message });

async function readOutcome(res: Response): Promise<UploadOutcome> {
  const json: unknown = await res.json().catch(() => null);
  if (res.ok) {
    const ok = UpdateAcceptedSchema.safeParse(json);
    return { status: res.status, accepted: true, published: null, message: ok.success ? null : 'unexpected response body' };
  }
  const err = ErrorBodySchema.safeParse(json);
  return fail(err.success ? `${err.data.error}: ${err.data.message}` : `HTTP ${res.status}`, res.status);
}

async function send(url: string, body: Uint8Array): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': UPDATE_MEDIA_TYPE, ...keyHeader() },
    body: body as Uint8Array<ArrayBuffer>,
    credentials: 'omit',
    // Survives the page being closed; browsers cap keepalive bodies at 64 KiB. A larger secure report (a model of
    // over 16,300 parameters) goes as a plain request and stays queued until answered, so a page closed meanwhile
    // sends it again on the next load (while its round is open; afterwards the server answers 409 and it is dropped).
    keepalive: body.byteLength <= KEEPALIVE_LIMIT_BYTES,
  });
}

/**
 * Whether this device joins `round`: its own coin with probability q, flipped once per round and remembered (in the
 * event store when there is one), so reloading the page cannot flip again. The accountant's q is only true if
 * devices keep to it.
 */
async function joinsRound(round: number, q: number): Promise<boolean> {
  const key = `round-coin:${round}`;
  const remembered = state.coins.get(round) ?? (await state.persist?.getMeta?.<boolean>(key).catch(() => undefined));
  if (remembered !== undefined) {
    state.coins.set(round, remembered);
    return remembered;
  }
  const joins = q >= 1 || cryptoRandom()() < q;
  state.coins.set(round, joins);
  await state.persist?.setMeta?.(key, joins).catch(() => undefined);
  return joins;
}

function noteFailure(): void {
  if (state.stopped !== null) return;
  state.failures++;
  const delay = Math.min(state.settings.maxBackoffMs, state.settings.backoffMs * 2 ** (state.failures - 1));
  state.retryAt = Date.now() + delay;
  armRetryTimer(delay);
}

/** One timer at a time retries the queue when the backoff ends. */
function armRetryTimer(delay: number): void {
  if (state.timer !== null) return;
  state.timer = setTimeout(() => {
    state.timer = null;
    void retryQueued();
  }, Math.max(0, delay));
}

/** Sends queued bodies (oldest first) unless in backoff. Returns the outcome of the last one sent. */
export async function retryQueued(): Promise<UploadOutcome | null> {
  let last: UploadOutcome | null = null;
  if (state.stopped !== null) return stoppedOutcome();
  for (const { item, remove } of await queued()) {
    if (Date.now() < state.retryAt) {
      // A timer may fire a millisecond before Date.now() reaches retryAt: re-arm it rather than give up on the queue.
      armRetryTimer(state.retryAt - Date.now());
      return last ?? fail('offline: queued updates wait for the backoff');
    }
    if (!queuedBodyAllowed(item.helperKey, state.helperKeyPins)) {
      // Sealed to a key this page does not pin (or a plain update): never sent. Its update is still in the local weights.
      await remove();
      last = fail('helper_key_mismatch: a queued update was sealed to a helper key that is not pinned (helperKeySha256); it was dropped unsent and the update stays on this device');
      continue;
    }
    let res: Response;
    try {
      res = await send(item.url, item.body);
    } catch {
      noteFailure();
      return fail('offline: the queued update will be retried');
    }
    state.failures = 0;
    // The key was refused, not the body: it stays queued for a page with the right key (until maxQueueAgeMs).
    if (res.status === 401) return stop(await readOutcome(res));
    await remove();
    // Any other answer is final for this body: accepted, or rejected (a closed round, a used ticket) and dropped.
    last = await readOutcome(res);
    if (last.accepted) state.lastUploadAt = Date.now();
  }
  return last;
}

/**
 * Clips, quantises and encodes an update for the round of `ticket`.
 * @throws RangeError when the encoded body would not fit a keepalive request.
 */
export function encodeForUpload(ticket: TicketResponse, exampleCount: number, delta: Float32Array, random: () => number = cryptoRandom()): Uint8Array {
  const clipped = clipToNorm(delta, ticket.clip).values;
  const body = encodeUpdate({
    baseVersion: ticket.baseVersion,
    round: ticket.round,
    exampleBucket: bucketExamples(exampleCount),
    ticket: ticket.ticket,
    update: quantizeInt8(clipped, ticket.chunk, random),
  });
  if (body.byteLength > KEEPALIVE_LIMIT_BYTES) throw new RangeError(`an update of ${body.byteLength} bytes does not fit a keepalive request (${KEEPALIVE_LIMIT_BYTES})`);
  return body;
}

/**
 * Uploads `delta` (local − base − already sent) computed on `baseVersion`.
 * @returns status 409 when `baseVersion` is no longer the round's base (the caller drops the update and loads
 *   the new version); status 401 when the server refused the site key (nothing is queued: the update stays the
 *   caller's, and this worker uploads nothing more); status null when offline (queued for retry), in backoff, too
 *   soon, stopped by an earlier 401, or this worker has already sent an update in the open round.
 */
export async function uploadUpdate(
  serverUrl: string,
  model: string,
  baseVersion: number,
  exampleCount: number,
  delta: Float32Array,
): Promise<UploadOutcome> {
  if (state.stopped !== null) return stoppedOutcome();
  const resent = await retryQueued();
  if (state.stopped !== null) return stoppedOutcome();
  if ((await queued()).length > 0) return resent ?? fail('offline: an earlier update is waiting to be retried');
  if (Date.now() - state.lastUploadAt < state.settings.minIntervalMs) return fail('too soon after the last upload');

  let ticket: TicketResponse;
  try {
    const res = await fetch(new URL(paths.ticket(), serverUrl).href, { method: 'POST', headers: keyHeader(), credentials: 'omit', keepalive: true });
    if (res.status === 401) return stop(await readOutcome(res));
    if (!res.ok) return readOutcome(res);
    const parsed = TicketResponseSchema.safeParse(await res.json());
    if (!parsed.success) return fail('unexpected ticket response', res.status);
    ticket = parsed.data;
  } catch (err) {
    noteFailure();
    return fail(`offline: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (ticket.model !== model) return fail(`the server trains ${ticket.model}, not ${model}`);
  if (ticket.baseVersion !== baseVersion) return fail(`base version ${baseVersion} is no longer current (the open round is on ${ticket.baseVersion})`, 409);
  if (state.lastRound === ticket.round) return fail(`already sent an update in round ${ticket.round}; waiting for the next round`);
  // Before the coin and before anything is built: a refused ticket leaves the round, the coin and the update untouched.
  const pin = await checkHelperKeyPin(ticket, state.helperKeyPins);
  if (pin.refusal !== null) return fail(pin.refusal);

  if (ticket.secure && !(await joinsRound(ticket.round, ticket.secure.sampleRate))) {
    state.lastRound = ticket.round;
    return fail(`not sampled for round ${ticket.round} (this device joins a round with probability ${ticket.secure.sampleRate}); the update waits for a later round`);
  }

  let body: Uint8Array;
  try {
    body = ticket.secure
      ? await buildReport({ model, round: ticket.round, baseVersion: ticket.baseVersion, ticket: ticket.ticket, clip: ticket.clip, secure: ticket.secure, update: delta })
      : encodeForUpload(ticket, exampleCount, delta);
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  const url = new URL(paths.updates(), serverUrl).href;
  state.lastRound = ticket.round;
  // A body too big for keepalive is queued before it is sent: a page closed mid-request sends it on the next load.
  const queuedFirst = body.byteLength > KEEPALIVE_LIMIT_BYTES;
  if (queuedFirst) await enqueue({ url, body, round: ticket.round, helperKey: pin.fingerprint });
  let res: Response;
  try {
    res = await send(url, body);
  } catch (err) {
    if (!queuedFirst) await enqueue({ url, body, round: ticket.round, helperKey: pin.fingerprint });
    noteFailure();
    return fail(`offline, queued for retry: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (queuedFirst) for (const q of await queued()) if (q.item.body === body || sameBytes(q.item.body, body)) await q.remove();
  state.failures = 0;
  const outcome = await readOutcome(res);
  if (res.status === 401) {
    state.lastRound = null;
    return stop(outcome);
  }
  if (outcome.accepted) state.lastUploadAt = Date.now();
  else if (res.status !== 409) state.lastRound = null; // rejected for another reason: this round is still ours to try
  return outcome;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.length; i += 97) if (a[i] !== b[i]) return false;
  return a[a.length - 1] === b[b.length - 1];
}

/** For tests: forget this worker's upload state. */
export function resetUploaderState(): void {
  if (state.timer !== null) clearTimeout(state.timer);
  Object.assign(state, initialState());
}

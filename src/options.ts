// The developer's options: one camelCase type, frozen defaults, unknown keys rejected with a clear message.
// Must never touch the DOM beyond reading the page's location for the default server URL.
import { DEFAULT_BACKENDS, type BackendName, type EngineConfig } from './shared/engine-api.js';
import { ShelfError } from './shared/errors.js';

export interface ShelfOptions {
  /** Base URL of Shelf's backend (model versions, update uploads). Default: the page's origin. */
  serverUrl?: string;
  /**
   * The shop's public site key, when Shelf's server requires one (`SHELF_SITE_KEYS`): sent with every ticket
   * request and update upload. It is public (it sits in the page); it is not a secret. Default: none.
   */
  siteKey?: string;
  /**
   * Pins the helper aggregator's key (secure aggregation): the hex SHA-256 of its raw P-256 public key, copied from
   * the helper's operator (the helper prints it at start and answers it in `GET /v1/key`), or a list of them while
   * the helper rotates its key. With a pin the worker uploads only a report sealed to a pinned key: a ticket that
   * carries another key, or no key (a server without a helper), sends nothing, and the update stays on the device
   * (`status().engine.lastError` starts with `helper_key_mismatch` or `helper_key_missing`). Default: none (the
   * device trusts the key Shelf's server relays).
   * @example shelf.init({ helperKeySha256: '3f9a…e1' })
   */
  helperKeySha256?: string | readonly string[];
  /** Model name on the backend. Default `'shelf-demo'`. */
  model?: string;
  /** tfjs backends to try, in order. Default `['webgpu', 'webgl', 'wasm', 'cpu']`. */
  backends?: BackendName[];
  /** Use software GPU adapters (SwiftShader); they are slower than wasm. Default false. */
  allowSoftwareGpu?: boolean;
  /** Longest a rerank may take before the server's order is returned. Default 250 ms. */
  timeoutMs?: number;
  /** Longest init may take (model download included). Default 20 000 ms. */
  initTimeoutMs?: number;
  /** New positive events (views, clicks, carts, purchases) that trigger local training. Default 5. */
  trainEvery?: number;
  /** Local examples needed before an update is uploaded. Default 10. */
  uploadMinExamples?: number;
  /** No two update uploads closer than this (ms); at most one per federated round in any case. Default 60 000. */
  uploadMinIntervalMs?: number;
  /** How often to look for a new global model version; 0 turns polling off. Default 300 000 ms. */
  modelCheckIntervalMs?: number;
  /** IndexedDB database name. Default `'shelf'`. */
  dbName?: string;
  /** Keep at most this many events on the device; the oldest go first. Default 5 000. */
  maxEvents?: number;
  /** Delete events older than this many days. Default 30. */
  retentionDays?: number;
  /** Log ignored events and internal errors to the console. Default false. */
  debug?: boolean;
  /** URL of the engine worker script, to host it elsewhere. Default: the bundled worker. */
  workerUrl?: string;
}

export interface ResolvedOptions extends EngineConfig {
  readonly timeoutMs: number;
  readonly initTimeoutMs: number;
  readonly workerUrl: string | null;
}

export const DEFAULTS = Object.freeze({
  model: 'shelf-demo',
  backends: DEFAULT_BACKENDS,
  allowSoftwareGpu: false,
  timeoutMs: 250,
  initTimeoutMs: 20_000,
  trainEvery: 5,
  uploadMinExamples: 10,
  uploadMinIntervalMs: 60_000,
  modelCheckIntervalMs: 300_000,
  dbName: 'shelf',
  maxEvents: 5_000,
  retentionDays: 30,
  debug: false,
});

const KNOWN = new Set<string>([
  'serverUrl', 'siteKey', 'helperKeySha256', 'model', 'backends', 'allowSoftwareGpu', 'timeoutMs', 'initTimeoutMs', 'trainEvery',
  'uploadMinExamples', 'uploadMinIntervalMs', 'modelCheckIntervalMs', 'dbName', 'debug', 'workerUrl', 'maxEvents', 'retentionDays',
]);
const BACKENDS = new Set<string>(DEFAULT_BACKENDS);

function count(name: string, value: unknown, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new ShelfError('invalid_options', `${name} must be a number ≥ ${min}, got ${String(value)}`);
  }
  return v;
}

/** At most this many pinned helper keys (the current one and those it rotates to). */
export const MAX_HELPER_KEY_PINS = 8;

/** The pinned helper key fingerprints, lowercased and deduplicated, or undefined for none. */
function helperKeyPins(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list: unknown = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_HELPER_KEY_PINS || list.some((v) => typeof v !== 'string' || !/^[0-9a-fA-F]{64}$/.test(v))) {
    throw new ShelfError(
      'invalid_options',
      `helperKeySha256 must be the helper aggregator's key fingerprint (64 hex digits: the sha256 its operator publishes, also in its GET /v1/key) or a list of 1 to ${MAX_HELPER_KEY_PINS} of them, got ${String(value).slice(0, 80)}`,
    );
  }
  return Object.freeze([...new Set((list as string[]).map((v) => v.toLowerCase()))]);
}

/**
 * Validates options and fills defaults.
 * @throws ShelfError `invalid_options` naming the offending key.
 */
export function resolveOptions(options: ShelfOptions = {}, pageUrl: string): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new ShelfError('invalid_options', 'options must be an object');
  const unknown = Object.keys(options).filter((k) => !KNOWN.has(k));
  if (unknown.length) throw new ShelfError('invalid_options', `unknown option(s): ${unknown.join(', ')}`);
  let serverUrl: URL;
  try {
    serverUrl = new URL(options.serverUrl ?? '/', pageUrl);
  } catch {
    throw new ShelfError('invalid_options', `serverUrl is not a URL: ${String(options.serverUrl)}`);
  }
  if (!serverUrl.pathname.endsWith('/')) serverUrl.pathname += '/';
  const backends = options.backends ?? DEFAULTS.backends;
  if (!Array.isArray(backends) || backends.length === 0 || backends.some((b) => !BACKENDS.has(b))) {
    throw new ShelfError('invalid_options', `backends must be a non-empty list of ${[...BACKENDS].join(', ')}`);
  }
  const siteKey = options.siteKey;
  if (siteKey !== undefined && (typeof siteKey !== 'string' || !/^[\x21-\x2b\x2d-\x7e]{8,128}$/.test(siteKey))) {
    throw new ShelfError('invalid_options', "siteKey must be the shop's public site key: 8 to 128 printable ASCII characters, no comma");
  }
  const helperKeySha256 = helperKeyPins(options.helperKeySha256);
  const model = options.model ?? DEFAULTS.model;
  if (typeof model !== 'string' || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(model)) throw new ShelfError('invalid_options', `model name is invalid: ${String(model)}`);
  return Object.freeze({
    serverUrl: serverUrl.href,
    ...(siteKey !== undefined ? { siteKey } : {}),
    ...(helperKeySha256 !== undefined ? { helperKeySha256 } : {}),
    model,
    backends: Object.freeze([...backends]),
    allowSoftwareGpu: options.allowSoftwareGpu ?? DEFAULTS.allowSoftwareGpu,
    timeoutMs: count('timeoutMs', options.timeoutMs, DEFAULTS.timeoutMs, 1),
    initTimeoutMs: count('initTimeoutMs', options.initTimeoutMs, DEFAULTS.initTimeoutMs, 1),
    trainEvery: count('trainEvery', options.trainEvery, DEFAULTS.trainEvery, 1),
    uploadMinExamples: count('uploadMinExamples', options.uploadMinExamples, DEFAULTS.uploadMinExamples, 1),
    uploadMinIntervalMs: count('uploadMinIntervalMs', options.uploadMinIntervalMs, DEFAULTS.uploadMinIntervalMs, 0),
    modelCheckIntervalMs: count('modelCheckIntervalMs', options.modelCheckIntervalMs, DEFAULTS.modelCheckIntervalMs, 0),
    dbName: options.dbName ?? DEFAULTS.dbName,
    maxEvents: count('maxEvents', options.maxEvents, DEFAULTS.maxEvents, 1),
    retentionDays: count('retentionDays', options.retentionDays, DEFAULTS.retentionDays, 0),
    debug: options.debug ?? DEFAULTS.debug,
    workerUrl: options.workerUrl ?? null,
  });
}

/** Consent state: `'granted'` lets Shelf store events and upload model updates; `'denied'` stops both. */
export type ConsentState = 'granted' | 'denied';

/** Options of the script-tag SDK and `createShelf()`: everything in ShelfOptions, plus page-side behaviour. */
export interface SdkOptions extends ShelfOptions {
  /**
   * Consent before the page calls `consent()`: `'granted'` (opt-out) or `'denied'` (opt-in). Default `'granted'`.
   * A choice made with `consent()` is remembered on this device and wins over the default.
   */
  consentDefault?: ConsentState;
  /** Treat Global Privacy Control (`navigator.globalPrivacyControl`) as `consent('denied')`. Default true. */
  respectGpc?: boolean;
  /** Name of the GA4 dataLayer array to listen to, or false for none. Default `'dataLayer'`. */
  dataLayer?: string | false;
  /**
   * Google Consent Mode types to follow from the dataLayer (`gtag('consent', 'default' | 'update', …)`): any of
   * them denied means `'denied'`, all present granted means `'granted'`. False ignores Consent Mode.
   * Default `['analytics_storage', 'personalization_storage']`.
   */
  gtagConsent?: readonly string[] | false;
  /** Record impressions, clicks and product-page dwell from `data-shelf-*` attributes. Default true. */
  autoCapture?: boolean;
  /** Time a product page must be visible before it counts as a `view_item`. Default 5 000 ms. */
  dwellMs?: number;
}

export interface ResolvedSdkOptions {
  readonly consentDefault: ConsentState;
  readonly respectGpc: boolean;
  readonly dataLayer: string | false;
  readonly gtagConsent: readonly string[] | false;
  readonly autoCapture: boolean;
  readonly dwellMs: number;
}

export const SDK_DEFAULTS: ResolvedSdkOptions = Object.freeze({
  consentDefault: 'granted',
  respectGpc: true,
  dataLayer: 'dataLayer',
  gtagConsent: Object.freeze(['analytics_storage', 'personalization_storage']),
  autoCapture: true,
  dwellMs: 5_000,
});

const SDK_KEYS = new Set<string>(['consentDefault', 'respectGpc', 'dataLayer', 'gtagConsent', 'autoCapture', 'dwellMs']);

/**
 * Splits SDK options into the page-side part (validated, defaults filled) and the engine's ShelfOptions, which
 * are validated too, so a bad key is reported at `init` whichever part it belongs to.
 * @throws ShelfError `invalid_options` naming the offending key.
 */
export function resolveSdkOptions(options: SdkOptions = {}, pageUrl: string): { sdk: ResolvedSdkOptions; engine: ShelfOptions; resolved: ResolvedOptions } {
  if (typeof options !== 'object' || options === null) throw new ShelfError('invalid_options', 'options must be an object');
  const engine: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (!SDK_KEYS.has(k)) engine[k] = v;
  const resolved = resolveOptions(engine as ShelfOptions, pageUrl);
  const consentDefault = options.consentDefault ?? SDK_DEFAULTS.consentDefault;
  if (consentDefault !== 'granted' && consentDefault !== 'denied') {
    throw new ShelfError('invalid_options', `consentDefault must be 'granted' or 'denied', got ${String(consentDefault)}`);
  }
  const dataLayer = options.dataLayer ?? SDK_DEFAULTS.dataLayer;
  if (dataLayer !== false && (typeof dataLayer !== 'string' || !/^[A-Za-z_$][\w$]{0,63}$/.test(dataLayer))) {
    throw new ShelfError('invalid_options', `dataLayer must be a global variable name or false, got ${String(dataLayer)}`);
  }
  const gtag = options.gtagConsent ?? SDK_DEFAULTS.gtagConsent;
  if (gtag !== false && (!Array.isArray(gtag) || gtag.some((t) => typeof t !== 'string' || !/^[a-z_]{1,64}$/.test(t)))) {
    throw new ShelfError('invalid_options', `gtagConsent must be a list of Consent Mode types (e.g. 'analytics_storage') or false`);
  }
  const flag = (name: string, v: unknown, d: boolean) => {
    if (v === undefined) return d;
    if (typeof v !== 'boolean') throw new ShelfError('invalid_options', `${name} must be true or false, got ${String(v)}`);
    return v;
  };
  return {
    sdk: Object.freeze({
      consentDefault,
      respectGpc: flag('respectGpc', options.respectGpc, SDK_DEFAULTS.respectGpc),
      dataLayer,
      gtagConsent: gtag === false ? false : Object.freeze([...gtag]),
      autoCapture: flag('autoCapture', options.autoCapture, SDK_DEFAULTS.autoCapture),
      dwellMs: count('dwellMs', options.dwellMs, SDK_DEFAULTS.dwellMs, 0),
    }),
    engine: engine as ShelfOptions,
    resolved,
  };
}

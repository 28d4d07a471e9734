// The server's configuration, read once from environment variables and validated with zod.
// Must never read process.env anywhere else, and never start with a value it could not parse: a bad
// variable is a startup error that names the variable, what it expected and what it got.
import path from 'node:path';
import { z } from 'zod';
import { ModelNameSchema } from '../src/shared/protocol.js';
import { DEMO_MODEL_NAME } from '../src/shared/model/manifest.js';
import { ROBUST_RULES, type RobustSettings } from '../src/shared/federated/robust.js';
import type { LearningRateSchedule } from '../src/shared/federated/aggregate.js';
import type { RateLimitConfig } from './rate-limits.js';

/** Clip bound C: about the median norm of the worker's one-step update on the federated benchmark. */
const DEFAULT_CLIP = 0.35;
/** Server learning rate (peak rate under a schedule). */
const DEFAULT_SERVER_LR = 0.003;
/** FedAdam's defaults on the server (SHELF_SERVER_TAU, SHELF_SERVER_BETA2, SHELF_SERVER_BIAS_CORRECTION). */
const DEFAULT_SERVER_TAU = 1e-8;
const DEFAULT_SERVER_BETA2 = 0.999;
const DEFAULT_SERVER_BIAS_CORRECTION = true;
/** Default server learning-rate schedule (SHELF_SERVER_LR_WARMUP/_DECAY/_FLOOR); undefined: by the ε budget (publish.ts). */
const DEFAULT_SERVER_SCHEDULE = undefined as LearningRateSchedule | undefined;

/** Default body limit of the admin API's publish routes: 256 MiB (a model and its item table as base64 JSON). */
export const DEFAULT_ADMIN_BODY_LIMIT = 256 * 1024 * 1024;

/** Default minimum cohort K: accepted updates on the current round that publish the next version. */
export const DEFAULT_MIN_UPDATES = 100;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** An unset variable and an empty one mean the same: use the default. */
const unsetIfEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const intVar = (min: number, max: number, fallback: number) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
      .transform(Number)
      .pipe(z.int().min(min, `expected at least ${min}`).max(max, `expected at most ${max}`))
      .default(fallback),
  );
const textVar = (fallback: string) => z.preprocess(unsetIfEmpty, z.string().default(fallback));
const numVar = (min: number, max: number, fallback: number, minExclusive = false) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/, `expected a number ${minExclusive ? 'above' : 'from'} ${min} ${minExclusive ? 'up ' : ''}to ${max}`)
      .transform(Number)
      .pipe(minExclusive ? z.number().gt(min, `expected more than ${min}`).max(max, `expected at most ${max}`) : z.number().min(min, `expected at least ${min}`).max(max, `expected at most ${max}`))
      .default(fallback),
  );
const secretVar = (minLength: number) =>
  z.preprocess(unsetIfEmpty, z.string().min(minLength, `expected at least ${minLength} characters`).optional());

const EnvSchema = z.object({
  PORT: intVar(0, 65535, 8787),
  HOST: textVar('127.0.0.1'),
  SHELF_DATA_DIR: textVar('.shelf-data'),
  SHELF_MIN_UPDATES: intVar(1, 100_000, DEFAULT_MIN_UPDATES),
  SHELF_DP_CLIP: numVar(0, 1e6, DEFAULT_CLIP, true),
  SHELF_DP_NOISE_MULTIPLIER: numVar(0, 1000, 1),
  SHELF_DP_SAMPLE_RATE: numVar(0, 1, 0.01, true),
  SHELF_DP_DELTA: numVar(0, 0.1, 1e-6, true),
  SHELF_DP_EPSILON_BUDGET: numVar(0, 1e9, 8, true),
  SHELF_SERVER_OPTIMIZER: z.preprocess(unsetIfEmpty, z.enum(['fedavg', 'fedadam']).default('fedadam')),
  SHELF_SERVER_LR: numVar(0, 1000, DEFAULT_SERVER_LR, true),
  // Unset: the field stays absent and the aggregator uses SERVER_OPTIMIZER_DEFAULTS (server/publish.ts serverOptimizer).
  SHELF_SERVER_TAU: numVar(0, 1, DEFAULT_SERVER_TAU, true).optional(),
  SHELF_SERVER_BETA2: numVar(0, 1, DEFAULT_SERVER_BETA2).optional(),
  SHELF_SERVER_BIAS_CORRECTION: z.preprocess(unsetIfEmpty, z.enum(['on', 'off']).optional()),
  SHELF_SERVER_LR_WARMUP: z.preprocess(unsetIfEmpty, z.string().regex(/^\d+$/, 'expected a whole number from 0 to 1000000').transform(Number).pipe(z.int().min(0).max(1_000_000)).optional()),
  SHELF_SERVER_LR_DECAY: z.preprocess(unsetIfEmpty, z.string().regex(/^\d+$/, 'expected a whole number from 0 to 1000000').transform(Number).pipe(z.int().min(0).max(1_000_000)).optional()),
  SHELF_SERVER_LR_FLOOR: numVar(0, 1, DEFAULT_SERVER_SCHEDULE?.floor ?? 0).optional(),
  SHELF_UPDATE_CHUNK: intVar(16, 65535, 256),
  SHELF_ROBUST_RULE: z.preprocess(unsetIfEmpty, z.enum(ROBUST_RULES).default('mean')),
  SHELF_ROBUST_TRIM: numVar(0, 0.49, 0.1),
  SHELF_RATE_LIMIT_PER_MINUTE: intVar(0, 1_000_000, 600),
  SHELF_RATE_LIMIT_PER_TICKET: intVar(0, 1000, 3),
  SHELF_DATABASE_URL: z.preprocess(unsetIfEmpty, z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').optional()),
  SHELF_SITE_KEYS: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^[\x21-\x2b\x2d-\x7e]{8,128}(,[\x21-\x2b\x2d-\x7e]{8,128})*$/, 'expected comma-separated keys of 8..128 printable characters')
      .transform((v) => v.split(','))
      .optional(),
  ),
  SHELF_RATE_LIMIT_LOOPBACK: z.preprocess(unsetIfEmpty, z.enum(['exempt', 'limit']).default('exempt')),
  SHELF_RERANK: z.preprocess(unsetIfEmpty, z.enum(['on', 'off']).default('off')),
  SHELF_RERANK_PER_MINUTE: intVar(0, 1_000_000, 60),
  SHELF_ADMIN_ORIGINS: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^https?:\/\/[^\s,/]+(,https?:\/\/[^\s,/]+)*$/, 'expected comma-separated origins such as https://ops.example.com (scheme, host, optional port; no path)')
      .transform((v) => v.split(','))
      .optional(),
  ),
  SHELF_TICKET_SECRET: secretVar(32),
  SHELF_ADMIN_TOKEN: secretVar(16),
  SHELF_STATIC_DIR: textVar('dist'),
  SHELF_SEED_DIR: textVar('public/models'),
  SHELF_MODEL: z.preprocess(unsetIfEmpty, ModelNameSchema.default(DEMO_MODEL_NAME)),
  SHELF_LOG_LEVEL: z.preprocess(unsetIfEmpty, z.enum(LOG_LEVELS).default('info')),
  SHELF_HELPER_URL: z.preprocess(unsetIfEmpty, z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional()),
  SHELF_HELPER_TOKEN: secretVar(16),
  SHELF_DEMO: z.preprocess(unsetIfEmpty, z.enum(['on', 'off']).default('off')),
  SHELF_ADMIN_BODY_LIMIT: intVar(1024, 2 ** 31 - 1, DEFAULT_ADMIN_BODY_LIMIT),
});

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServerConfig {
  /** TCP port to listen on (PORT, default 8787; 0 picks a free one). */
  readonly port: number;
  /** Interface to bind (HOST, default 127.0.0.1: loopback only). */
  readonly host: string;
  /** Absolute path of the data folder (SHELF_DATA_DIR, default `.shelf-data`); the database lives in `<dir>/db`. */
  readonly dataDir: string;
  /** Minimum cohort K: updates on the current round needed to publish the next version (SHELF_MIN_UPDATES, default 100). */
  readonly minUpdates: number;
  /** Central DP-FedAvg and the server optimiser (see FederatedConfig). */
  readonly federated: FederatedConfig;
  /** HMAC key for round tickets (SHELF_TICKET_SECRET, ≥ 32 chars); null: a random key per process. */
  readonly ticketSecret: string | null;
  /** Bearer token of the admin API (SHELF_ADMIN_TOKEN, ≥ 16 chars); null: `buildApp` leaves the admin API out (404), and `main.ts` uses `<dataDir>/admin-token` (made on first start). */
  readonly adminToken: string | null;
  /** Absolute path of the built site served at `/` (SHELF_STATIC_DIR, default `dist`). */
  readonly staticDir: string;
  /** Absolute path of the seed models, `<dir>/<model>/<version>/` (SHELF_SEED_DIR, default `public/models`). */
  readonly seedDir: string;
  /** The model this server aggregates (SHELF_MODEL, default `shelf-demo`). */
  readonly model: string;
  /**
   * Serve the demo storefront's catalogue API (/v1/candidates, /v1/categories) and the demo site (SHELF_DEMO on|off,
   * default off; `npm start` and the e2e server turn it on). Off: Shelf's own API, the SDK files and the dashboard only.
   */
  readonly demo: boolean;
  /** Body limit in bytes of the admin API's publish routes (SHELF_ADMIN_BODY_LIMIT, default 256 MiB). */
  readonly adminBodyLimit: number;
  /** pino level (SHELF_LOG_LEVEL, default info). */
  readonly logLevel: LogLevel;
  /**
   * Limits on ticket issuance and uploads (server/rate-limits.ts): SHELF_RATE_LIMIT_PER_MINUTE per client
   * address and route (default 600, 0 = none), SHELF_RATE_LIMIT_PER_TICKET uploads per ticket (default 3),
   * SHELF_RATE_LIMIT_LOOPBACK exempt|limit (default exempt: local tools; use limit behind a same-host proxy).
   */
  readonly rateLimit: RateLimitConfig;
  /**
   * Public site keys of the shops whose visitors may take part (SHELF_SITE_KEYS, comma-separated); when set,
   * ticket requests and uploads must carry one (server/site-keys.ts). Empty (default): open to any page.
   */
  readonly siteKeys: readonly string[];
  /**
   * POST /v1/rerank, the server-side re-rank used as bench:browser's baseline: off unless SHELF_RERANK=on;
   * SHELF_RERANK_PER_MINUTE requests per client address (default 60, 0 = none; loopback as SHELF_RATE_LIMIT_LOOPBACK).
   */
  readonly rerank: { readonly enabled: boolean; readonly perMinute: number };
  /** Origins whose pages may call the admin API cross-origin (SHELF_ADMIN_ORIGINS, comma-separated); empty (default): none. */
  readonly adminOrigins: readonly string[];
  /** PostgreSQL URL (SHELF_DATABASE_URL): several replicas share it; null (default): PGlite in `<dataDir>/db`. Never logged. */
  readonly databaseUrl: string | null;
  /**
   * Secure aggregation (server/secure-aggregation/): the helper aggregator's URL (SHELF_HELPER_URL) and the token this
   * server sends it (SHELF_HELPER_TOKEN, ≥ 16 characters). Null (both unset): central DP, this server sees each update.
   */
  readonly secure: SecureConfig | null;
}

export interface SecureConfig {
  readonly helperUrl: string;
  readonly helperToken: string;
}

export interface FederatedConfig {
  /**
   * L2 bound each client update is clipped to, and the sensitivity the noise is calibrated to (SHELF_DP_CLIP,
   * default 0.35: about the median norm of the worker's one-step local SGD update on the federated benchmark).
   */
  readonly clip: number;
  /** z: Gaussian noise std on the sum of a round's updates is z·clip (SHELF_DP_NOISE_MULTIPLIER, default 1; 0 = no DP). */
  readonly noiseMultiplier: number;
  /** q: the share of all visitors expected to take part in one round, for the accountant (SHELF_DP_SAMPLE_RATE, default 0.01). */
  readonly sampleRate: number;
  /** δ of the (ε, δ) guarantee (SHELF_DP_DELTA, default 1e-6; use < 1 / number of visitors). */
  readonly delta: number;
  /** Publication stops before the cumulative ε would exceed this (SHELF_DP_EPSILON_BUDGET, default 8). */
  readonly epsilonBudget: number;
  /**
   * Server optimiser (SHELF_SERVER_OPTIMIZER fedavg|fedadam, default fedadam) and its learning rate (SHELF_SERVER_LR,
   * default 0.003; the peak rate under a schedule): what learns best on the federated benchmark (docs/BENCHMARKS.md,
   * ## Federated). The fields below are absent unless their variable is set; SERVER_OPTIMIZER_DEFAULTS fills them in.
   */
  readonly optimizer: 'fedavg' | 'fedadam';
  readonly serverLearningRate: number;
  /** FedAdam's τ (SHELF_SERVER_TAU, default 1e-8). */
  readonly serverTau?: number;
  /** FedAdam's β₂ (SHELF_SERVER_BETA2, default 0.999). */
  readonly serverBeta2?: number;
  /** FedAdam with Adam's bias correction (SHELF_SERVER_BIAS_CORRECTION on|off, default on). */
  readonly serverBiasCorrection?: boolean;
  /**
   * Server learning-rate schedule over the published versions of a lineage (SHELF_SERVER_LR_WARMUP rounds of
   * linear warm-up, then cosine decay over SHELF_SERVER_LR_DECAY rounds to SHELF_SERVER_LR_FLOOR × the rate).
   * Absent: with noise, a cosine to 0.1 × the rate over the rounds the ε budget allows; without noise, constant
   * (server/publish.ts serverOptimizer).
   */
  readonly serverSchedule?: LearningRateSchedule;
  /** Values per int8 scale clients are told to use (SHELF_UPDATE_CHUNK, default 256). */
  readonly chunk: number;
  /**
   * How a round's clipped updates are combined (SHELF_ROBUST_RULE mean|trimmed-mean|median, default mean;
   * SHELF_ROBUST_TRIM, the share trimmed at each end, default 0.1). A robust rule resists poisoned updates but,
   * to keep ε, multiplies the noise by its sensitivity factor (src/shared/federated/robust.ts). Absent: mean.
   */
  readonly robust?: RobustSettings;
}

/**
 * FedAdam's settings and the schedule when their variables are unset (a FederatedConfig leaves them absent;
 * server/publish.ts serverOptimizer fills them in from here): what bench:federated measured.
 */
export const SERVER_OPTIMIZER_DEFAULTS: Readonly<{ tau: number; beta2: number; biasCorrection: boolean; schedule: LearningRateSchedule | undefined; budgetFloor: number }> = Object.freeze({
  tau: DEFAULT_SERVER_TAU,
  beta2: DEFAULT_SERVER_BETA2,
  biasCorrection: DEFAULT_SERVER_BIAS_CORRECTION,
  /** undefined: with noise, cosine to budgetFloor × the rate over the rounds the ε budget allows; without, constant. */
  schedule: DEFAULT_SERVER_SCHEDULE,
  budgetFloor: 0.1,
});

/** Defaults for tests and tools that build an app without reading the environment. */
export const DEFAULT_FEDERATED: FederatedConfig = Object.freeze({
  clip: DEFAULT_CLIP,
  noiseMultiplier: 1,
  sampleRate: 0.01,
  delta: 1e-6,
  epsilonBudget: 8,
  optimizer: 'fedadam',
  serverLearningRate: DEFAULT_SERVER_LR,
  chunk: 256,
  robust: Object.freeze({ rule: 'mean', trim: 0.1 }),
});

/** Raised for an environment the server must not start with; the message lists every bad variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Reads the configuration from `env`, resolving folders against `cwd`.
 * @example
 *   const config = loadConfig({ PORT: '9000' }); // config.port === 9000, everything else defaulted
 * @throws ConfigError when a variable is set to something unusable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env, cwd = process.cwd()): ServerConfig {
  const known = Object.fromEntries(Object.keys(EnvSchema.shape).map((k) => [k, env[k]]));
  const parsed = EnvSchema.safeParse(known);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      return `  ${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`;
    });
    throw new ConfigError(`invalid server configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(cwd, e.SHELF_DATA_DIR),
    minUpdates: e.SHELF_MIN_UPDATES,
    federated: Object.freeze({
      clip: e.SHELF_DP_CLIP,
      noiseMultiplier: e.SHELF_DP_NOISE_MULTIPLIER,
      sampleRate: e.SHELF_DP_SAMPLE_RATE,
      delta: e.SHELF_DP_DELTA,
      epsilonBudget: e.SHELF_DP_EPSILON_BUDGET,
      optimizer: e.SHELF_SERVER_OPTIMIZER,
      serverLearningRate: e.SHELF_SERVER_LR,
      ...(env['SHELF_SERVER_TAU']?.trim() ? { serverTau: e.SHELF_SERVER_TAU } : {}),
      ...(env['SHELF_SERVER_BETA2']?.trim() ? { serverBeta2: e.SHELF_SERVER_BETA2 } : {}),
      ...(e.SHELF_SERVER_BIAS_CORRECTION ? { serverBiasCorrection: e.SHELF_SERVER_BIAS_CORRECTION === 'on' } : {}),
      ...(e.SHELF_SERVER_LR_WARMUP !== undefined || e.SHELF_SERVER_LR_DECAY !== undefined || env['SHELF_SERVER_LR_FLOOR']?.trim()
        ? {
            serverSchedule: Object.freeze({
              warmupRounds: e.SHELF_SERVER_LR_WARMUP ?? DEFAULT_SERVER_SCHEDULE?.warmupRounds ?? 0,
              decayRounds: e.SHELF_SERVER_LR_DECAY ?? DEFAULT_SERVER_SCHEDULE?.decayRounds ?? 0,
              floor: e.SHELF_SERVER_LR_FLOOR ?? DEFAULT_SERVER_SCHEDULE?.floor ?? 0,
            }),
          }
        : {}),
      chunk: e.SHELF_UPDATE_CHUNK,
      robust: Object.freeze({ rule: e.SHELF_ROBUST_RULE, trim: e.SHELF_ROBUST_TRIM }),
    }),
    ticketSecret: e.SHELF_TICKET_SECRET ?? null,
    adminToken: e.SHELF_ADMIN_TOKEN ?? null,
    staticDir: path.resolve(cwd, e.SHELF_STATIC_DIR),
    seedDir: path.resolve(cwd, e.SHELF_SEED_DIR),
    model: e.SHELF_MODEL,
    logLevel: e.SHELF_LOG_LEVEL,
    demo: e.SHELF_DEMO === 'on',
    adminBodyLimit: e.SHELF_ADMIN_BODY_LIMIT,
    siteKeys: Object.freeze(e.SHELF_SITE_KEYS ?? []),
    databaseUrl: e.SHELF_DATABASE_URL ?? null,
    secure: secureConfig(e.SHELF_HELPER_URL, e.SHELF_HELPER_TOKEN),
    rerank: Object.freeze({ enabled: e.SHELF_RERANK === 'on', perMinute: e.SHELF_RERANK_PER_MINUTE }),
    adminOrigins: Object.freeze(e.SHELF_ADMIN_ORIGINS ?? []),
    rateLimit: Object.freeze({
      perAddressPerMinute: e.SHELF_RATE_LIMIT_PER_MINUTE,
      perTicket: e.SHELF_RATE_LIMIT_PER_TICKET,
      exemptLoopback: e.SHELF_RATE_LIMIT_LOOPBACK === 'exempt',
    }),
  });
}

/** Both helper variables, or neither. */
function secureConfig(url: string | undefined, token: string | undefined): SecureConfig | null {
  if (!url && !token) return null;
  if (!url || !token) {
    throw new ConfigError(`invalid server configuration:\n  ${url ? 'SHELF_HELPER_TOKEN' : 'SHELF_HELPER_URL'} must be set too: secure aggregation needs the helper's URL and the token shared with it`);
  }
  return Object.freeze({ helperUrl: url.endsWith('/') ? url : `${url}/`, helperToken: token });
}

/** Where the PGlite database lives inside the data folder. */
export function databaseDir(config: Pick<ServerConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'db');
}

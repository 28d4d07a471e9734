// The server's configuration, read once from environment variables and validated with zod.
// Must never read process.env anywhere else, and never start with a value it could not parse: a bad
// variable is a startup error that names the variable, what it expected and what it got.
import path from 'node:path';
import { z } from 'zod';
import { ModelNameSchema } from '../src/shared/protocol.js';
import { DEMO_MODEL_NAME } from '../src/shared/model/manifest.js';

/** Default number of accepted updates that publishes a new version. Small so the demo moves; too small for real privacy. */
export const DEMO_MIN_UPDATES = 3;

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

const EnvSchema = z.object({
  PORT: intVar(0, 65535, 8787),
  HOST: textVar('127.0.0.1'),
  SHELF_DATA_DIR: textVar('.shelf-data'),
  SHELF_MIN_UPDATES: intVar(1, 100_000, DEMO_MIN_UPDATES),
  SHELF_STATIC_DIR: textVar('dist'),
  SHELF_SEED_DIR: textVar('public/models'),
  SHELF_MODEL: z.preprocess(unsetIfEmpty, ModelNameSchema.default(DEMO_MODEL_NAME)),
  SHELF_LOG_LEVEL: z.preprocess(unsetIfEmpty, z.enum(LOG_LEVELS).default('info')),
});

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServerConfig {
  /** TCP port to listen on (PORT, default 8787; 0 picks a free one). */
  readonly port: number;
  /** Interface to bind (HOST, default 127.0.0.1: loopback only). */
  readonly host: string;
  /** Absolute path of the data folder (SHELF_DATA_DIR, default `.shelf-data`); the database lives in `<dir>/db`. */
  readonly dataDir: string;
  /** Updates on the current version needed to publish the next one (SHELF_MIN_UPDATES, default 3). */
  readonly minUpdates: number;
  /** True when minUpdates is the demo default rather than a deliberate choice. */
  readonly minUpdatesIsDemoDefault: boolean;
  /** Absolute path of the built site served at `/` (SHELF_STATIC_DIR, default `dist`). */
  readonly staticDir: string;
  /** Absolute path of the seed models, `<dir>/<model>/<version>/` (SHELF_SEED_DIR, default `public/models`). */
  readonly seedDir: string;
  /** The model this server aggregates (SHELF_MODEL, default `shelf-demo`). */
  readonly model: string;
  /** pino level (SHELF_LOG_LEVEL, default info). */
  readonly logLevel: LogLevel;
}

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
    minUpdatesIsDemoDefault: unsetIfEmpty(env.SHELF_MIN_UPDATES) === undefined,
    staticDir: path.resolve(cwd, e.SHELF_STATIC_DIR),
    seedDir: path.resolve(cwd, e.SHELF_SEED_DIR),
    model: e.SHELF_MODEL,
    logLevel: e.SHELF_LOG_LEVEL,
  });
}

/** Where the PGlite database lives inside the data folder. */
export function databaseDir(config: Pick<ServerConfig, 'dataDir'>): string {
  return path.join(config.dataDir, 'db');
}

// The helper aggregator's configuration, read once from its environment and validated with zod. A bad variable
// is a startup error naming it. The helper shares nothing with the leader but the leader token and K.
import path from 'node:path';
import { z } from 'zod';

const unsetIfEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const EnvSchema = z.object({
  HELPER_PORT: z.preprocess(unsetIfEmpty, z.string().regex(/^\d+$/).transform(Number).pipe(z.int().min(0).max(65535)).default(8788)),
  HELPER_HOST: z.preprocess(unsetIfEmpty, z.string().default('127.0.0.1')),
  HELPER_DATA_DIR: z.preprocess(unsetIfEmpty, z.string().default('.shelf-helper')),
  HELPER_LEADER_TOKEN: z.preprocess(unsetIfEmpty, z.string().min(16, 'expected at least 16 characters')),
  HELPER_MIN_BATCH: z.preprocess(unsetIfEmpty, z.string().regex(/^\d+$/).transform(Number).pipe(z.int().min(1).max(100_000)).default(100)),
  HELPER_LOG_LEVEL: z.preprocess(unsetIfEmpty, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
});

export interface HelperConfig {
  readonly port: number;
  readonly host: string;
  /** Absolute path of the helper's own data folder (its key and its database). */
  readonly dataDir: string;
  /** Bearer token the leader sends with /v1/aggregate (HELPER_LEADER_TOKEN, ≥ 16 characters). */
  readonly leaderToken: string;
  /** The fewest reports a batch may sum (HELPER_MIN_BATCH, default 100): the helper never releases a smaller sum. */
  readonly minBatch: number;
  readonly logLevel: string;
}

/** @throws Error naming every bad variable. */
export function loadHelperConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): HelperConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`helper aggregator configuration: ${parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  return { port: e.HELPER_PORT, host: e.HELPER_HOST, dataDir: path.resolve(cwd, e.HELPER_DATA_DIR), leaderToken: e.HELPER_LEADER_TOKEN, minBatch: e.HELPER_MIN_BATCH, logLevel: e.HELPER_LOG_LEVEL };
}

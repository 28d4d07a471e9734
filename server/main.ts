// The server's entry point (`tsx server/main.ts`, run by `npm start` after `vite build`): reads the config,
// opens the store, imports the seed model if the database is empty, listens, and shuts down cleanly on
// SIGINT/SIGTERM. Must never start serving with a bad config or a seed that failed its checks.
import { pino } from 'pino';
import { helperClient } from './secure-aggregation/helper-client.js';
import { SecureRounds } from './secure-aggregation/secure-rounds.js';
import { buildApp } from './app.js';
import { ConfigError, DEFAULT_MIN_UPDATES, databaseDir, loadConfig, type ServerConfig } from './config.js';
import { SeedError, ensureSeeded } from './seed.js';
import { AdminTokenError, ensureAdminTokenFile } from './admin-token.js';
import { readiness } from './readiness.js';
import { siteIsBuilt } from './routes/site.js';
import { PgliteStore } from './storage/pglite-store.js';
import { openPostgres } from './storage/pg-store.js';
import { privateFolder, restrictUmask } from './storage/data-folder.js';
import { StorageError } from './storage/storage-check.js';
import { keyFingerprintOf } from '../src/shared/secure-aggregation/key-fingerprint.js';

function readConfig(): ServerConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  // Request logs keep method and URL only: no client address, host or port, so the log cannot link a ticket
  // request to its upload by IP (docs/PRIVACY.md, threat model).
  const log = pino({ level: config.logLevel, serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }) } });

  // The data folder (database, admin token, dashboard files) is readable by this user only.
  restrictUmask();
  await privateFolder(config.dataDir);
  // PostgreSQL when several replicas share one database; PGlite in the data folder otherwise.
  const postgres = config.databaseUrl ? await openPostgres(config.databaseUrl) : null;
  let store;
  try {
    store = postgres ? postgres.store : await PgliteStore.open(databaseDir(config));
  } catch (err) {
    if (!(err instanceof StorageError)) throw err;
    log.fatal(err.message);
    process.exit(1);
  }
  try {
    await ensureSeeded(store, config, log);
  } catch (err) {
    await store.close();
    if (err instanceof SeedError) {
      log.fatal(err.message);
      process.exit(1);
    }
    throw err;
  }

  // Served anyway (an admin can make an intact version current), but not ready: /readyz and uploads answer 503.
  const ready = await readiness(store, config.model);
  if (!ready.ok) log.error({ dataDir: config.dataDir, detail: ready.detail }, `${ready.reason}: /readyz answers 503 and ticket requests and uploads are refused until an intact version is current`);

  const f = config.federated;
  if (config.minUpdates < DEFAULT_MIN_UPDATES) {
    log.warn(
      { minUpdates: config.minUpdates },
      `minimum cohort K = ${config.minUpdates} (SHELF_MIN_UPDATES), below the default ${DEFAULT_MIN_UPDATES}: a demo/test value, too few to hide any one visitor`,
    );
  } else {
    log.info({ minUpdates: config.minUpdates }, 'minimum cohort per published version');
  }
  log.info(
    { clip: f.clip, noiseMultiplier: f.noiseMultiplier, sampleRate: f.sampleRate, delta: f.delta, epsilonBudget: f.epsilonBudget, optimizer: f.optimizer, serverLearningRate: f.serverLearningRate },
    f.noiseMultiplier === 0
      ? 'SHELF_DP_NOISE_MULTIPLIER=0: no noise, no differential privacy (published versions carry epsilon null)'
      : config.secure
        ? `secure aggregation with ${config.secure.helperUrl}: devices add Skellam noise, std on the mean z·C/K = ${((f.noiseMultiplier * f.clip) / config.minUpdates).toPrecision(3)}; no single server sees one update`
        : `central DP-FedAvg: noise std on the mean = z·C/K = ${((f.noiseMultiplier * f.clip) / config.minUpdates).toPrecision(3)}; this server sees each update (set SHELF_HELPER_URL for secure aggregation)`,
  );
  if (!config.ticketSecret) log.warn('SHELF_TICKET_SECRET not set: a random ticket key for this process; tickets die with it');
  let adminToken = config.adminToken;
  if (!adminToken) {
    let made;
    try {
      made = ensureAdminTokenFile(config.dataDir);
    } catch (err) {
      if (!(err instanceof AdminTokenError)) throw err;
      await store.close();
      log.fatal(err.message);
      process.exit(1);
    }
    adminToken = made.token;
    log.info({ file: made.file }, `SHELF_ADMIN_TOKEN not set: the admin API and the dashboard (/dashboard.html) use the token ${made.created ? 'just written to' : 'in'} ${made.file}`);
  }
  if (!siteIsBuilt(config.staticDir)) {
    log.warn({ staticDir: config.staticDir }, 'demo site not built; `/` answers 503 until `npm run build` runs');
  }

  // With PostgreSQL, the rate limits' counts live there too, shared by every replica.
  const secure = config.secure
    ? new SecureRounds({ store, model: config.model, federated: f, cohort: config.minUpdates, helper: helperClient(config.secure.helperUrl, config.secure.helperToken), log })
    : null;
  const app = await buildApp({ ...config, adminToken }, store, { logger: log, secure, ...(postgres ? { rateLimitStore: postgres.rateLimitStore } : {}) });
  let stopping = false;
  if (secure) {
    // The helper may start after this server: tickets answer 503 until its key is known; closed rounds resume.
    const connect = async (attempt: number): Promise<void> => {
      try {
        const key = await secure.refreshKey();
        // The fingerprint devices pinning the helper's key (helperKeySha256) compare the relayed key with.
        log.info({ keyId: key.keyId, keySha256: await keyFingerprintOf(key.publicKey) }, 'helper aggregator reached');
        await secure.resume();
      } catch (err) {
        if (stopping) return;
        if (attempt % 10 === 0) log.warn({ err: (err as Error).message }, 'helper aggregator not reachable yet; retrying');
        setTimeout(() => void connect(attempt + 1), 1000).unref();
      }
    };
    void connect(0);
  }
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    try {
      await app.close();
      await store.close();
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'unclean shutdown');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  const address = await app.listen({ port: config.port, host: config.host });
  log.info({ dataDir: config.dataDir, model: config.model }, `Shelf server listening on ${address}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`shelf server failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

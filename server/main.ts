// The server's entry point (`tsx server/main.ts`, run by `npm start` after `vite build`): reads the config,
// opens the store, imports the seed model if the database is empty, listens, and shuts down cleanly on
// SIGINT/SIGTERM. Must never start serving with a bad config or a seed that failed its checks.
import { pino } from 'pino';
import { buildApp } from './app.js';
import { ConfigError, databaseDir, loadConfig, type ServerConfig } from './config.js';
import { SeedError, ensureSeeded } from './seed.js';
import { siteIsBuilt } from './routes/site.js';
import { PgliteStore } from './storage/pglite-store.js';

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
  const log = pino({ level: config.logLevel });

  const store = await PgliteStore.open(databaseDir(config));
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

  if (config.minUpdatesIsDemoDefault) {
    log.warn(
      { minUpdates: config.minUpdates },
      `a new version is published every ${config.minUpdates} updates: a demo value, far too few to hide any one client; set SHELF_MIN_UPDATES for real use`,
    );
  } else {
    log.info({ minUpdates: config.minUpdates }, 'updates needed per published version');
  }
  if (!siteIsBuilt(config.staticDir)) {
    log.warn({ staticDir: config.staticDir }, 'demo site not built; `/` answers 503 until `npm run build` runs');
  }

  const app = await buildApp(config, store, { logger: log });
  let stopping = false;
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

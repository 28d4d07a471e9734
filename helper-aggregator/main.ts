// The helper aggregator process: the second, independent party of Shelf's secure aggregation. Run it on another
// operator's machine with its own data folder; the leader (Shelf's server) needs its URL and the shared token.
// Run: HELPER_LEADER_TOKEN=… HELPER_MIN_BATCH=100 npx tsx helper-aggregator/main.ts
import pino from 'pino';
import { buildHelperApp } from './app.js';
import { openBatchStore } from './batch-store.js';
import { loadHelperConfig } from './config.js';
import { loadOrCreateKey } from './keys.js';

async function main(): Promise<void> {
  const config = loadHelperConfig();
  const logger = pino({ level: config.logLevel, base: { service: 'shelf-helper-aggregator' } });
  const key = await loadOrCreateKey(config.dataDir);
  const store = await openBatchStore(config.dataDir);
  const app = await buildHelperApp({ key, store, leaderToken: config.leaderToken, minBatch: config.minBatch, logger });
  const address = await app.listen({ port: config.port, host: config.host });
  // The fingerprint is what shops pin (SDK option helperKeySha256): publish it to them through your own channel.
  logger.info({ address, keyId: key.keyId, keySha256: key.sha256, minBatch: config.minBatch, dataDir: config.dataDir }, `helper aggregator listening; key sha256 ${key.sha256}`);
  const stop = async () => {
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(`shelf helper aggregator: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

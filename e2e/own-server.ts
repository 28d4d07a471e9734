// A Shelf server of a spec's own: its own loopback port and a fresh PGlite data folder, started before the spec's
// tests and stopped (folder removed) after them. No round closes during the spec (K = 1,000), so `pending()` —
// the admin API's count of the open round — is every update the server stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from '@playwright/test';
import { startServer, type ServerProcess } from '../bench/reliability/server-process.js';

/** The admin token of a spec's own server (a test value): the round's count is the operator's to read. */
const OWN_ADMIN_TOKEN = 'e2e-own-server-admin-token';

export interface OwnServer {
  /** http://127.0.0.1:<port> (set once the spec's beforeAll has run). */
  readonly base: string;
  /** Updates the server has stored. */
  pending(): Promise<number>;
}

/** Registers the spec's beforeAll/afterAll; call at the top level of the spec file. */
export function ownServer(port: number, env: Record<string, string> = {}): OwnServer {
  let server: ServerProcess | undefined;
  let dataDir: string | undefined;
  test.beforeAll(async () => {
    test.setTimeout(90_000);
    dataDir = mkdtempSync(path.join(tmpdir(), `shelf-e2e-${port}-`));
    server = await startServer({ SHELF_DATA_DIR: dataDir, SHELF_MIN_UPDATES: '1000', SHELF_DP_EPSILON_BUDGET: '1000000', SHELF_ADMIN_TOKEN: OWN_ADMIN_TOKEN, ...env }, { port, timeoutMs: 60_000 });
  });
  test.afterAll(async () => {
    await server?.kill('SIGTERM');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    get base() {
      if (!server) throw new Error(`the server on port ${port} has not started`);
      return server.base;
    },
    async pending() {
      const res = await fetch(`${this.base}/v1/admin/models/shelf-demo/round`, { headers: { authorization: `Bearer ${OWN_ADMIN_TOKEN}` } });
      return ((await res.json()) as { pending: number }).pending;
    },
  };
}

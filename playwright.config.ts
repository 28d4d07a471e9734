// Browser tests: a real Chromium, a real Worker, IndexedDB and tfjs backend, against a real Shelf server on
// loopback with its own fresh database, and the helper aggregator (secure aggregation's second party) as a
// process of its own with its own data folder. Project `wasm` runs without WebGPU; project `webgpu` enables the
// (software) WebGPU adapter and forces that backend.
import { defineConfig } from '@playwright/test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, E2E_ADMIN_TOKEN, E2E_MIN_UPDATES } from './e2e/settings.js';

process.env['SHELF_E2E_RUN'] ??= `${Date.now()}-${process.pid}`;
const port = Number(process.env['SHELF_E2E_PORT'] ?? 4391);
/** The helper aggregator's port (the second aggregator of secure aggregation, its own process and data). */
const helperPort = Number(process.env['SHELF_E2E_HELPER_PORT'] ?? port + 1);
const HELPER_TOKEN = 'e2e-helper-token-not-a-secret';

export default defineConfig({
  testDir: 'e2e',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: 0,
  reporter: process.env['CI'] ? [['list']] : [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      ...(CHROMIUM_PATH ? { executablePath: CHROMIUM_PATH } : {}),
      args: CHROMIUM_FLAGS,
    },
  },
  webServer: [
    {
      command: 'npx tsx helper-aggregator/main.ts',
      url: `http://127.0.0.1:${helperPort}/healthz`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
      env: {
        HELPER_PORT: String(helperPort),
        HELPER_HOST: '127.0.0.1',
        HELPER_DATA_DIR: join(tmpdir(), `shelf-e2e-helper-${process.env['SHELF_E2E_RUN']}`),
        HELPER_LEADER_TOKEN: HELPER_TOKEN,
        HELPER_MIN_BATCH: String(E2E_MIN_UPDATES),
        HELPER_LOG_LEVEL: 'warn',
      },
    },
    {
    command: 'npx tsx server/main.ts',
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      SHELF_DATA_DIR: join(tmpdir(), `shelf-e2e-${process.env['SHELF_E2E_RUN']}`),
      // Test values, far from production: a cohort of E2E_MIN_UPDATES (default 100), little noise on the mean,
      // a loose ε budget so the suite never runs out, and an admin token so the rollback test can run.
      SHELF_MIN_UPDATES: String(E2E_MIN_UPDATES),
      SHELF_DP_CLIP: '1',
      SHELF_DP_NOISE_MULTIPLIER: '0.02',
      // Every device joins every round (its own coin with q = 1), so K visitors make a round.
      SHELF_DP_SAMPLE_RATE: '1',
      SHELF_DP_DELTA: '1e-5',
      SHELF_DP_EPSILON_BUDGET: '1000000',
      SHELF_ADMIN_TOKEN: E2E_ADMIN_TOKEN,
      SHELF_LOG_LEVEL: 'warn',
      SHELF_HELPER_URL: `http://127.0.0.1:${helperPort}/`,
      SHELF_HELPER_TOKEN: HELPER_TOKEN,
      // The demo shop (its catalogue API and pages): most specs run against it.
      SHELF_DEMO: 'on',
    },
    },
  ],
  projects: [
    { name: 'wasm', testIgnore: /webgpu/ },
    {
      name: 'webgpu',
      testMatch: /webgpu\.spec\.ts/,
      use: {
        launchOptions: {
          ...(CHROMIUM_PATH ? { executablePath: CHROMIUM_PATH } : {}),
          args: [...CHROMIUM_FLAGS, '--enable-unsafe-webgpu'],
        },
      },
    },
  ],
});

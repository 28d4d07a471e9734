// Chromium launch settings shared by the Playwright config: Debian's Chromium when present (Playwright cannot
// download its own browser everywhere), with flags that keep it off the network.
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Updates the e2e server needs before it publishes a version (small so the test runs fast). */
export const E2E_MIN_UPDATES = 2;

/** Bearer token of the e2e server's admin API (a test value; see playwright.config.ts). */
export const E2E_ADMIN_TOKEN = 'e2e-admin-token-not-a-secret';

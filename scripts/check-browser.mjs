// Fails the test run early, with instructions, when no Chromium is available for the browser tests.
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const debian = '/usr/bin/chromium';
if (existsSync(debian)) process.exit(0);
let bundled = null;
try {
  bundled = chromium.executablePath();
} catch {}
if (bundled && existsSync(bundled)) process.exit(0);
console.error(`
No Chromium found for the browser tests.
  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y chromium   (installs ${debian})
  elsewhere:      npx playwright install chromium
Then run npm test again.
`);
process.exit(1);

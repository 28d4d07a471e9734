// `npm start`: the demo on embedded defaults, as two processes — the helper aggregator (secure aggregation's second
// party; its own folder `.shelf-helper/`, its own database and key) and the Shelf server (`.shelf-data/`), joined by
// a token made for this run. In production the helper runs elsewhere, under another operator (docs/PRIVACY.md).
// Variables set by the caller win (SHELF_MIN_UPDATES=3 npm start). Ctrl-C stops both.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

const env = process.env;
const helperPort = env['HELPER_PORT'] ?? '8788';
const token = env['SHELF_HELPER_TOKEN'] ?? env['HELPER_LEADER_TOKEN'] ?? randomBytes(24).toString('base64url');
const minBatch = env['SHELF_MIN_UPDATES'] ?? '100';

const children: ChildProcess[] = [];
function run(args: string[], extra: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: 'inherit', env: { ...env, ...extra } });
  child.on('exit', (code, signal) => {
    if (signal === null && code !== 0) {
      console.error(`${args[0]} exited with ${code}; stopping`);
      for (const c of children) c.kill('SIGTERM');
      process.exitCode = code ?? 1;
    }
  });
  children.push(child);
  return child;
}

run(['helper-aggregator/main.ts'], { HELPER_PORT: helperPort, HELPER_LEADER_TOKEN: token, HELPER_MIN_BATCH: minBatch, HELPER_DATA_DIR: env['HELPER_DATA_DIR'] ?? '.shelf-helper' });
// One shopper in a demo: with the production default q = 0.01 their device would join one round in a hundred.
const sampleRate = env['SHELF_DP_SAMPLE_RATE'] ?? '1';
if (!env['SHELF_DP_SAMPLE_RATE']) console.log('demo: SHELF_DP_SAMPLE_RATE=1 (every device joins every round; each round costs more ε than at the production default 0.01)');
run(['server/main.ts'], { SHELF_DEMO: env['SHELF_DEMO'] ?? 'on', SHELF_DP_SAMPLE_RATE: sampleRate, SHELF_HELPER_URL: env['SHELF_HELPER_URL'] ?? `http://127.0.0.1:${helperPort}/`, SHELF_HELPER_TOKEN: token });
void showHelperKey(env['SHELF_HELPER_URL'] ?? `http://127.0.0.1:${helperPort}/`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => children.forEach((c) => c.kill(signal)));

/**
 * Prints the helper's key fingerprint once it answers GET /v1/key: what a shop pins (the SDK's helperKeySha256) so
 * that a leader relaying another key gets no report. Gives up quietly after two minutes (the helper's own log has it).
 */
async function showHelperKey(base: string): Promise<void> {
  for (let i = 0; i < 240; i++) {
    try {
      const res = await fetch(new URL('v1/key', base), { signal: AbortSignal.timeout(2_000) });
      const body = (await res.json()) as { sha256?: unknown };
      if (typeof body.sha256 === 'string') {
        console.log(`helper aggregator key sha256: ${body.sha256}\n  a shop pins it with shelf.init({ helperKeySha256: '${body.sha256}' }) (docs/SDK.md, Pinning the helper's key)`);
        return;
      }
    } catch {
      // not listening yet
    }
    await sleep(500, undefined, { ref: false });
  }
}

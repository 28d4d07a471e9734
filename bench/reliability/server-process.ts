// Starts the real server (`server/main.ts` under tsx) as a child process with its own data folder and port, for
// the HTTP fuzz and the SIGKILL trials. Must never share a data folder between two live processes, and never
// leave a child running: callers kill what they start.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A free loopback port (asks the OS, then releases it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly base: string;
  readonly port: number;
  /** stderr so far (the pino log goes to stdout and is dropped unless asked for: `logs`, or `onStdoutLine`). */
  readonly stderr: () => string;
  /** SIGKILL, and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  exited: () => boolean;
}

/**
 * Starts the server and resolves once /healthz answers 200.
 * @throws Error with the child's stderr when it exits or does not answer within `timeoutMs`.
 */
export async function startServer(
  env: Record<string, string>,
  o: { port?: number; timeoutMs?: number; logs?: boolean; onStdoutLine?: (line: string) => void; entry?: 'server' | 'helper' } = {},
): Promise<ServerProcess> {
  const port = o.port ?? (await freePort());
  // The helper aggregator (secure aggregation's second party) starts the same way, on its own variables.
  const helper = o.entry === 'helper';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, helper ? 'helper-aggregator/main.ts' : 'server/main.ts')], {
    cwd: ROOT,
    env: helper
      ? { ...process.env, HELPER_LOG_LEVEL: 'warn', ...env, HELPER_PORT: String(port), HELPER_HOST: '127.0.0.1' }
      : { ...process.env, SHELF_LOG_LEVEL: 'warn', SHELF_DEMO: 'on', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', o.onStdoutLine ? 'pipe' : o.logs ? 'inherit' : 'ignore', 'pipe'],
  });
  if (o.onStdoutLine) {
    const onLine = o.onStdoutLine;
    let rest = '';
    child.stdout!.on('data', (c: Buffer) => {
      const lines = (rest + c.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    });
  }
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString('utf8');
    if (err.length > 20_000) err = err.slice(-20_000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`server exited during startup (code ${child.exitCode}): ${err}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer /healthz in time: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    base,
    port,
    stderr: () => err,
    exited: () => exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (!exited) child.kill(signal);
      await exit;
    },
  };
}

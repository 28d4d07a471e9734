// Where the load benchmark's CPU time goes, read from /proc (Linux), and which code it measured (git).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** The code measured: HEAD, and files of server/ and src/shared/ changed in the working tree but not committed. */
export function codeState(): { head: string; uncommitted: string[] } {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'server', 'src/shared'], { encoding: 'utf8' });
    return { head, uncommitted: status.split('\n').filter(Boolean).map((l) => l.slice(3)) };
  } catch {
    return { head: 'unknown', uncommitted: [] };
  }
}

/** utime + stime of a process, in seconds (0 when it is gone). */
export function cpuOf(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const after = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(after[11]) + Number(after[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of every `postgres` process on the machine (the server and its backends). */
export function postgresCpu(): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (f.slice(f.indexOf('(') + 1, f.lastIndexOf(')')) === 'postgres') out.set(Number(d), cpuOf(Number(d)));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The machine's busy and total CPU time so far (seconds), from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = line.reduce((a, b) => a + b, 0);
  const idle = line[3]! + (line[4] ?? 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}


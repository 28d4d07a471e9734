// The trainer's progress bar (cli-progress) with steps and ETA on stderr; log lines print above it.
// Must never draw on a non-terminal: then it only passes the log lines through.
import { MultiBar, Presets } from 'cli-progress';

export function progressBar(): { update: (done: number, total: number) => void; log: (line: string) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, log: (l) => console.log(l), stop: () => {} };
  const multi = new MultiBar({ stream: process.stderr, format: 'training {bar} {percentage}% | step {value}/{total} | ETA {eta_formatted}', hideCursor: true, clearOnComplete: false }, Presets.shades_classic);
  let bar: ReturnType<MultiBar['create']> | null = null;
  return {
    update(done, total) {
      bar ??= multi.create(total, 0);
      bar.setTotal(total);
      bar.update(done);
    },
    log: (line) => multi.log(`${line}\n`),
    stop: () => multi.stop(),
  };
}

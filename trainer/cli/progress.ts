// The trainer's progress bar (cli-progress) with steps and ETA on stderr; log lines print above it. Training keeps
// the event loop busy, so the bar redraws from update() itself (synchronousUpdate) rather than from its timer.
// Must never draw on a non-terminal: then it only passes the log lines through.
import { Presets, SingleBar } from 'cli-progress';

export function progressBar(): { update: (done: number, total: number) => void; log: (line: string) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, log: (l) => console.log(l), stop: () => {} };
  const bar = new SingleBar({ stream: process.stderr, format: 'training {bar} {percentage}% | step {value}/{total} | ETA {eta_formatted}', hideCursor: true, synchronousUpdate: true, etaBuffer: 50 }, Presets.shades_classic);
  return {
    update(done, total) {
      if (!bar.isActive) bar.start(total, done);
      bar.setTotal(total);
      bar.update(done);
    },
    log(line) {
      if (!bar.isActive) return void console.log(line);
      process.stderr.write('\r\x1b[2K');
      console.log(line);
      bar.render();
    },
    stop: () => bar.stop(),
  };
}

// Human progress on stderr: a cli-progress bar on a TTY, plain lines (at most one every few seconds) otherwise.
import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the count done so far and a short status text. */
  update(done: number, status?: string): void;
  stop(finalLine?: string): void;
}

export function createProgress(title: string, total?: number, unit = 'lines'): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: total ? `${title} [{bar}] {percentage}% {value}/{total} ${unit} {status}` : `${title} {value} ${unit} {status}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total ?? 0, 0, { status: '' });
    return {
      update: (done, status = '') => bar.update(done, { status }),
      stop: (finalLine) => {
        bar.stop();
        if (finalLine) process.stderr.write(finalLine + '\n');
      },
    };
  }
  let lastPrint = 0;
  return {
    update: (done, status = '') => {
      const now = Date.now();
      if (now - lastPrint < 5000) return;
      lastPrint = now;
      process.stderr.write(`${title}: ${done}${total ? `/${total}` : ''} ${unit} ${status}\n`);
    },
    stop: (finalLine) => {
      if (finalLine) process.stderr.write(finalLine + '\n');
    },
  };
}

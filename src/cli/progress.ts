// Human progress on stderr, one reporter for every command: a cli-progress bar with rate and ETA on a terminal;
// off one, a plain `Progress:` line every few seconds (fastText's habit), never one line per item. While a
// reporter runs, Ctrl-C stops the command with one line saying what was kept, and exit code 130.
import fs from 'node:fs';
import cliProgress from 'cli-progress';
import { removeTemporariesNow } from '../data/temp-files.js';

export interface ProgressOptions {
  /** Items in all; without it the reporter shows counts and rate but no percentage or ETA. */
  total?: number;
  /** What is counted: lines, rows, epochs. */
  unit?: string;
  /** On Ctrl-C: what was kept, in a few words ("nothing: no model was written"). */
  kept?: () => string;
}

export interface Progress {
  /** Sets the count done so far and a short status text. */
  update(done: number, status?: string): void;
  /** Changes the total (known only once work starts, e.g. the epochs of text pairs). */
  setTotal(total: number): void;
  /** A line of its own on stderr (a step, an epoch's figures) that does not garble the bar. */
  log(line: string): void;
  /** Ends the bar (it is cleared) and the Ctrl-C handling. */
  stop(): void;
}

/** Seconds between plain progress lines off a terminal (ERNIE_SLIM_PROGRESS_SECONDS overrides; tests use it). */
function plainInterval(): number {
  const seconds = Number(process.env.ERNIE_SLIM_PROGRESS_SECONDS);
  return (Number.isFinite(seconds) && seconds >= 0 ? seconds : 5) * 1000;
}

/** Lines of a regular file (the last without a newline counts), for a total; undefined for pipes and unreadable paths. */
export async function countLines(file: string): Promise<number | undefined> {
  try {
    if (!fs.statSync(file).isFile()) return undefined;
    let lines = 0;
    let last = 10;
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      if (chunk.length) last = chunk[chunk.length - 1]!;
    }
    return last === 10 ? lines : lines + 1;
  } catch {
    return undefined;
  }
}

/** h:mm:ss, or m:ss under an hour. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

function formatRate(perSecond: number): string {
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond >= 1 ? perSecond.toFixed(1) : perSecond.toFixed(2);
}

// The one reporter whose bar is on screen, and the Ctrl-C handler of the reporters running.
let onScreen: cliProgress.SingleBar | null = null;
const running = new Set<{ title: string; kept?: () => string }>();

/** Ends every reporter: a command's result or error line never shares the screen line with a bar. */
export function stopAllProgress(): void {
  onScreen?.stop();
  onScreen = null;
  running.clear();
  process.off('SIGINT', interrupted);
}

function interrupted(): void {
  onScreen?.stop();
  onScreen = null;
  removeTemporariesNow();
  const kept = [...running].map((r) => r.kept?.()).filter((k): k is string => !!k);
  process.stderr.write(`ernie-slim: interrupted; ${kept.length ? kept.join('; ') : 'nothing was kept'}\n`);
  process.exit(130);
}

/**
 * A reporter over named steps (distill's): each new step name starts a new bar; `log` prints a step's line.
 * `kept` says on Ctrl-C what the finished steps left behind.
 */
export function createStepProgress(kept: () => string): {
  log: (line: string) => void;
  update: (step: string, done: number, total: number, unit: string) => void;
  stop: () => void;
} {
  let current: { step: string; progress: Progress } | null = null;
  // Holds the Ctrl-C handling between steps too.
  const whole = createProgress('distill', { kept });
  return {
    log: (line) => (current ? current.progress.log(line) : whole.log(line)),
    update: (step, done, total, unit) => {
      if (current?.step !== step) {
        current?.progress.stop();
        current = { step, progress: createProgress(step, { total, unit }) };
      }
      current.progress.update(done);
    },
    stop: () => {
      current?.progress.stop();
      current = null;
      whole.stop();
    },
  };
}

export function createProgress(title: string, options: ProgressOptions = {}): Progress {
  const unit = options.unit ?? 'lines';
  let total = options.total;
  const started = performance.now();
  const entry = { title, kept: options.kept };
  running.add(entry);
  if (running.size === 1) process.on('SIGINT', interrupted);

  const figures = (done: number) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = total && rate > 0 ? formatDuration((total - done) / rate) : '?';
    return { seconds, rate: formatRate(rate), eta };
  };

  let bar: cliProgress.SingleBar | null = null;
  let lastPlain = started;
  let last = { done: 0, status: '' };
  const tty = process.stderr.isTTY === true;
  // A bar appears only for work that lasts: quick runs (and quick failures) print none.
  const showAfter = started + 1000;

  const render = () => {
    if (!tty) return;
    const f = figures(last.done);
    if (!bar) {
      if (performance.now() < showAfter) return;
      const format = total
        ? `${title} [{bar}] {percentage}% {value}/{total} ${unit} | {speed} ${unit}/s | ETA {timeLeft} {status}`
        : `${title} {value} ${unit} | {speed} ${unit}/s | {elapsed} {status}`;
      bar = new cliProgress.SingleBar(
        { format, stream: process.stderr, hideCursor: true, clearOnComplete: true, barsize: 24, forceRedraw: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total ?? 0, last.done, {
        status: last.status,
        speed: f.rate,
        timeLeft: f.eta,
        elapsed: formatDuration(f.seconds),
      });
      onScreen = bar;
      return;
    }
    bar.update(last.done, { status: last.status, speed: f.rate, timeLeft: f.eta, elapsed: formatDuration(f.seconds) });
  };

  return {
    update(done, status = '') {
      last = { done, status };
      if (tty) return render();
      const now = performance.now();
      if (now - lastPlain < plainInterval()) return;
      lastPlain = now;
      const f = figures(done);
      const count = total
        ? `Progress: ${((100 * done) / total).toFixed(1)}% ${done}/${total} ${unit}`
        : `${done} ${unit}`;
      const eta = total ? `, ETA ${f.eta}` : '';
      process.stderr.write(`${title}: ${count}, ${f.rate} ${unit}/s${eta}${status ? ` ${status}` : ''}\n`);
    },
    setTotal(n) {
      total = n;
      bar?.setTotal(n);
    },
    log(line) {
      if (bar) {
        // Clear the bar's line and print; the bar redraws itself below on its next tick.
        process.stderr.write('\r\x1b[2K' + line + '\n');
      } else {
        process.stderr.write(line + '\n');
      }
    },
    stop() {
      if (bar) {
        bar.stop();
        if (onScreen === bar) onScreen = null;
        bar = null;
      }
      running.delete(entry);
      if (running.size === 0) process.off('SIGINT', interrupted);
    },
  };
}

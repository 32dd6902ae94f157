// fastText, the peer of the bow students: Debian's `fasttext` binary (installed with apt-get when missing),
// trained and tested on `__label__X token token ...` files.
import { spawnSync } from 'node:child_process';

const log = (line) => process.stderr.write(line + '\n');

/** True when `fasttext` runs (after installing it with apt-get if needed). */
export function ensureFastText() {
  if (spawnSync('fasttext', [], { stdio: 'ignore' }).error === undefined) return true;
  log('fasttext is missing: apt-get install -y fasttext');
  let run = spawnSync('apt-get', ['install', '-y', 'fasttext'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    run = spawnSync('apt-get', ['install', '-y', 'fasttext'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return run.status === 0 && spawnSync('fasttext', [], { stdio: 'ignore' }).error === undefined;
}

/** `fasttext supervised` on trainTxt (extra flags appended), then `fasttext test` on devTxt: P@1, speed, seconds. */
export function runFastText(prefix, trainTxt, devTxt, flags) {
  const started = performance.now();
  const fit = spawnSync('fasttext', ['supervised', '-input', trainTxt, '-output', prefix, ...flags], {
    maxBuffer: 1 << 28,
  });
  const seconds = (performance.now() - started) / 1000;
  if (fit.status !== 0)
    throw new Error(`fasttext supervised failed: ${fit.stderr.toString().trim().split('\n').at(-1)}`);
  const speeds = [...fit.stderr.toString().matchAll(/words\/sec\/thread:\s*(\d+)/g)].map((m) => Number(m[1]));
  const test = spawnSync('fasttext', ['test', `${prefix}.bin`, devTxt]).stdout.toString();
  const accuracy = Number(/P@1\s+([\d.]+)/.exec(test)?.[1]);
  return { accuracy, wordsPerSecondPerThread: speeds.at(-1) ?? NaN, seconds };
}

/** fastText's predicted label and probability per line of devTxt (`predict-prob`), e.g. for F1 and rankings. */
export function predictFastText(prefix, devTxt) {
  const out = spawnSync('fasttext', ['predict-prob', `${prefix}.bin`, devTxt, '1'], {
    maxBuffer: 1 << 28,
  }).stdout.toString();
  return out
    .trim()
    .split('\n')
    .map((line) => {
      const [label, prob] = line.split(' ');
      return { label: label.replace(/^__label__/, ''), prob: Number(prob) };
    });
}

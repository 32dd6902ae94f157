// bench/augment: `ernie-slim augment` on ChnSentiCorp train, 10x (96,000 new lines), the whole command timed,
// best of 3, against issue 5's goal of 5 s on 2 cores. Also one thread, side by side, for the parallel gain.
// Usage: node bench/augment.js [train.tsv] [--runs 3] [--threads N]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args.splice(at, 2)[1] : fallback;
};
const runs = Number(flag('--runs', '3'));
const threads = flag('--threads', undefined);
const input = args[0] ?? path.resolve(root, '..', 'shared', 'data', 'chnsenticorp', 'train.tsv');
const goalSeconds = 5;

if (!fs.existsSync(input)) {
  console.log(`bench/augment: skipped, ${input} is absent`);
  process.exit(0);
}
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-augment-'));
const output = path.join(outDir, 'train.aug.tsv');

function timeCommand(extra) {
  const started = process.hrtime.bigint();
  const run = spawnSync(
    process.execPath,
    [
      path.join(root, 'dist', 'cli', 'main.js'),
      'augment',
      '--input',
      input,
      '--output',
      output,
      '--times',
      '10',
      '--json',
      ...extra,
    ],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`augment failed (${run.status}): ${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop());
  return { seconds, newLines: result.new_lines, threads: result.threads };
}

function best(extra) {
  let fastest = null;
  for (let i = 0; i < runs; i++) {
    const t = timeCommand(extra);
    if (fastest === null || t.seconds < fastest.seconds) fastest = t;
  }
  return fastest;
}

try {
  const load = os.loadavg()[0];
  console.log(
    `bench/augment: ${path.basename(input)} x10, whole command (node dist/cli/main.js augment), best of ${runs}`,
  );
  console.log(`machine: ${os.availableParallelism()} CPUs, load average ${load.toFixed(2)} at start`);
  const parallel = best(threads ? ['--threads', threads] : []);
  const single = best(['--threads', '1']);
  for (const [name, t] of [
    [`threads ${parallel.threads}`, parallel],
    ['threads 1', single],
  ]) {
    console.log(
      `  ${name.padEnd(10)} ${t.seconds.toFixed(2)} s  ${Math.round(t.newLines / t.seconds).toLocaleString('en-US')} new lines/s  ` +
        `${(t.seconds / goalSeconds).toFixed(2)}x the ${goalSeconds} s goal (${t.seconds <= goalSeconds ? 'met' : 'missed'})`,
    );
  }
  console.log(`  parallel speed-up over 1 thread: ${(single.seconds / parallel.seconds).toFixed(2)}x`);
  console.log(`  load average at end ${os.loadavg()[0].toFixed(2)} (other work on the machine slows every figure)`);
} finally {
  fs.rmSync(outDir, { recursive: true, force: true });
}

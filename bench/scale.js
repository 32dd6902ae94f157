// `npm run bench:scale`: `train` at corpus scale against the pipeline a fastText user runs (`ernie-slim segment`,
// then `fasttext supervised`), side by side in one run: wall time, peak RSS (/usr/bin/time -v) and held-out
// accuracy. The data is built once under .bench-out/scale/data from online_shopping_10_cats: 5% of the reviews
// held out, the rest augmented 20x with `ernie-slim augment` (originals kept: ~1.1M lines); the 2.2M file adds a
// second augment pass with another seed; --ten-million repeats the 1.1M file to 10M lines (time and RSS only).
//
//   node bench/scale.js [--sizes 1.1m,2.2m] [--ten-million] [--threads 2] [--out .bench-out/scale] [--data-only]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFastText } from './fasttext.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const reviews = path.resolve(root, '..', 'shared', 'data', 'online_shopping_10_cats', 'reviews.tsv');
const log = (line) => process.stderr.write(line + '\n');

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const args = {
  out: path.resolve(flag('out', path.join(root, '.bench-out', 'scale'))),
  sizes: flag('sizes', '1.1m,2.2m').split(','),
  tenMillion: process.argv.includes('--ten-million'),
  threads: Number(flag('threads', '2')),
  epochs: 2,
  dim: 128,
  buckets: 200000,
  minCount: 2,
};
const dataDir = path.join(args.out, 'data');
const runDir = path.join(args.out, 'run');

/** Runs a command under /usr/bin/time -v: wall seconds, peak RSS in MB, and its output. */
function timed(command, commandArgs, options = {}) {
  const run = spawnSync('/usr/bin/time', ['-v', command, ...commandArgs], { maxBuffer: 1 << 30, ...options });
  const stderr = run.stderr.toString();
  if (run.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} failed:\n${stderr.slice(-2000)}`);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/.exec(stderr)[1].split(':').map(Number);
  const seconds = wall.reduce((a, b) => a * 60 + b, 0);
  const rssMb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)[1]) / 1024;
  return { seconds, rssMb, stdout: run.stdout?.toString() ?? '', stderr };
}

function shuffled(rows, seed) {
  let s = seed >>> 0;
  for (let i = rows.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  return rows;
}

/** label<TAB>text_a rows of an augment output (its columns: label, text_a, aug). */
function stripAugColumn(augFile, target, append) {
  const lines = fs.readFileSync(augFile, 'utf8').split('\n');
  const header = lines[0].split('\t');
  const label = header.indexOf('label');
  const text = header.indexOf('text_a');
  const out = [];
  if (!append) out.push('label\ttext_a');
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const fields = line.split('\t');
    out.push(`${fields[label]}\t${fields[text]}`);
  }
  fs[append ? 'appendFileSync' : 'writeFileSync'](target, out.join('\n') + '\n');
}

function buildData() {
  fs.mkdirSync(dataDir, { recursive: true });
  const heldout = path.join(dataDir, 'heldout.tsv');
  const base = path.join(dataDir, 'base.tsv');
  if (!fs.existsSync(heldout)) {
    const rows = fs
      .readFileSync(reviews, 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t'))
      .filter((f) => f.length === 3 && f[2].trim() !== '')
      .map(([cat, , text]) => `${cat}\t${text.replace(/^\uFEFF/, '')}`);
    shuffled(rows, 17);
    const cut = Math.round(rows.length * 0.05);
    fs.writeFileSync(base, 'label\ttext_a\n' + rows.slice(cut).join('\n') + '\n');
    fs.writeFileSync(heldout, 'label\ttext_a\n' + rows.slice(0, cut).join('\n') + '\n');
  }
  const augment = (seed, keep, target, append) => {
    const augFile = path.join(dataDir, `aug-${seed}.tsv`);
    log(`augment (seed ${seed}) -> ${augFile}`);
    const flags = [
      '-i',
      base,
      '-o',
      augFile,
      '--times',
      '20',
      '--seed',
      String(seed),
      '--threads',
      String(args.threads),
    ];
    const run = timed(process.execPath, [cli, 'augment', ...flags, ...(keep ? ['--keep-original'] : [])]);
    log(`  ${run.seconds.toFixed(1)} s`);
    stripAugColumn(augFile, target, append);
    fs.rmSync(augFile);
  };
  const files = { heldout, '1.1m': path.join(dataDir, 'train-1.1m.tsv'), '2.2m': path.join(dataDir, 'train-2.2m.tsv') };
  if (!fs.existsSync(files['1.1m'])) {
    augment(1, true, files['1.1m'] + '.part', false);
    rename(files['1.1m']);
  }
  if (args.sizes.includes('2.2m') && !fs.existsSync(files['2.2m'])) {
    fs.copyFileSync(files['1.1m'], files['2.2m'] + '.part');
    augment(2, true, files['2.2m'] + '.part', true);
    rename(files['2.2m']);
  }
  if (args.tenMillion) {
    files['10m'] = path.join(dataDir, 'train-10m.tsv');
    if (!fs.existsSync(files['10m'])) {
      const body = fs.readFileSync(files['1.1m'], 'utf8').split('\n').slice(1).join('\n');
      const lines = body.split('\n').length - 1;
      const part = files['10m'] + '.part';
      fs.writeFileSync(part, 'label\ttext_a\n');
      for (let n = 0; n < 10e6; n += lines) fs.appendFileSync(part, body);
      rename(files['10m']);
    }
  }
  return files;
}

function rename(file) {
  fs.renameSync(file + '.part', file);
}

function countLines(file) {
  let n = 0;
  const buffer = fs.readFileSync(file);
  for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) n++;
  return n - 1;
}

/** The whole `ernie-slim train` command, then its accuracy on the held-out reviews. */
function runTrain(trainFile, heldout, name, withAccuracy) {
  const model = path.join(runDir, `${name}.bin`);
  const run = timed(process.execPath, [
    cli,
    'train',
    '--train',
    trainFile,
    '--out',
    model,
    '--model',
    'bow',
    '--ngrams',
    '2',
    '--epochs',
    String(args.epochs),
    '--threads',
    String(args.threads),
    '--emb-dim',
    String(args.dim),
    '--buckets',
    String(args.buckets),
    '--min-count',
    String(args.minCount),
  ]);
  let accuracy = null;
  if (withAccuracy) {
    const evaluated = spawnSync(process.execPath, [cli, 'eval', '--model', model, '--data', heldout, '--json'], {
      maxBuffer: 1 << 28,
    });
    accuracy = JSON.parse(evaluated.stdout.toString().trim().split('\n').at(-1)).accuracy;
  }
  fs.rmSync(model, { force: true });
  return { seconds: run.seconds, rssMb: run.rssMb, accuracy };
}

/** text_a of a label<TAB>text_a file, one line each (the input a fastText user segments). */
function textsOf(file, target) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').slice(1);
  const labels = [];
  const texts = [];
  for (const line of lines) {
    if (line === '') continue;
    const tab = line.indexOf('\t');
    labels.push(line.slice(0, tab));
    texts.push(line.slice(tab + 1));
  }
  fs.writeFileSync(target, texts.join('\n') + '\n');
  return labels;
}

/** `ernie-slim segment`, then `__label__` lines (not timed: a join of two files), then `fasttext supervised`. */
function runFastTextPipeline(trainFile, heldout, name) {
  const texts = path.join(runDir, `${name}.texts.txt`);
  const segmented = path.join(runDir, `${name}.seg.txt`);
  const labeled = path.join(runDir, `${name}.fasttext.txt`);
  const labels = textsOf(trainFile, texts);
  const segment = timed('/bin/sh', ['-c', `"${process.execPath}" "${cli}" segment < "${texts}" > "${segmented}"`]);
  const words = fs.readFileSync(segmented, 'utf8').split('\n');
  fs.writeFileSync(labeled, labels.map((l, i) => `__label__${l} ${words[i]}`).join('\n') + '\n');
  fs.rmSync(segmented);
  fs.rmSync(texts);
  // The held-out reviews, segmented the same way (not timed).
  const heldTexts = path.join(runDir, 'heldout.texts.txt');
  const heldLabels = textsOf(heldout, heldTexts);
  const heldWords = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${cli}" segment < "${heldTexts}"`], {
    maxBuffer: 1 << 28,
  })
    .stdout.toString()
    .split('\n');
  const heldFile = path.join(runDir, 'heldout.fasttext.txt');
  fs.writeFileSync(heldFile, heldLabels.map((l, i) => `__label__${l} ${heldWords[i]}`).join('\n') + '\n');
  const prefix = path.join(runDir, `${name}.fasttext`);
  const fit = timed('fasttext', [
    'supervised',
    '-input',
    labeled,
    '-output',
    prefix,
    '-epoch',
    String(args.epochs),
    '-dim',
    String(args.dim),
    '-bucket',
    String(args.buckets),
    '-thread',
    String(args.threads),
    '-wordNgrams',
    '2',
    '-minCount',
    String(args.minCount),
  ]);
  const test = spawnSync('fasttext', ['test', `${prefix}.bin`, heldFile]).stdout.toString();
  const accuracy = Number(/P@1\s+([\d.]+)/.exec(test)?.[1]);
  for (const f of [labeled, `${prefix}.bin`, `${prefix}.vec`]) fs.rmSync(f, { force: true });
  return {
    segment: { seconds: segment.seconds, rssMb: segment.rssMb },
    fit: { seconds: fit.seconds, rssMb: fit.rssMb },
    accuracy,
  };
}

function main() {
  if (!fs.existsSync(reviews)) throw new Error(`${reviews} is missing`);
  if (!ensureFastText()) throw new Error('fasttext is not installed');
  fs.mkdirSync(runDir, { recursive: true });
  const files = buildData();
  if (process.argv.includes('--data-only')) return;
  const load = () =>
    os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ');
  log(`load average at start: ${load()} (${os.availableParallelism()} CPUs)`);
  const results = {};
  for (const size of args.sizes) {
    const file = files[size];
    const lines = countLines(file);
    log(`${size}: ${lines} lines, ${(fs.statSync(file).size / 1e6).toFixed(0)} MB`);
    const ours = runTrain(file, files.heldout, `train-${size}`, true);
    log(
      `  train: ${ours.seconds.toFixed(1)} s, peak RSS ${ours.rssMb.toFixed(0)} MB, held-out accuracy ${ours.accuracy}`,
    );
    const ft = runFastTextPipeline(file, files.heldout, size);
    const total = ft.segment.seconds + ft.fit.seconds;
    log(
      `  segment + fastText: ${ft.segment.seconds.toFixed(1)} + ${ft.fit.seconds.toFixed(1)} = ${total.toFixed(1)} s, ` +
        `peak RSS ${ft.segment.rssMb.toFixed(0)} / ${ft.fit.rssMb.toFixed(0)} MB, held-out accuracy ${ft.accuracy}`,
    );
    log(
      `  ratios: train / (segment + fastText) ${(ours.seconds / total).toFixed(2)}x, train / fastText alone ` +
        `${(ours.seconds / ft.fit.seconds).toFixed(2)}x, accuracy ${((ours.accuracy - ft.accuracy) * 100).toFixed(2)} points`,
    );
    results[size] = { lines, train: ours, fasttext: ft };
  }
  if (results['1.1m'] && results['2.2m']) {
    log(`peak RSS 2.2M / 1.1M: ${(results['2.2m'].train.rssMb / results['1.1m'].train.rssMb).toFixed(2)}x`);
  }
  if (args.tenMillion) {
    const lines = countLines(files['10m']);
    const ours = runTrain(files['10m'], files.heldout, 'train-10m', false);
    log(`10m: ${lines} lines: train ${ours.seconds.toFixed(1)} s, peak RSS ${ours.rssMb.toFixed(0)} MB`);
    results['10m'] = { lines, train: ours };
  }
  log(`load average at end: ${load()}`);
  process.stdout.write(JSON.stringify({ settings: args, results }, null, 2) + '\n');
}

main();

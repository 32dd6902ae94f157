// The native text path against the previous one, side by side in one run on ChnSentiCorp dev
// (../shared/data/chnsenticorp): segmentation alone (native segmenter vs @node-rs/jieba cut), then
// student.predict p50/p99 per review and predictBatch reviews/s, segmentation included, with the native
// encoder (one native call) and with the jieba + TypeScript path (Student.load(..., { textEncoder:
// 'javascript' })). The machine's load average is printed with the figures: timings on a busy machine are
// only comparable within the run.
//   node bench/segmenter.js [--models bow,bow2] [--passes 3] [--threads 2] [--out DIR]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { train, Student } from '../dist/index.js';
import { jiebaDictionary } from '../dist/data/jieba-dictionary.js';
import { trainDevFilesOrSkip } from './train-dev-files.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'bow,bow2' },
    passes: { type: 'string', default: '3' },
    threads: { type: 'string', default: String(Math.min(2, os.availableParallelism())) },
    out: { type: 'string', default: path.join(here, '..', '.bench-out', 'segmenter') },
    data: { type: 'string', default: path.join(here, '..', '..', 'shared', 'data', 'chnsenticorp') },
  },
});
const { train: trainFile, dev: devFile } = trainDevFilesOrSkip(args.data, 'segmenter', 'ChnSentiCorp');
fs.mkdirSync(args.out, { recursive: true });
const log = (line) => process.stderr.write(line + '\n');
const passes = Number(args.passes);
const threads = Number(args.threads);
const MODELS = {
  bow: { model: 'bow' },
  bow2: { model: 'bow', ngrams: 2 },
  cnn: { model: 'cnn' },
  lstm: { model: 'lstm' },
};

const [devHeader, ...devLines] = fs.readFileSync(devFile, 'utf8').split('\n').filter(Boolean);
const textColumn = devHeader.split('\t').indexOf('text_a');
const devTexts = devLines.map((line) => line.split('\t')[textColumn]);
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

// Per-review latency of fn over the dev texts (a warm-up pass, then `passes` timed passes) and reviews/s.
function perReview(fn) {
  for (const t of devTexts) fn(t);
  const times = [];
  let total = 0;
  for (let pass = 0; pass < passes; pass++) {
    const started = process.hrtime.bigint();
    for (const t of devTexts) {
      const start = process.hrtime.bigint();
      fn(t);
      times.push(Number(process.hrtime.bigint() - start) / 1000);
    }
    total += Number(process.hrtime.bigint() - started) / 1e9;
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), perSecond: times.length / total };
}

// predictBatch reviews/s (the best pass), and reviews per second of this process's CPU time: on a machine
// that others keep busy, the second says what the cores would do if they were free.
async function batchPerSecond(student, batchThreads) {
  const many = [].concat(devTexts, devTexts, devTexts, devTexts);
  await student.predictBatch(devTexts.slice(0, 200), { threads: batchThreads });
  let best = 0;
  let cpuSeconds = 0;
  for (let pass = 0; pass < passes; pass++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await student.predictBatch(many, { threads: batchThreads });
    best = Math.max(best, many.length / ((performance.now() - started) / 1000));
    const used = process.cpuUsage(cpu);
    cpuSeconds += (used.user + used.system) / 1e6;
  }
  return { perSecond: best, perCpuSecond: (many.length * passes) / cpuSeconds };
}

const results = {
  machine: `${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}`,
  loadAtStart: load(),
  segmentation: {},
  students: {},
};
log(`machine ${results.machine}, load average ${results.loadAtStart}`);

const jieba = Jieba.withDict(dict);
const native = jiebaDictionary();
results.segmentation = {
  jiebaCut: perReview((t) => jieba.cut(t, false)),
  nativeCut: perReview((t) => native.cut(t)),
  nativeCutBoundaries: perReview((t) => native.cutBoundaries(t)),
};

for (const name of args.models.split(',')) {
  const variant = MODELS[name];
  if (!variant) throw new Error(`unknown model ${name} (one of ${Object.keys(MODELS).join(', ')})`);
  const out = path.join(args.out, `${name}.bin`);
  await train({
    train: trainFile,
    out,
    epochs: 1,
    threads: Math.min(2, os.availableParallelism()),
    seed: 1,
    ...variant,
  });
  const students = {
    native: await Student.load(out),
    javascript: await Student.load(out, { textEncoder: 'javascript' }),
  };
  const entry = {};
  for (const [path_, student] of Object.entries(students)) {
    if (student.textEncoder !== path_)
      throw new Error(`${name}: expected the ${path_} text path, got ${student.textEncoder}`);
    entry[path_] = {
      encode: perReview((t) => student.encode(t)),
      predict: perReview((t) => student.predict(t)),
      batch: await batchPerSecond(student, threads),
      batchOneThread: await batchPerSecond(student, 1),
    };
  }
  results.students[name] = entry;
  log(`${name}: ${JSON.stringify(entry)}`);
}
results.loadAtEnd = load();

const us = (x) => x.toFixed(1).padStart(6);
const rate = (x) => Math.round(x).toString().padStart(7);
const lines = [
  '',
  `ChnSentiCorp dev, ${devTexts.length} reviews (${results.machine}); load average at start ${results.loadAtStart}, at end ${results.loadAtEnd}`,
];
lines.push('segmentation                      p50 µs   p99 µs   reviews/s');
const seg = results.segmentation;
for (const [label, r] of [
  ['@node-rs/jieba cut(text, false)', seg.jiebaCut],
  ['native cut (strings)', seg.nativeCut],
  ['native cutBoundaries (no strings)', seg.nativeCutBoundaries],
]) {
  lines.push(`${label.padEnd(33)} ${us(r.p50)}   ${us(r.p99)}   ${rate(r.perSecond)}`);
}
lines.push(`native cut vs jieba cut: ${(seg.nativeCut.perSecond / seg.jiebaCut.perSecond).toFixed(2)}x reviews/s`);
lines.push(
  '',
  `model  path         encode p50/p99 µs   predict p50/p99 µs   predictBatch reviews/s: ${threads} threads | 1 thread | per CPU-second`,
);
for (const [name, entry] of Object.entries(results.students)) {
  for (const [label, r] of Object.entries(entry)) {
    lines.push(
      `${name.padEnd(6)} ${label.padEnd(11)}  ${us(r.encode.p50)} / ${us(r.encode.p99)}     ${us(r.predict.p50)} / ${us(r.predict.p99)}      ${rate(r.batch.perSecond)} | ${rate(r.batchOneThread.perSecond)} | ${rate(r.batch.perCpuSecond)}`,
    );
  }
  const n = entry.native;
  const j = entry.javascript;
  lines.push(
    `${name.padEnd(6)} native/js    predict p50 ${(j.predict.p50 / n.predict.p50).toFixed(2)}x faster, p99 ${(j.predict.p99 / n.predict.p99).toFixed(2)}x, batch ${(n.batch.perSecond / j.batch.perSecond).toFixed(2)}x`,
  );
}
lines.push(
  'goals: predict p50 <= 50 µs, p99 <= 200 µs, predictBatch >= 50000 reviews/s on 2 cores (2 x reviews per CPU-second where others share the cores)',
);
log(lines.join('\n'));
fs.writeFileSync(path.join(args.out, 'segmenter.json'), JSON.stringify(results, null, 2));
console.log(JSON.stringify(results));

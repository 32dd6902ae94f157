// Compact students side by side with their float students and with fastText's quantize, in one run, on
// ChnSentiCorp (bow + bigrams), TNEWS (15 labels, bow + bigrams) and LCQMC (two-tower bow + character bigrams;
// fastText gets text_a and text_b's words concatenated) from ../shared/data:
//   - our float student vs our compact student (`quantize --model` defaults, and with --retrain): file size, dev
//     accuracy, `predict` p50 (one text at a time, segmentation included), `predictBatch` lines/s, load time and
//     RSS after load (each file loaded in a fresh `node --expose-gc` process after the segmenter's dictionary is in,
//     RSS taken after global.gc() both before and after the load, so garbage does not count);
//   - Debian's fastText on the same words (the student's own segmentation): `fasttext supervised -wordNgrams 2
//     -bucket 200000`, then `fasttext quantize -qnorm -retrain -cutoff 100000`: size, accuracy, predict lines/s, RSS
//     after load (peak RSS of `fasttext predict` on one line less that of a bare `fasttext`, under /usr/bin/time -v).
// Speed pairs run back to back (float, compact, compact retrained, three rounds, the median kept); figures are
// quoted as ratios against the float student measured in the same run.
//   node bench/compact.js [--only chnsenticorp,tnews,lcqmc] [--no-fasttext] [--no-retrain] [--out DIR]
// Seeds mode: how much of the accuracy change is quantization, apart from run-to-run noise. For each seed the float
// student is trained deterministically (one thread, --seed S), quantized with the defaults, and both are scored on
// dev; per-seed figures, then the mean and the worst delta (--quantize-options adds quantize options as JSON;
// --reuse keeps float students already trained under --out):
//   node bench/compact.js --seeds 3 [--first-seed 1] [--threads 1] [--only …] [--quantize-options JSON] [--reuse]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { train, Student } from '../dist/index.js';
import { evaluate } from '../dist/student/evaluate.js';
import { quantizeStudentFile } from '../dist/student/quantize-student.js';
import { studentWords } from '../dist/student/segmentation.js';
import { ensureFastText } from './fasttext.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const benchFile = fileURLToPath(import.meta.url);
const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: 'chnsenticorp,tnews,lcqmc' },
    'no-fasttext': { type: 'boolean', default: false },
    'no-retrain': { type: 'boolean', default: false },
    seeds: { type: 'string' },
    'first-seed': { type: 'string', default: '1' },
    threads: { type: 'string', default: '1' },
    'quantize-options': { type: 'string', default: '{}' },
    reuse: { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(here, '..', '.bench-out', 'compact') },
    'data-root': { type: 'string', default: path.join(here, '..', '..', 'shared', 'data') },
    // Internal: load one student in this fresh process and print its load time and RSS growth.
    'measure-load': { type: 'string' },
    primer: { type: 'string' },
  },
});
const log = (line) => process.stderr.write(line + '\n');

// The issue's bars.
const GOALS = { chnsenticorpBytes: 2e6, accuracyPoints: 0.3, p50Ratio: 1.2 };

const DATASETS = {
  chnsenticorp: { name: 'ChnSentiCorp', train: { model: 'bow', ngrams: 2 } },
  tnews: { name: 'TNEWS', train: { model: 'bow', ngrams: 2 } },
  lcqmc: { name: 'LCQMC', train: { model: 'bow', ngrams: 2, segmenter: 'char' } },
};

if (args['measure-load']) {
  process.stdout.write(JSON.stringify(await measureLoad(args['measure-load'], args.primer)) + '\n');
  process.exit(0);
}

// In a fresh process: a small student with the same segmentation loads first (the dictionary and the encoder are
// then in), so that the RSS growth is the model's own.
async function measureLoad(file, primer) {
  const probe = '这家酒店的服务很好';
  const first = await Student.load(primer);
  first.predict(first.pair ? [probe, probe] : probe);
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  const started = performance.now();
  const student = await Student.load(file);
  const loadMs = performance.now() - started;
  student.predict(student.pair ? [probe, probe] : probe);
  globalThis.gc?.();
  return { loadMs, rssBytes: process.memoryUsage().rss - before };
}

function loadFigures(file, primer) {
  const run = spawnSync(process.execPath, ['--expose-gc', benchFile, '--measure-load', file, '--primer', primer], {
    maxBuffer: 1 << 24,
    env: process.env,
  });
  if (run.status !== 0) throw new Error(`measuring ${file} failed: ${run.stderr.toString().trim()}`);
  return JSON.parse(run.stdout.toString().trim().split('\n').at(-1));
}

function readTsv(file) {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const cols = header.split('\t');
  const [li, ai, bi] = ['label', 'text_a', 'text_b'].map((c) => cols.indexOf(c));
  return lines.map((l) => {
    const f = l.split('\t');
    return bi >= 0 ? { label: f[li], textA: f[ai], textB: f[bi] } : { label: f[li], textA: f[ai] };
  });
}

const inputOf = (row) => (row.textB === undefined ? row.textA : [row.textA, row.textB]);
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function p50(student, inputs) {
  for (const x of inputs.slice(0, 200)) student.predict(x); // warm-up
  const times = [];
  for (const x of inputs) {
    const start = process.hrtime.bigint();
    student.predict(x);
    times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return percentile(
    times.sort((a, b) => a - b),
    0.5,
  );
}

async function batchPerSecond(student, inputs) {
  await student.predictBatch(inputs.slice(0, 200));
  const started = performance.now();
  await student.predictBatch(inputs, { threads: os.availableParallelism() });
  return inputs.length / ((performance.now() - started) / 1000);
}

// fastText on the student's own words; pairs as text_a's words then text_b's.
function fastTextFile(rows, segmentation, file) {
  const words = (r) => [
    ...studentWords(r.textA, segmentation),
    ...(r.textB === undefined ? [] : studentWords(r.textB, segmentation)),
  ];
  fs.writeFileSync(file, rows.map((r) => `__label__${r.label} ${words(r).join(' ')}\n`).join(''));
}

function fastText(command, flags) {
  const started = performance.now();
  const run = spawnSync('fasttext', [command, ...flags], { maxBuffer: 1 << 28 });
  if (run.status !== 0)
    throw new Error(`fasttext ${command} failed: ${run.stderr.toString().trim().split('\n').at(-1)}`);
  return { stdout: run.stdout.toString(), seconds: (performance.now() - started) / 1000 };
}

function fastTextAccuracy(model, devTxt) {
  return Number(/P@1\s+([\d.]+)/.exec(fastText('test', [model, devTxt]).stdout)?.[1]);
}

// Lines/s of `fasttext predict` over the dev file, its own load time (one line) taken out; null when the
// difference is lost in the noise of a busy machine.
function fastTextPredictPerSecond(model, devTxt, lines, oneTxt) {
  const one = median([0, 1, 2].map(() => fastText('predict', [model, oneTxt]).seconds));
  const all = median([0, 1, 2].map(() => fastText('predict', [model, devTxt]).seconds));
  return { perSecond: all - one > 0.05 ? lines / (all - one) : null, loadSeconds: one };
}

// Peak RSS (bytes) of a fasttext command under /usr/bin/time -v.
function fastTextPeakRss(flags) {
  const run = spawnSync('/usr/bin/time', ['-v', 'fasttext', ...flags], { maxBuffer: 1 << 28 });
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr.toString())?.[1]);
  return kb * 1024;
}

// RSS after load of a fastText model: peak RSS of `fasttext predict` on one line less that of a bare `fasttext`
// (usage only: the process and its libraries), the median of three pairs; null without /usr/bin/time.
function fastTextRss(model, oneTxt) {
  if (!fs.existsSync('/usr/bin/time')) return null;
  return median([0, 1, 2].map(() => fastTextPeakRss(['predict', model, oneTxt]) - fastTextPeakRss([])));
}

function runFastText(dir, trainTxt, devTxt, devLines) {
  const prefix = path.join(dir, 'fasttext');
  const common = ['-wordNgrams', '2', '-bucket', '200000', '-dim', '100', '-epoch', '10', '-thread', '2'];
  const fit = fastText('supervised', ['-input', trainTxt, '-output', prefix, ...common]);
  const quantized = fastText('quantize', [
    '-input',
    trainTxt,
    '-output',
    prefix,
    '-qnorm',
    '-retrain',
    '-cutoff',
    '100000',
    ...common,
  ]);
  const oneTxt = path.join(dir, 'fasttext-one.txt');
  fs.writeFileSync(oneTxt, fs.readFileSync(devTxt, 'utf8').split('\n')[0] + '\n');
  const floatSpeed = fastTextPredictPerSecond(`${prefix}.bin`, devTxt, devLines, oneTxt);
  const ftzSpeed = fastTextPredictPerSecond(`${prefix}.ftz`, devTxt, devLines, oneTxt);
  return {
    float: {
      bytes: fs.statSync(`${prefix}.bin`).size,
      accuracy: fastTextAccuracy(`${prefix}.bin`, devTxt),
      trainSeconds: fit.seconds,
      predictPerSecond: floatSpeed.perSecond,
      loadSeconds: floatSpeed.loadSeconds,
      rssBytes: fastTextRss(`${prefix}.bin`, oneTxt),
    },
    quantized: {
      bytes: fs.statSync(`${prefix}.ftz`).size,
      accuracy: fastTextAccuracy(`${prefix}.ftz`, devTxt),
      quantizeSeconds: quantized.seconds,
      predictPerSecond: ftzSpeed.perSecond,
      loadSeconds: ftzSpeed.loadSeconds,
      rssBytes: fastTextRss(`${prefix}.ftz`, oneTxt),
    },
  };
}

async function benchDataset(key) {
  const set = DATASETS[key];
  if (!set) throw new Error(`unknown data set ${key} (${Object.keys(DATASETS).join(', ')})`);
  const dataDir = path.join(args['data-root'], key);
  const trainFile = path.join(dataDir, 'train.tsv');
  const devFile = path.join(dataDir, 'dev.tsv');
  if (!fs.existsSync(trainFile) || !fs.existsSync(devFile)) {
    log(`${set.name}: ${dataDir} is absent, skipped`);
    return null;
  }
  const dir = path.join(args.out, key);
  fs.mkdirSync(dir, { recursive: true });
  const threads = os.availableParallelism();
  const files = {
    float: path.join(dir, 'float.bin'),
    compact: path.join(dir, 'compact.bin'),
    retrained: path.join(dir, 'compact-retrained.bin'),
    primer: path.join(dir, 'primer.bin'),
  };
  log(`${set.name}: training the float student`);
  const trained = await train({ train: trainFile, dev: devFile, out: files.float, seed: 1, threads, ...set.train });
  // A tiny student with the same segmentation: loaded first when load time and RSS are measured.
  const primerTrain = path.join(dir, 'primer.tsv');
  fs.writeFileSync(primerTrain, fs.readFileSync(trainFile, 'utf8').split('\n').slice(0, 51).join('\n') + '\n');
  await train({ ...set.train, train: primerTrain, out: files.primer, epochs: 1, embDim: 4, hidden: 2, buckets: 10 });

  const compactions = { compact: {} };
  if (!args['no-retrain']) compactions.retrained = { retrain: { train: trainFile } };
  const quantized = {};
  for (const [name, extra] of Object.entries(compactions)) {
    log(`${set.name}: quantize --model${extra.retrain ? ' --retrain' : ''}`);
    const started = performance.now();
    const r = await quantizeStudentFile({ model: files.float, out: files[name], dev: devFile, threads, ...extra });
    quantized[name] = { ...r, seconds: (performance.now() - started) / 1000 };
  }

  const devRows = readTsv(devFile);
  const inputs = devRows.map(inputOf);
  const names = ['float', ...Object.keys(quantized)];
  const students = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await Student.load(files[n])])));
  const accuracy = {};
  for (const n of names) accuracy[n] = (await evaluate({ model: students[n], data: devFile, threads })).accuracy;
  // Speed pairs back to back, three rounds.
  const rounds = { p50: {}, batch: {} };
  for (const n of names) ((rounds.p50[n] = []), (rounds.batch[n] = []));
  for (let round = 0; round < 3; round++) {
    for (const n of names) rounds.p50[n].push(p50(students[n], inputs));
    for (const n of names) rounds.batch[n].push(await batchPerSecond(students[n], inputs));
  }
  const result = {
    name: set.name,
    trainRows: trained.trainRows,
    devRows: devRows.length,
    labels: trained.labels.length,
  };
  result.ours = {};
  for (const n of names) {
    const load = loadFigures(files[n], files.primer);
    result.ours[n] = {
      bytes: fs.statSync(files[n]).size,
      accuracy: accuracy[n],
      predictP50us: median(rounds.p50[n]),
      batchPerSecond: median(rounds.batch[n]),
      loadMs: load.loadMs,
      rssBytes: load.rssBytes,
      ...(quantized[n]
        ? { keptRows: quantized[n].keptRows, quantizeSeconds: quantized[n].seconds, options: quantized[n].options }
        : {}),
    };
    log(`${set.name} ${n}: ${JSON.stringify(result.ours[n])}`);
  }
  for (const s of Object.values(students)) await s.close();

  if (!args['no-fasttext'] && ensureFastText()) {
    log(`${set.name}: fastText supervised, then quantize -qnorm -retrain -cutoff 100000`);
    const segmentation = students.float.segmentation ?? students.float.toData().config.segmentation;
    const trainTxt = path.join(dir, 'fasttext-train.txt');
    const devTxt = path.join(dir, 'fasttext-dev.txt');
    fastTextFile(readTsv(trainFile), segmentation, trainTxt);
    fastTextFile(devRows, segmentation, devTxt);
    result.fasttext = runFastText(dir, trainTxt, devTxt, devRows.length);
    log(`${set.name} fastText: ${JSON.stringify(result.fasttext)}`);
  }
  return result;
}

if (args.seeds) {
  await benchSeeds();
  process.exit(0);
}

// One dataset's seeds: float and compact dev accuracy per seed (training deterministic on one thread).
async function seedsOfDataset(key, seeds, threads, quantizeOptions) {
  const set = DATASETS[key];
  if (!set) throw new Error(`unknown data set ${key} (${Object.keys(DATASETS).join(', ')})`);
  const dataDir = path.join(args['data-root'], key);
  const [trainFile, devFile] = ['train.tsv', 'dev.tsv'].map((f) => path.join(dataDir, f));
  if (!fs.existsSync(trainFile) || !fs.existsSync(devFile)) {
    log(`${set.name}: ${dataDir} is absent, skipped`);
    return null;
  }
  const devInputs = readTsv(devFile).map(inputOf);
  const runs = [];
  for (const seed of seeds) {
    const dir = path.join(args.out, 'seeds', key, `seed-${seed}`);
    fs.mkdirSync(dir, { recursive: true });
    const floatFile = path.join(dir, 'float.bin');
    if (!(args.reuse && fs.existsSync(floatFile))) {
      log(`${set.name} seed ${seed}: training the float student (${threads} thread${threads === 1 ? '' : 's'})`);
      await train({ train: trainFile, dev: devFile, out: floatFile, seed, threads, ...set.train });
    }
    const started = performance.now();
    const compactFile = path.join(dir, 'compact.bin');
    const q = await quantizeStudentFile({
      model: floatFile,
      out: compactFile,
      dev: devFile,
      threads,
      ...quantizeOptions(trainFile),
    });
    if (q.refit) log(`${set.name} seed ${seed}: refit ${JSON.stringify(q.refit)}`);
    // How often the compact student says what the float one says on dev (labels unread).
    const [floatStudent, compactStudent] = await Promise.all([floatFile, compactFile].map((f) => Student.load(f)));
    const [a, b] = await Promise.all([floatStudent, compactStudent].map((s) => s.predictBatch(devInputs, { threads })));
    await Promise.all([floatStudent.close(), compactStudent.close()]);
    const run = {
      seed,
      floatAccuracy: q.inputAccuracy,
      compactAccuracy: q.outputAccuracy,
      deltaPoints: (q.outputAccuracy - q.inputAccuracy) * 100,
      agreement: a.filter((p, i) => p.label === b[i].label).length / a.length,
      bytes: q.outputBytes,
      keptRows: q.keptRows,
      options: q.options,
      quantizeSeconds: (performance.now() - started) / 1000,
    };
    log(`${set.name} seed ${seed}: ${JSON.stringify(run)}`);
    runs.push(run);
  }
  const deltas = runs.map((r) => r.deltaPoints);
  return {
    name: set.name,
    runs,
    meanDeltaPoints: deltas.reduce((a, b) => a + b, 0) / deltas.length,
    meanAgreement: runs.reduce((a, r) => a + r.agreement, 0) / runs.length,
    worstDeltaPoints: Math.min(...deltas),
  };
}

async function benchSeeds() {
  const count = Number(args.seeds);
  const first = Number(args['first-seed']);
  const threads = Number(args.threads);
  const seeds = Array.from({ length: count }, (_, i) => first + i);
  const extra = JSON.parse(args['quantize-options']);
  // "TRAIN" anywhere in the options stands for the data set's training file.
  const withTrain = (value, trainFile) =>
    value === 'TRAIN'
      ? trainFile
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withTrain(v, trainFile)]))
        : value;
  const quantizeOptions = (trainFile) => withTrain(extra, trainFile);
  const results = { seeds, threads, quantizeOptions: extra, started: new Date().toISOString(), sets: {} };
  for (const key of args.only.split(',')) {
    const r = await seedsOfDataset(key, seeds, threads, quantizeOptions);
    if (r) results.sets[key] = r;
  }
  const pct = (x) => `${(x * 100).toFixed(2)}%`;
  const signed = (x) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
  const lines = [
    '',
    `compact vs float students, seeds ${seeds.join(', ')}, ${threads} thread(s), quantize ${args['quantize-options']}`,
  ];
  for (const r of Object.values(results.sets)) {
    lines.push('', r.name, 'seed  float     compact   Δ points  agree    file       kept rows  dsub');
    for (const s of r.runs) {
      lines.push(
        `${String(s.seed).padEnd(4)}  ${pct(s.floatAccuracy).padStart(7)}  ${pct(s.compactAccuracy).padStart(7)}  ${signed(s.deltaPoints).padStart(8)}  ${pct(s.agreement).padStart(7)}  ${`${(s.bytes / 1e6).toFixed(2)} MB`.padStart(9)}  ${String(s.keptRows).padStart(9)}  ${s.options.dsub}`,
      );
    }
    const holds = r.worstDeltaPoints >= -GOALS.accuracyPoints;
    lines.push(
      `mean ${signed(r.meanDeltaPoints)} (agreement ${pct(r.meanAgreement)}), worst ${signed(r.worstDeltaPoints)}: within ${GOALS.accuracyPoints} point on every seed ${holds ? 'yes' : 'NO'}`,
    );
  }
  const report = lines.join('\n') + '\n';
  process.stdout.write(report);
  fs.mkdirSync(args.out, { recursive: true });
  fs.writeFileSync(path.join(args.out, 'seeds.json'), JSON.stringify(results, null, 2) + '\n');
  fs.writeFileSync(path.join(args.out, 'seeds.txt'), report);
  log(`wrote ${path.join(args.out, 'seeds.json')}`);
}

fs.mkdirSync(args.out, { recursive: true });
const results = {
  machine: `${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}`,
  started: new Date().toISOString(),
  sets: {},
};
for (const key of args.only.split(',')) {
  const r = await benchDataset(key);
  if (r) results.sets[key] = r;
}
results.loadAverage = os.loadavg();

const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
const pct = (x) => (x === undefined || Number.isNaN(x) ? '-' : `${(x * 100).toFixed(2)}%`);
const times = (x) => `${x.toFixed(2)}x`;
const lines = [
  '',
  `compact students (${results.machine}, load average ${results.loadAverage.map((x) => x.toFixed(2)).join(' ')})`,
];
for (const [key, r] of Object.entries(results.sets)) {
  const f = r.ours.float;
  lines.push(
    '',
    `${r.name} (${r.trainRows} training rows, ${r.devRows} dev rows, ${r.labels} labels)`,
    'model                      file        dev acc    Δ points  predict p50 µs (ratio)  predictBatch lines/s (ratio)  load ms  RSS after load',
  );
  for (const [name, o] of Object.entries(r.ours)) {
    const delta = ((o.accuracy - f.accuracy) * 100).toFixed(2);
    lines.push(
      `${`ours ${name}`.padEnd(26)} ${mb(o.bytes).padStart(10)}  ${pct(o.accuracy).padStart(7)}  ${delta.padStart(8)}  ${o.predictP50us.toFixed(1).padStart(8)} (${times(o.predictP50us / f.predictP50us)})  ${Math.round(o.batchPerSecond).toString().padStart(10)} (${times(o.batchPerSecond / f.batchPerSecond)})  ${o.loadMs.toFixed(0).padStart(7)}  ${mb(o.rssBytes)} (${times(o.rssBytes / o.bytes)} the file)`,
    );
  }
  if (r.fasttext) {
    for (const [name, o] of Object.entries(r.fasttext)) {
      lines.push(
        `${`fastText ${name === 'float' ? 'supervised' : 'quantize'}`.padEnd(26)} ${mb(o.bytes).padStart(10)}  ${pct(o.accuracy).padStart(7)}  ${((o.accuracy - r.fasttext.float.accuracy) * 100).toFixed(2).padStart(8)}  ${'-'.padStart(8)}         ${(o.predictPerSecond === null ? '-' : Math.round(o.predictPerSecond).toString()).padStart(10)} (fasttext predict, load taken out: ${o.loadSeconds.toFixed(2)} s)  RSS after load ${o.rssBytes === null ? '-' : `${mb(o.rssBytes)} (${times(o.rssBytes / o.bytes)} the file)`}`,
      );
    }
  }
  const c = r.ours.compact;
  const goals = [
    key === 'chnsenticorp' ? `≤ 2 MB ${c.bytes <= GOALS.chnsenticorpBytes ? 'yes' : 'NO'}` : null,
    `within ${GOALS.accuracyPoints} point ${(f.accuracy - c.accuracy) * 100 <= GOALS.accuracyPoints ? 'yes' : 'NO'}`,
    `p50 ≤ ${GOALS.p50Ratio}x ${c.predictP50us / f.predictP50us <= GOALS.p50Ratio ? 'yes' : 'NO'}`,
  ].filter(Boolean);
  lines.push(`goals (compact, defaults): ${goals.join('; ')}`);
}
const report = lines.join('\n') + '\n';
process.stdout.write(report);
fs.writeFileSync(path.join(args.out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
fs.writeFileSync(path.join(args.out, 'results.txt'), report);
log(`wrote ${path.join(args.out, 'results.json')}`);

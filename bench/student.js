// The student side by side with fastText on ChnSentiCorp (../shared/data/chnsenticorp), in one run:
// dev accuracy of bow, bow+bigrams (vs fastText -wordNgrams 2), cnn and lstm; training words/sec/thread vs
// fastText; student.predict p50/p99 (µs, segmentation included) and predictBatch reviews/s, with the native
// text encoder and, side by side, with the previous jieba + TypeScript path (textEncoder: 'javascript').
// fastText gets the same jieba segmentation (`__label__X word word ...`); Debian's `fasttext` is installed
// with apt-get when missing.
//   node bench/student.js [--only bow,bow2,cnn,lstm] [--no-fasttext] [--out DIR]
// ERNIE_SLIM_ADDON picks another build of the addon.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { train, Student } from '../dist/index.js';
import { studentWords, defaultSegmentation } from '../dist/student/segmentation.js';
import { segmentWords } from '../dist/data/segmenter.js';
import { ensureFastText, runFastText } from './fasttext.js';
import { trainDevFilesOrSkip } from './train-dev-files.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: 'bow,bow2,cnn,lstm' },
    'no-fasttext': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(here, '..', '.bench-out', 'student') },
    data: { type: 'string', default: path.join(here, '..', '..', 'shared', 'data', 'chnsenticorp') },
  },
});
const { train: trainFile, dev: devFile } = trainDevFilesOrSkip(args.data, 'student', 'ChnSentiCorp');
fs.mkdirSync(args.out, { recursive: true });
const log = (line) => process.stderr.write(line + '\n');

// ERNIE Slim's table and fastText measured here earlier: the goals this bench checks.
const GOALS = { bow: 0.901, cnn: 0.916, lstm: 0.912, p50: 50, p99: 200, batchPerSecond: 50_000 };

const VARIANTS = {
  bow: { model: 'bow', threads: 1 },
  bow2: { model: 'bow', ngrams: 2, threads: 1 },
  cnn: { model: 'cnn', threads: os.availableParallelism() },
  lstm: { model: 'lstm', threads: os.availableParallelism() },
};

function readTsv(file) {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const cols = header.split('\t');
  const li = cols.indexOf('label');
  const ti = cols.indexOf('text_a');
  return lines.map((l) => {
    const f = l.split('\t');
    return { label: f[li], text: f[ti] };
  });
}

function fastTextFile(rows, file) {
  fs.writeFileSync(
    file,
    rows.map((r) => `__label__${r.label} ${studentWords(r.text, defaultSegmentation).join(' ')}\n`).join(''),
  );
}

function runFastTextNgrams(ngrams, trainTxt, devTxt) {
  return runFastText(path.join(args.out, `fasttext-${ngrams}`), trainTxt, devTxt, [
    '-wordNgrams',
    String(ngrams),
    '-epoch',
    '25',
    '-dim',
    '100',
    '-thread',
    '1',
  ]);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function latency(student, texts) {
  for (const t of texts) student.predict(t); // warm-up
  const times = [];
  for (let pass = 0; pass < 3; pass++) {
    for (const t of texts) {
      const start = process.hrtime.bigint();
      student.predict(t);
      times.push(Number(process.hrtime.bigint() - start) / 1000);
    }
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

function segmentationLatency(texts) {
  const times = [];
  for (const t of texts) {
    const start = process.hrtime.bigint();
    segmentWords(t);
    times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

async function batchThroughput(student, texts) {
  const many = [].concat(texts, texts, texts, texts);
  await student.predictBatch(texts.slice(0, 200));
  const started = performance.now();
  await student.predictBatch(many, { threads: os.availableParallelism() });
  return many.length / ((performance.now() - started) / 1000);
}

const devRows = readTsv(devFile);
const devTexts = devRows.map((r) => r.text);
const results = {
  machine: `${os.cpus()[0]?.model ?? 'cpu'} x${os.availableParallelism()}`,
  students: {},
  fasttext: {},
};

if (!args['no-fasttext'] && ensureFastText()) {
  const trainTxt = path.join(args.out, 'train.txt');
  const devTxt = path.join(args.out, 'dev.txt');
  fastTextFile(readTsv(trainFile), trainTxt);
  fastTextFile(devRows, devTxt);
  for (const ngrams of [1, 2]) {
    results.fasttext[ngrams === 1 ? 'unigram' : 'bigram'] = runFastTextNgrams(ngrams, trainTxt, devTxt);
    log(`fastText -wordNgrams ${ngrams}: ${JSON.stringify(results.fasttext[ngrams === 1 ? 'unigram' : 'bigram'])}`);
  }
} else {
  log('fastText: not run');
}

for (const name of args.only.split(',')) {
  const variant = VARIANTS[name];
  if (!variant) throw new Error(`unknown variant ${name}`);
  const out = path.join(args.out, `${name}.bin`);
  const result = await train({
    train: trainFile,
    dev: devFile,
    out,
    seed: 1,
    ...variant,
    onEpoch: (e) =>
      log(
        `${name} epoch ${e.epoch}/${e.epochs} dev ${(e.devAccuracy * 100).toFixed(2)}% ${(e.tokensPerSecond / 1000).toFixed(0)}k tok/s`,
      ),
  });
  const student = await Student.load(out);
  const reference = await Student.load(out, { textEncoder: 'javascript' });
  const lat = latency(student, devTexts);
  const latJs = latency(reference, devTexts);
  const perSecond = await batchThroughput(student, devTexts);
  const perSecondJs = await batchThroughput(reference, devTexts);
  results.students[name] = {
    devAccuracy: result.devAccuracy,
    devMacroF1: result.devMacroF1,
    bestEpoch: result.bestEpoch,
    trainSeconds: result.trainSeconds,
    threads: variant.threads,
    wordsPerSecondPerThread: result.tokensPerSecond / variant.threads,
    textEncoder: student.textEncoder,
    predictP50us: lat.p50,
    predictP99us: lat.p99,
    predictBatchPerSecond: perSecond,
    javascriptPath: { predictP50us: latJs.p50, predictP99us: latJs.p99, predictBatchPerSecond: perSecondJs },
    modelBytes: fs.statSync(out).size,
  };
  log(`${name}: ${JSON.stringify(results.students[name])}`);
}
results.segmentation = segmentationLatency(devTexts);

const pct = (x) => (x === undefined || Number.isNaN(x) ? '   -  ' : `${(x * 100).toFixed(2)}%`);
const ft = results.fasttext;
const lines = [
  '',
  `student on ChnSentiCorp dev (${results.machine}, load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')})`,
  'model       dev acc   goal     words/s/thread   vs fastText   predict p50/p99 µs   batch reviews/s   (jieba + TypeScript path: p50/p99, batch)',
];
for (const [name, r] of Object.entries(results.students)) {
  const peer = name === 'bow2' ? ft.bigram : ft.unigram;
  const goal = name === 'bow2' ? ft.bigram?.accuracy : GOALS[name];
  const speedRatio =
    peer && (name === 'bow' || name === 'bow2')
      ? `${(r.wordsPerSecondPerThread / peer.wordsPerSecondPerThread).toFixed(2)}x`
      : '  -';
  lines.push(
    `${name.padEnd(10)}  ${pct(r.devAccuracy)}  ${goal ? pct(goal) : '  -   '}  ${(r.wordsPerSecondPerThread / 1e6).toFixed(2).padStart(8)}M       ${speedRatio.padStart(6)}      ${r.predictP50us.toFixed(1).padStart(6)} / ${r.predictP99us.toFixed(1).padStart(6)}    ${Math.round(r.predictBatchPerSecond).toString().padStart(8)}          (${r.javascriptPath.predictP50us.toFixed(1)} / ${r.javascriptPath.predictP99us.toFixed(1)}, ${Math.round(r.javascriptPath.predictBatchPerSecond)})`,
  );
}
for (const [name, r] of Object.entries(ft))
  lines.push(
    `fastText ${name.padEnd(8)} ${pct(r.accuracy)}           ${(r.wordsPerSecondPerThread / 1e6).toFixed(2).padStart(8)}M`,
  );
lines.push(
  `jieba segmentation alone: p50 ${results.segmentation.p50.toFixed(1)} µs, p99 ${results.segmentation.p99.toFixed(1)} µs per review`,
);
const bow = results.students.bow;
if (bow)
  lines.push(
    `goals: bow >= ${pct(GOALS.bow)}, cnn >= ${pct(GOALS.cnn)}, lstm >= ${pct(GOALS.lstm)}, bow2 >= fastText bigrams, p50 <= ${GOALS.p50} µs, p99 <= ${GOALS.p99} µs, batch >= ${GOALS.batchPerSecond}/s`,
  );
log(lines.join('\n'));
fs.writeFileSync(path.join(args.out, 'student.json'), JSON.stringify(results, null, 2));
console.log(JSON.stringify(results));

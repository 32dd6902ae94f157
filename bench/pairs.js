// Text-pair matching on LCQMC (../shared/data/lcqmc: 12,500 train pairs, 8,802 dev pairs), side by side in one run:
//  (a) fastText given hand-made word-overlap feature tokens (side-prefixed words, shared words, bucketed Jaccard,
//      overlap ratio and length difference), over jieba words and over characters;
//  (b) the two-tower bow students (the baseline: no teacher), over characters and over jieba words;
//  (c) a stronger pair teacher trained by ernie-slim: two-tower lstm, cnn and bow models (characters, and bow over
//      words), each exported to ONNX, their logits averaged; it labels 10x augmented training pairs, and `distill`
//      trains the two-tower character bow on them.
// The character bow, baseline and distilled, runs with seeds 1-3 (the figures move by about half a point from seed
// to seed). Accuracy, macro-F1 and the positive/negative order ratio on dev for each, with wall times and the load.
//   node bench/pairs.js [--out DIR] [--no-fasttext] [--augment-times 10]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { train, evaluate, exportOnnx, Student } from '../dist/index.js';
import { distill } from '../dist/distill/pipeline.js';
import { classificationMetrics, posNegRatio } from '../dist/student/metrics.js';
import { studentWords, defaultSegmentation } from '../dist/student/segmentation.js';
import { ensureFastText, predictFastText, runFastText } from './fasttext.js';
import { trainDevFilesOrSkip } from './train-dev-files.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(here, '..', '.bench-out', 'pairs') },
    data: { type: 'string', default: path.join(here, '..', '..', 'shared', 'data', 'lcqmc') },
    'no-fasttext': { type: 'boolean', default: false },
    'augment-times': { type: 'string', default: '10' },
  },
});
const files = trainDevFilesOrSkip(args.data, 'pairs', 'LCQMC');
fs.mkdirSync(args.out, { recursive: true });
const log = (line) => process.stderr.write(line + '\n');
const cores = os.availableParallelism();
const results = { machine: `${os.cpus()[0]?.model ?? 'cpu'} x${cores}`, loadBefore: os.loadavg()[0], rows: {} };
const started = performance.now();

// The issue's bar: fastText with word-overlap features on this split, as measured when the issue was written.
const ISSUE_BAR = 0.714;

function readPairs(file) {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const cols = header.split('\t');
  const [a, b, l] = ['text_a', 'text_b', 'label'].map((c) => cols.indexOf(c));
  return lines.map((line) => {
    const f = line.split('\t');
    return { textA: f[a], textB: f[b], label: f[l] };
  });
}
const devRows = readPairs(files.dev);

/** Accuracy, macro-F1 and the order ratio of per-row predicted labels and positive-label probabilities. */
function figures(labels, probOne) {
  const gold = devRows.map((r) => Number(r.label));
  const m = classificationMetrics(gold, labels, 2);
  const ratio = posNegRatio(
    devRows.map((r) => r.textA),
    gold.map((g) => g === 1),
    probOne,
  );
  return { accuracy: m.accuracy, macroF1: m.macroF1, posNegRatio: ratio.ratio, posNeg: ratio };
}

// ---------------------------------------------------------------------------------------------- (a) fastText

const bucket = (x, edges) => edges.findIndex((e) => x <= e);
const TENTHS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

/** `__label__y a_w.. b_w.. s_w.. jacK ovK ldiffK`: the two sides' tokens and the hand-made overlap tokens. */
function overlapLine(row, tokens) {
  const a = tokens(row.textA);
  const b = tokens(row.textB);
  const setA = new Set(a);
  const setB = new Set(b);
  const shared = [...setA].filter((w) => setB.has(w));
  const union = new Set([...a, ...b]).size || 1;
  const features = [
    ...a.map((w) => `a_${w}`),
    ...b.map((w) => `b_${w}`),
    ...shared.map((w) => `s_${w}`),
    `jac${bucket(shared.length / union, TENTHS)}`,
    `ov${bucket(shared.length / Math.max(1, Math.min(setA.size, setB.size)), TENTHS)}`,
    `ldiff${Math.min(5, Math.abs(a.length - b.length))}`,
  ];
  return `__label__${row.label} ${features.join(' ')}\n`;
}

const TOKENIZERS = {
  words: (text) => studentWords(text, defaultSegmentation),
  chars: (text) => studentWords(text, { ...defaultSegmentation, segmenter: 'char' }),
};

if (!args['no-fasttext'] && ensureFastText()) {
  const trainRows = readPairs(files.train);
  for (const [name, tokens] of Object.entries(TOKENIZERS)) {
    const trainTxt = path.join(args.out, `fasttext-${name}-train.txt`);
    const devTxt = path.join(args.out, `fasttext-${name}-dev.txt`);
    fs.writeFileSync(trainTxt, trainRows.map((r) => overlapLine(r, tokens)).join(''));
    fs.writeFileSync(devTxt, devRows.map((r) => overlapLine(r, tokens)).join(''));
    for (const ngrams of [1, 2]) {
      const prefix = path.join(args.out, `fasttext-${name}-${ngrams}`);
      const run = runFastText(prefix, trainTxt, devTxt, [
        '-wordNgrams',
        String(ngrams),
        '-epoch',
        '25',
        '-dim',
        '100',
        '-thread',
        '1',
      ]);
      const predictions = predictFastText(prefix, devTxt);
      const f = figures(
        predictions.map((p) => Number(p.label)),
        predictions.map((p) => (p.label === '1' ? p.prob : 1 - p.prob)),
      );
      results.rows[`fasttext-${name}-${ngrams === 1 ? 'unigrams' : 'bigrams'}`] = {
        ...f,
        seconds: run.seconds,
        fastTextP1: run.accuracy,
      };
      log(
        `fastText ${name} + overlap tokens, -wordNgrams ${ngrams}: ${(f.accuracy * 100).toFixed(2)}% in ${run.seconds.toFixed(1)} s`,
      );
    }
  }
} else {
  log('fastText: not run');
}

// ---------------------------------------------------------------------------------------------- (b) baselines

async function trainAndEvaluate(name, options) {
  const t = performance.now();
  const out = path.join(args.out, `${name}.bin`);
  const result = await train({
    ...files,
    out,
    seed: 1,
    ...options,
    onEpoch: (e) => log(`  ${name} epoch ${e.epoch}/${e.epochs}: dev ${(e.devAccuracy * 100).toFixed(2)}%`),
  });
  const seconds = (performance.now() - t) / 1000;
  const e = await evaluate({ model: out, data: files.dev });
  results.rows[name] = {
    accuracy: e.accuracy,
    macroF1: e.macroF1,
    posNegRatio: e.posNegRatio,
    posNeg: e.posNeg,
    seconds,
    bestEpoch: result.bestEpoch,
  };
  log(
    `${name}: ${(e.accuracy * 100).toFixed(2)}%, macro-F1 ${(e.macroF1 * 100).toFixed(2)}%, pos/neg ${e.posNegRatio?.toFixed(3)}, ${seconds.toFixed(1)} s`,
  );
  return out;
}

// The students train on one thread: the same seed gives the same model.
const SEEDS = [1, 2, 3];
for (const seed of SEEDS)
  await trainAndEvaluate(`bow-chars-seed${seed}`, { model: 'bow', segmenter: 'char', threads: 1, seed });
await trainAndEvaluate('bow-words', { model: 'bow', threads: 1 });

// ---------------------------------------------------------------------------------------------- (c) teacher

// On 12,500 pairs no single lstm or cnn pair model beats the bow (see the table); members that differ in encoder,
// words and seed do, once their logits are averaged. One thread each: the same seed gives the same teacher.
const MEMBERS = {
  'teacher-lstm-chars': { model: 'lstm', segmenter: 'char', threads: 1, seed: 2 },
  'teacher-cnn-chars': { model: 'cnn', segmenter: 'char', threads: 1, seed: 3 },
  'teacher-bow-chars-a': { model: 'bow', segmenter: 'char', threads: 1, seed: 12 },
  'teacher-bow-chars-b': { model: 'bow', segmenter: 'char', threads: 1, seed: 15 },
  'teacher-bow-chars-c': { model: 'bow', segmenter: 'char', threads: 1, seed: 16 },
  'teacher-bow-words': { model: 'bow', threads: 1, seed: 14 },
};
const teacherFiles = [];
let teacherSeconds = 0;
for (const [name, options] of Object.entries(MEMBERS)) {
  const t = performance.now();
  const bin = await trainAndEvaluate(name, options);
  const onnx = bin.replace(/\.bin$/, '.onnx');
  await exportOnnx((await Student.load(bin)).toData(), onnx);
  teacherFiles.push(onnx);
  teacherSeconds += (performance.now() - t) / 1000;
}

const t = performance.now();
const run = await distill({
  teacher: teacherFiles,
  train: files.train,
  dev: files.dev,
  augmentTimes: Number(args['augment-times']),
  student: 'bow',
  segmenter: 'char',
  // Soft labels carry most of what the teacher knows about these pairs.
  temperature: 2,
  alpha: 0.9,
  baseline: false,
  threads: 1,
  seed: 1,
  out: path.join(args.out, 'distill'),
  onStep: (line) => log(`  distill: ${line}`),
});
const distillSeconds = (performance.now() - t) / 1000;
const m = run.metrics;
// distill scored dev with the averaged teacher (through the Teacher API, as it labels).
results.rows.teacher = {
  accuracy: m.teacher_accuracy,
  macroF1: m.teacher_macro_f1,
  posNegRatio: m.teacher_pos_neg_ratio,
  seconds: teacherSeconds,
  members: Object.keys(MEMBERS),
};
const distilled = await evaluate({ model: run.files.student, data: files.dev });
results.rows['bow-chars-distilled-seed1'] = {
  accuracy: distilled.accuracy,
  macroF1: distilled.macroF1,
  posNegRatio: distilled.posNegRatio,
  posNeg: distilled.posNeg,
  seconds: distillSeconds,
  timings: m.timings,
  teacherLabeledRows: m.data.teacher_labeled_rows,
};
results.speedup = m.speed;
// The other seeds train on the same teacher labels, as distill did.
for (const seed of SEEDS.slice(1)) {
  await trainAndEvaluate(`bow-chars-distilled-seed${seed}`, {
    model: 'bow',
    segmenter: 'char',
    distill: run.files.labels,
    temperature: 2,
    alpha: 0.9,
    threads: 1,
    seed,
  });
}
const mean = (prefix) => {
  const rows = SEEDS.map((seed) => results.rows[`${prefix}-seed${seed}`]);
  const avg = (k) => rows.reduce((sum, r) => sum + r[k], 0) / rows.length;
  return {
    accuracy: avg('accuracy'),
    macroF1: avg('macroF1'),
    posNegRatio: avg('posNegRatio'),
    seconds: avg('seconds'),
    minAccuracy: Math.min(...rows.map((r) => r.accuracy)),
    maxAccuracy: Math.max(...rows.map((r) => r.accuracy)),
  };
};
results.rows['bow-chars-mean'] = mean('bow-chars');
results.rows['bow-chars-distilled-mean'] = mean('bow-chars-distilled');

// ---------------------------------------------------------------------------------------------- table

results.loadAfter = os.loadavg()[0];
results.seconds = (performance.now() - started) / 1000;
const pct = (x) => (x === undefined || x === null ? '   -  ' : `${(x * 100).toFixed(2)}%`);
const ratio = (r) =>
  `${r.posNegRatio === null || r.posNegRatio === undefined ? '-' : r.posNegRatio.toFixed(3)}${r.posNeg ? ` (${r.posNeg.concordant}/${r.posNeg.discordant})` : ''}`;
const lines = [
  '',
  `LCQMC dev (${devRows.length} pairs), ${results.machine}, load ${results.loadBefore.toFixed(1)} -> ${results.loadAfter.toFixed(1)}`,
];
lines.push('model                               accuracy  macro-F1  pos/neg ratio (conc/disc)   seconds');
for (const [name, r] of Object.entries(results.rows)) {
  lines.push(
    `${name.padEnd(34)}  ${pct(r.accuracy).padStart(7)}   ${pct(r.macroF1).padStart(7)}   ${ratio(r).padEnd(24)}  ${r.seconds.toFixed(1).padStart(7)}`,
  );
}
const fastTextBest = Math.max(
  ...Object.entries(results.rows)
    .filter(([k]) => k.startsWith('fasttext'))
    .map(([, r]) => r.accuracy),
  0,
);
const base = results.rows['bow-chars-mean'];
const best = results.rows['bow-chars-distilled-mean'];
results.goals = {
  baselineAtLeastIssueBar: base.minAccuracy >= ISSUE_BAR,
  baselineAtLeastFastText: base.minAccuracy >= fastTextBest,
  teacherStronger: results.rows.teacher.accuracy > base.maxAccuracy,
  distilledImproves:
    best.accuracy > base.accuracy &&
    SEEDS.every(
      (seed) =>
        results.rows[`bow-chars-distilled-seed${seed}`].accuracy > results.rows[`bow-chars-seed${seed}`].accuracy,
    ),
};
lines.push(
  `goals (bow-chars, every seed): baseline >= ${pct(ISSUE_BAR)} (the issue) ${results.goals.baselineAtLeastIssueBar ? 'yes' : 'NO'}; ` +
    `>= best fastText here ${pct(fastTextBest)} ${results.goals.baselineAtLeastFastText ? 'yes' : 'NO'}; ` +
    `teacher > baseline ${results.goals.teacherStronger ? 'yes' : 'NO'}; distilled > baseline, seed by seed ${results.goals.distilledImproves ? 'yes' : 'NO'} ` +
    `(mean ${((best.accuracy - base.accuracy) * 100).toFixed(2)} points)`,
);
lines.push(
  `student predict(pair) ${m.speed.studentMicrosecondsPerSentence.toFixed(1)} µs vs the averaged teacher ${m.speed.teacherMicrosecondsPerSentence.toFixed(0)} µs per pair: ${m.speed.speedup.toFixed(0)}x; whole run ${results.seconds.toFixed(0)} s`,
);
log(lines.join('\n'));
fs.writeFileSync(path.join(args.out, 'pairs.json'), JSON.stringify(results, null, 2));
console.log(JSON.stringify(results));

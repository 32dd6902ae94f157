// Quick harness for the native students on ChnSentiCorp (../shared/data/chnsenticorp): jieba segmentation,
// a word vocabulary, a few epochs of each kind, dev accuracy and training words/s/thread.
//   node bench/student-native.js [--kind bow|cnn|lstm|all] [--epochs N] [--lr X] [--batch N] [--emb N]
//        [--hidden N] [--bigrams BUCKETS] [--threads N] [--min-count N] [--wd X] [--clip X] [--seed N]
//        [--max-len N] [--data DIR]
// Loads the addon through dist/native.js (ERNIE_SLIM_ADDON picks another build).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { native } from '../dist/native.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    kind: { type: 'string', default: 'all' },
    epochs: { type: 'string' },
    lr: { type: 'string' },
    batch: { type: 'string' },
    emb: { type: 'string', default: '128' },
    hidden: { type: 'string' },
    bigrams: { type: 'string', default: '0' },
    threads: { type: 'string', default: '1' },
    'min-count': { type: 'string', default: '1' },
    wd: { type: 'string' },
    clip: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    'max-len': { type: 'string', default: '0' },
    dropout: { type: 'string' },
    data: { type: 'string', default: path.join(here, '..', '..', 'shared', 'data', 'chnsenticorp') },
  },
});

// Per-kind defaults (the ones chosen with this harness).
const DEFAULTS = {
  bow: { epochs: 5, lr: 0.005, batch: 32, hidden: 128, wd: 0.01, dropout: 0 },
  cnn: { epochs: 4, lr: 0.002, batch: 32, hidden: 128, wd: 0.01, dropout: 0.2 },
  lstm: { epochs: 4, lr: 0.004, batch: 32, hidden: 64, wd: 0.01, dropout: 0.1 },
};

function readTsv(file) {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  const header = lines[0].split('\t');
  const li = header.indexOf('label'),
    ti = header.indexOf('text_a');
  return lines.slice(1).map((l) => {
    const c = l.split('\t');
    return { label: c[li], text: c[ti] };
  });
}

const jieba = Jieba.withDict(dict);
const segment = (text) => jieba.cut(text, true).filter((w) => w.trim().length > 0);

let t0 = performance.now();
const train = readTsv(path.join(args.data, 'train.tsv')).map((r) => ({ ...r, words: segment(r.text) }));
const dev = readTsv(path.join(args.data, 'dev.tsv')).map((r) => ({ ...r, words: segment(r.text) }));
const segSeconds = (performance.now() - t0) / 1000;

const counts = new Map();
for (const r of train) for (const w of r.words) counts.set(w, (counts.get(w) ?? 0) + 1);
const minCount = Number(args['min-count']);
const vocab = new Map([
  ['[PAD]', 0],
  ['[UNK]', 1],
]);
for (const [w, c] of [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)))
  if (c >= minCount) vocab.set(w, vocab.size);
const labelNames = [...new Set(train.map((r) => r.label))].sort();
const maxLen = Number(args['max-len']);

function encode(rows) {
  const offsets = new Int32Array(rows.length + 1);
  const all = [];
  rows.forEach((r, i) => {
    let ids = r.words.map((w) => vocab.get(w) ?? 1);
    if (maxLen > 0) ids = ids.slice(0, maxLen);
    all.push(...ids);
    offsets[i + 1] = all.length;
  });
  return {
    ids: Int32Array.from(all),
    offsets,
    labels: Int32Array.from(rows, (r) => labelNames.indexOf(r.label)),
    teacherLogits: null,
  };
}
const trainSet = encode(train),
  devSet = encode(dev);
console.error(
  `segmented ${train.length} + ${dev.length} rows in ${segSeconds.toFixed(1)} s; vocab ${vocab.size}; ` +
    `${(trainSet.ids.length / train.length).toFixed(1)} words/row`,
);

function shuffle(n, seed) {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function accuracy(logits, labels, L) {
  let ok = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let k = 1; k < L; k++) if (logits[r * L + k] > logits[r * L + best]) best = k;
    ok += best === labels[r] ? 1 : 0;
  }
  return ok / labels.length;
}

const { StudentModel } = native();
const kinds = args.kind === 'all' ? ['bow', 'cnn', 'lstm'] : args.kind.split(',');
const summary = [];
for (const kind of kinds) {
  const d = DEFAULTS[kind];
  const epochs = Number(args.epochs ?? d.epochs),
    lr = Number(args.lr ?? d.lr),
    batchSize = Number(args.batch ?? d.batch);
  const hidden = Number(args.hidden ?? d.hidden),
    threads = Number(args.threads),
    wd = Number(args.wd ?? d.wd);
  const bigramBuckets = kind === 'bow' ? Number(args.bigrams) : 0;
  const model = new StudentModel({
    kind,
    vocabSize: vocab.size,
    bigramBuckets,
    embDim: Number(args.emb),
    hidden,
    numLabels: labelNames.length,
    seed: Number(args.seed),
  });
  const perEpoch = Math.ceil(train.length / batchSize);
  let best = 0,
    tokens = 0,
    seconds = 0;
  let cpuSeconds = 0;
  for (let e = 0; e < epochs; e++) {
    const cpu0 = process.cpuUsage();
    const r = await model.trainEpoch(trainSet, {
      order: shuffle(train.length, Number(args.seed) * 1000 + e),
      batchSize,
      lr,
      stepOffset: e * perEpoch,
      totalSteps: epochs * perEpoch,
      warmupSteps: Math.ceil(perEpoch / 2),
      weightDecay: wd,
      clipNorm: Number(args.clip),
      temperature: 1,
      alpha: 0.5,
      threads,
      seed: Number(args.seed),
      wordDropout: Number(args.dropout ?? d.dropout ?? 0),
    });
    const cpu = process.cpuUsage(cpu0);
    const epochCpu = (cpu.user + cpu.system) / 1e6; // all threads of this process: a contention-proof figure
    cpuSeconds += epochCpu;
    tokens += r.tokens;
    seconds += r.seconds;
    const t1 = performance.now();
    const acc = accuracy(await model.predictRows(devSet, threads), devSet.labels, labelNames.length);
    const predictSeconds = (performance.now() - t1) / 1000;
    best = Math.max(best, acc);
    console.error(
      `${kind} epoch ${e + 1}/${epochs}: loss ${r.loss.toFixed(4)} dev ${(acc * 100).toFixed(2)}% ` +
        `${(r.tokens / r.seconds / threads / 1e6).toFixed(2)}M words/s/thread (${r.seconds.toFixed(2)} s; ` +
        `${(r.tokens / epochCpu / 1e6).toFixed(2)}M words/cpu-s) ` +
        `predict ${(dev.length / predictSeconds).toFixed(0)} rows/s${r.finite ? '' : ' NON-FINITE'}`,
    );
  }
  // Latency of predictRow (the synchronous path of student.predict) and of segmentation + lookup + predictRow.
  const lat = [],
    full = [];
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 0; r < dev.length; r++) {
      const ids = devSet.ids.subarray(devSet.offsets[r], devSet.offsets[r + 1]);
      let t = process.hrtime.bigint();
      model.predictRow(ids);
      if (pass) lat.push(Number(process.hrtime.bigint() - t) / 1e3);
      t = process.hrtime.bigint();
      const words = segment(dev[r].text);
      const row = new Int32Array(words.length);
      for (let i = 0; i < words.length; i++) row[i] = vocab.get(words[i]) ?? 1;
      model.predictRow(row);
      if (pass) full.push(Number(process.hrtime.bigint() - t) / 1e3);
    }
  }
  const pct = (a, q) => a.slice().sort((x, y) => x - y)[Math.floor(q * (a.length - 1))];
  console.error(
    `${kind} predictRow p50 ${pct(lat, 0.5).toFixed(1)} us p99 ${pct(lat, 0.99).toFixed(1)} us; ` +
      `segment + predictRow p50 ${pct(full, 0.5).toFixed(1)} us p99 ${pct(full, 0.99).toFixed(1)} us`,
  );
  const t2 = performance.now();
  const reps = 5;
  for (let i = 0; i < reps; i++) await model.predictRows(devSet, 2);
  const rowsPerSecond = (reps * dev.length) / ((performance.now() - t2) / 1000);
  console.error(`${kind} predictRows on 2 threads: ${rowsPerSecond.toFixed(0)} rows/s`);
  summary.push({
    kind,
    predictRowP50Us: pct(lat, 0.5),
    segmentAndPredictP50Us: pct(full, 0.5),
    predictRowsPerSecond2Threads: Math.round(rowsPerSecond),
    bigramBuckets,
    epochs,
    lr,
    batchSize,
    hidden,
    embDim: Number(args.emb),
    threads,
    bestDevAccuracy: best,
    wordsPerSecondPerThread: Math.round(tokens / seconds / threads),
    wordsPerCpuSecond: Math.round(tokens / cpuSeconds),
  });
}
console.log(JSON.stringify(summary));

// Teacher inference, side by side in one run (issue 4's figures):
//  1. `ernie-slim label` end to end vs bare session.run over ideally bucketed, pre-tokenized batches;
//  2. length bucketing vs fixed-order batches padded to their longest row;
//  3. the ERNIE-base-size teacher's sentences/s at max-len 128 (the denominator of the student's speed-up);
//  4. int8 (quantize --teacher) vs fp32: the ERNIE-base-size teacher's speed, file size and label agreement, and the
//     agreement and accuracy of trained teachers (ernie-slim cnn and bow exports) on ChnSentiCorp dev.
// Usage: node bench/teacher.js [--lines 2000] [--base-lines 256] [--skip-base] [--int8-lines 32] [--skip-int8] [--only-int8]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import {
  WordPieceTokenizer,
  makeTeacher,
  quantizeDynamic,
  train,
  exportOnnx,
  Teacher,
  readLabeledTsv,
} from '../dist/index.js';
import { bucketByLength, batchInOrder, paddedTokens } from '../dist/teacher/length-bucketer.js';
import { gatherRows, rowLengths } from '../dist/teacher/encoded-window.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = path.resolve(root, '..', 'shared');
const vocab = path.join(shared, 'vocab', 'bert-base-chinese.txt');
const data = path.join(shared, 'data', 'chnsenticorp', 'train.tsv');
if (!fs.existsSync(data) || !fs.existsSync(vocab)) {
  console.log(`skipped: ${data} or ${vocab} is missing (the bench reads ../shared)`);
  process.exit(0);
}
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const LINES = arg('lines', 2000);
const BASE_LINES = arg('base-lines', 256);
const INT8_LINES = arg('int8-lines', 32);
const devData = path.join(shared, 'data', 'chnsenticorp', 'dev.tsv');
const MAX_LEN = 128;
const BATCH = 64;
const threads = os.availableParallelism();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-bench-teacher-'));
const tokenizer = WordPieceTokenizer.fromFile(vocab);
const allTexts = fs
  .readFileSync(data, 'utf8')
  .trimEnd()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t')[1]);

function writeModel(name, arch) {
  const file = path.join(tmp, name);
  fs.writeFileSync(
    file,
    makeTeacher({
      vocabSize: tokenizer.vocabSize,
      padId: 0,
      maxPositions: 512,
      typeVocabSize: 2,
      labels: 2,
      style: 'ernie',
      idType: 'int64',
      seed: 1,
      ...arch,
    }),
  );
  return file;
}

async function bareRun(model, window, batches, lengths) {
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const feeds = batches.map((rows) => {
    const b = gatherRows(window, rows, lengths, 0n);
    const dims = [b.batchSize, b.seqLen];
    return {
      input_ids: new ort.Tensor('int64', b.inputIds, dims),
      token_type_ids: new ort.Tensor('int64', b.tokenTypeIds, dims),
    };
  });
  await session.run(feeds[0]); // warm-up
  const started = performance.now();
  for (const f of feeds) await session.run(f);
  const seconds = (performance.now() - started) / 1000;
  await session.release();
  return seconds;
}

function labelCommand(model, texts) {
  const input = path.join(tmp, `in-${texts.length}.txt`);
  fs.writeFileSync(input, texts.join('\n') + '\n');
  const output = path.join(tmp, 'out.tsv');
  fs.rmSync(output, { force: true });
  const started = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      path.join(root, 'dist', 'cli', 'main.js'),
      'label',
      '--teacher',
      model,
      '--vocab',
      vocab,
      '--input',
      input,
      '--output',
      output,
      '--soft',
      '--max-len',
      String(MAX_LEN),
      '--batch-size',
      String(BATCH),
    ],
    { encoding: 'utf8' },
  );
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(r.stderr);
  return seconds;
}

async function measure(name, model, texts) {
  const window = await tokenizer.encodeBatch(texts, { maxLength: MAX_LEN });
  const lengths = rowLengths(window);
  const ideal = bucketByLength(lengths, { batchSize: BATCH, maxTokens: Infinity });
  const naive = batchInOrder(lengths, { batchSize: BATCH, maxTokens: Infinity });
  const bare = await bareRun(model, window, ideal, lengths);
  const fixed = await bareRun(model, window, naive, lengths);
  const command = labelCommand(model, texts);
  const n = texts.length;
  console.log(`\n${name}: ${n} ChnSentiCorp lines, max-len ${MAX_LEN}, batch ${BATCH}, ${threads} threads`);
  console.log(`  bare session.run, ideally bucketed   ${(n / bare).toFixed(1)} lines/s`);
  console.log(
    `  ernie-slim label, whole command      ${(n / command).toFixed(1)} lines/s  -> ${((bare / command) * 100).toFixed(1)}% of bare (goal >= 90%)`,
  );
  console.log(
    `  fixed-order batches (naive padding)  ${(n / fixed).toFixed(1)} lines/s  -> bucketing is ${(fixed / bare).toFixed(2)}x (goal >= 1.5x)`,
  );
  console.log(
    `  padded tokens: bucketed ${paddedTokens(ideal, lengths)}, naive ${paddedTokens(naive, lengths)}, real ${lengths.reduce((a, b) => a + b, 0)}`,
  );
  return {
    name,
    lines: n,
    bareLinesPerSecond: n / bare,
    labelLinesPerSecond: n / command,
    efficiency: bare / command,
    bucketingSpeedup: fixed / bare,
  };
}

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** Logits of texts from a teacher file, in process (the path `label` and `distill` take). */
async function teacherLogits(model, texts, options = {}) {
  const teacher = await Teacher.open(model, { maxLength: MAX_LEN, threads, ...options });
  try {
    return await teacher.score(texts, { batchSize: BATCH });
  } finally {
    await teacher.close();
  }
}

const argmax = (l) => l.reduce((best, v, k) => (v > l[best] ? k : best), 0);
function agreement(a, b) {
  let same = 0;
  let diff = 0;
  let n = 0;
  a.forEach((row, i) => {
    if (argmax(row) === argmax(b[i])) same++;
    row.forEach((v, k) => ((diff += Math.abs(v - b[i][k])), n++));
  });
  return { agreement: same / a.length, meanAbsLogitDiff: diff / n };
}

function quantizeFile(model, name, options) {
  const file = path.join(tmp, name);
  const started = performance.now();
  fs.writeFileSync(file, quantizeDynamic(fs.readFileSync(model), options).bytes);
  return { file, seconds: (performance.now() - started) / 1000 };
}

async function int8Figures() {
  const out = { loadBefore: load() };
  const devRows = [];
  for await (const row of readLabeledTsv(devData)) devRows.push(row);
  const devTexts = devRows.map((r) => r.textA);
  const texts = devTexts.slice(0, INT8_LINES);

  // The ERNIE-base-size teacher, fp32 and int8 side by side: bare session.run, the whole `label` command, size.
  const base = writeModel('ernie-base-int8-bench.onnx', { layers: 12, hidden: 768, heads: 12, intermediate: 3072 });
  const variants = [
    ['fp32', base],
    ['int8 per-tensor', quantizeFile(base, 'base-int8.onnx', {})],
    ['int8 per-channel', quantizeFile(base, 'base-int8-pc.onnx', { perChannel: true })],
    [
      'int8 per-tensor, fused com.microsoft MatMulIntegerToFloat',
      quantizeFile(base, 'base-int8-itf.onnx', { operators: 'integer-to-float' }),
    ],
    [
      'int8 per-tensor, fused com.microsoft DynamicQuantizeMatMul',
      quantizeFile(base, 'base-int8-dqmm.onnx', { operators: 'dynamic-quantize-matmul' }),
    ],
  ].map(([name, v]) => (typeof v === 'string' ? { name, file: v, seconds: 0 } : { name, ...v }));
  const window = await tokenizer.encodeBatch(texts, { maxLength: MAX_LEN });
  const lengths = rowLengths(window);
  const batches = bucketByLength(lengths, { batchSize: BATCH, maxTokens: Infinity });
  // Two rounds, alternating, the faster of each kept: the machine is shared.
  const bare = new Map();
  for (let round = 0; round < 2; round++) {
    for (const v of variants)
      bare.set(v.name, Math.min(bare.get(v.name) ?? Infinity, await bareRun(v.file, window, batches, lengths)));
    console.log(
      `  bare session.run, round ${round + 1}: ${variants.map((v) => `${v.name} ${(texts.length / bare.get(v.name)).toFixed(1)}`).join('; ')} lines/s (load ${load()})`,
    );
  }
  const command = new Map();
  for (const v of variants.slice(0, 2)) command.set(v.name, labelCommand(v.file, texts));
  const fp32Logits = await teacherLogits(base, texts, { vocab });
  console.log(
    `\nint8 vs fp32, ERNIE-base-size teacher (12 x 768), ${texts.length} ChnSentiCorp dev lines, max-len ${MAX_LEN}, batch ${BATCH}, ${threads} threads`,
  );
  console.log(`  load average before: ${out.loadBefore}`);
  const fp32Bare = bare.get('fp32');
  out.base = [];
  for (const v of variants) {
    const size = fs.statSync(v.file).size;
    const logits = v.name === 'fp32' ? fp32Logits : await teacherLogits(v.file, texts, { vocab });
    const agree = agreement(fp32Logits, logits);
    const row = {
      name: v.name,
      bareLinesPerSecond: texts.length / bare.get(v.name),
      bareSpeedup: fp32Bare / bare.get(v.name),
      megabytes: size / 1e6,
      quantizeSeconds: v.seconds,
      ...agree,
    };
    if (command.has(v.name))
      Object.assign(row, {
        labelLinesPerSecond: texts.length / command.get(v.name),
        labelSpeedup: command.get('fp32') / command.get(v.name),
      });
    out.base.push(row);
    console.log(
      `  ${v.name.padEnd(58)} bare ${row.bareLinesPerSecond.toFixed(1)} lines/s (${row.bareSpeedup.toFixed(2)}x)` +
        (row.labelLinesPerSecond
          ? `, label command ${row.labelLinesPerSecond.toFixed(1)} lines/s (${row.labelSpeedup.toFixed(2)}x, goal >= 1.5x)`
          : '') +
        `, ${row.megabytes.toFixed(1)} MB (${(fs.statSync(base).size / size).toFixed(2)}x smaller)` +
        (v.name === 'fp32'
          ? ''
          : `, labels agree ${(agree.agreement * 100).toFixed(1)}%, mean |dlogit| ${agree.meanAbsLogitDiff.toExponential(2)}, quantized in ${v.seconds.toFixed(1)} s`),
    );
  }
  console.log(`  load average after: ${load()}`);

  // Trained teachers: ernie-slim students exported to ONNX, int8 vs fp32 on all of ChnSentiCorp dev.
  out.trained = [];
  const gold = devRows.map((r) => r.label);
  const accuracy = (logits, names) => logits.filter((l, i) => names[argmax(l)] === gold[i]).length / gold.length;
  for (const [kind, epochs] of [
    ['cnn', 4],
    ['bow', 3],
  ]) {
    const trained = await train({ train: data, dev: devData, model: kind, epochs, threads, seed: 1 });
    const fp32 = path.join(tmp, `${kind}.onnx`);
    await exportOnnx(trained.student.toData(), fp32);
    const names = [...trained.student.labels];
    const a = await teacherLogits(fp32, devTexts);
    for (const perChannel of [false, true]) {
      const { file } = quantizeFile(fp32, `${kind}-int8.onnx`, { perChannel });
      const b = await teacherLogits(file, devTexts);
      const row = {
        kind,
        perChannel,
        rows: devTexts.length,
        fp32Accuracy: accuracy(a, names),
        int8Accuracy: accuracy(b, names),
        ...agreement(a, b),
        fp32MB: fs.statSync(fp32).size / 1e6,
        int8MB: fs.statSync(file).size / 1e6,
      };
      out.trained.push(row);
      console.log(
        `  trained ${kind} teacher, int8 ${perChannel ? 'per-channel' : 'per-tensor'}: labels agree on ${(row.agreement * 100).toFixed(2)}% of ${row.rows} dev rows (goal >= 99%), ` +
          `accuracy ${(row.fp32Accuracy * 100).toFixed(2)}% -> ${(row.int8Accuracy * 100).toFixed(2)}% (goal within 0.5 point), mean |dlogit| ${row.meanAbsLogitDiff.toExponential(2)}, ${row.fp32MB.toFixed(1)} -> ${row.int8MB.toFixed(1)} MB`,
      );
    }
  }
  out.loadAfter = load();
  console.log(`  load average at end: ${out.loadAfter}`);
  return out;
}

const results = [];
let int8 = null;
if (!process.argv.includes('--only-int8')) {
  const mid = writeModel('mid.onnx', { layers: 4, hidden: 256, heads: 4, intermediate: 1024 });
  results.push(await measure('4-layer 256-hidden teacher', mid, allTexts.slice(0, LINES)));
  if (!process.argv.includes('--skip-base')) {
    const base = writeModel('ernie-base.onnx', { layers: 12, hidden: 768, heads: 12, intermediate: 3072 });
    results.push(
      await measure('ERNIE-base-size teacher (12 x 768, 21,128 tokens)', base, allTexts.slice(0, BASE_LINES)),
    );
  }
}
if (!process.argv.includes('--skip-int8') && fs.existsSync(devData)) int8 = await int8Figures();
fs.rmSync(tmp, { recursive: true, force: true });
console.log('\n' + JSON.stringify({ cpus: os.cpus().length, cpu: os.cpus()[0]?.model, results, int8 }));

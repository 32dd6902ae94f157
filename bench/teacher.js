// Teacher inference, side by side in one run (issue 4's figures):
//  1. `ernie-slim label` end to end vs bare session.run over ideally bucketed, pre-tokenized batches;
//  2. length bucketing vs fixed-order batches padded to their longest row;
//  3. the ERNIE-base-size teacher's sentences/s at max-len 128 (the denominator of the student's speed-up).
// Usage: node bench/teacher.js [--lines 2000] [--base-lines 256] [--skip-base]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { WordPieceTokenizer, makeTeacher } from '../dist/index.js';
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
const MAX_LEN = 128;
const BATCH = 64;
const threads = os.availableParallelism();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-bench-teacher-'));
const tokenizer = WordPieceTokenizer.fromFile(vocab);
const allTexts = fs.readFileSync(data, 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split('\t')[1]);

function writeModel(name, arch) {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, makeTeacher({ vocabSize: tokenizer.vocabSize, padId: 0, maxPositions: 512, typeVocabSize: 2, labels: 2, style: 'ernie', idType: 'int64', seed: 1, ...arch }));
  return file;
}

async function bareRun(model, window, batches, lengths) {
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' });
  const feeds = batches.map((rows) => {
    const b = gatherRows(window, rows, lengths, 0n);
    const dims = [b.batchSize, b.seqLen];
    return { input_ids: new ort.Tensor('int64', b.inputIds, dims), token_type_ids: new ort.Tensor('int64', b.tokenTypeIds, dims) };
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
  const r = spawnSync(process.execPath, [path.join(root, 'dist', 'cli', 'main.js'), 'label', '--teacher', model, '--vocab', vocab, '--input', input, '--output', output, '--soft', '--max-len', String(MAX_LEN), '--batch-size', String(BATCH)], { encoding: 'utf8' });
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
  console.log(`  ernie-slim label, whole command      ${(n / command).toFixed(1)} lines/s  -> ${((bare / command) * 100).toFixed(1)}% of bare (goal >= 90%)`);
  console.log(`  fixed-order batches (naive padding)  ${(n / fixed).toFixed(1)} lines/s  -> bucketing is ${(fixed / bare).toFixed(2)}x (goal >= 1.5x)`);
  console.log(`  padded tokens: bucketed ${paddedTokens(ideal, lengths)}, naive ${paddedTokens(naive, lengths)}, real ${lengths.reduce((a, b) => a + b, 0)}`);
  return { name, lines: n, bareLinesPerSecond: n / bare, labelLinesPerSecond: n / command, efficiency: bare / command, bucketingSpeedup: fixed / bare };
}

const results = [];
const mid = writeModel('mid.onnx', { layers: 4, hidden: 256, heads: 4, intermediate: 1024 });
results.push(await measure('4-layer 256-hidden teacher', mid, allTexts.slice(0, LINES)));
if (!process.argv.includes('--skip-base')) {
  const base = writeModel('ernie-base.onnx', { layers: 12, hidden: 768, heads: 12, intermediate: 3072 });
  results.push(await measure('ERNIE-base-size teacher (12 x 768, 21,128 tokens)', base, allTexts.slice(0, BASE_LINES)));
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log('\n' + JSON.stringify({ cpus: os.cpus().length, cpu: os.cpus()[0]?.model, results }));

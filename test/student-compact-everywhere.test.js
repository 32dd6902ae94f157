// A compact student wherever a student goes: `export` (a standard ONNX graph), `label` and online distillation
// with it as the teacher, and `serve` — each giving the compact student's own probabilities.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Student } from '../dist/index.js';
import { distill } from '../dist/distill/pipeline.js';
import { cli, generateReviews, tempDir, writeLabeledTsv } from './student-fixtures.js';
import { freePort, startService } from './service-helpers.js';

const dir = tempDir('ernie-slim-compact-everywhere-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const trainFile = writeLabeledTsv(dir, 'train.tsv', generateReviews(400, 41));
const devRows = generateReviews(60, 42);
const devFile = writeLabeledTsv(dir, 'dev.tsv', devRows);
const texts = devRows.map((r) => r.text);
const floatFile = path.join(dir, 'float.bin');
const compactFile = path.join(dir, 'compact.bin');
const onnxFile = path.join(dir, 'compact.onnx');
const lastJson = (stdout) => JSON.parse(stdout.trim().split('\n').at(-1));
let compact;

function softmax(logits) {
  const max = Math.max(...logits);
  const e = logits.map((x) => Math.exp(x - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

function assertClose(a, b, what) {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4, `${what}: ${a} vs ${b}`);
}

before(async () => {
  const flags = ['--epochs', '3', '--lr', '0.01', '--emb-dim', '16', '--hidden', '8', '--ngrams', '2'];
  const trained = cli(['train', '--train', trainFile, '--out', floatFile, ...flags, '--buckets', '3000']);
  assert.equal(trained.status, 0, trained.stderr);
  const q = cli(['quantize', '--model', floatFile, '--out', compactFile, '--cutoff', '80', '--dsub', '2', '--qout']);
  assert.equal(q.status, 0, q.stderr);
  compact = await Student.load(compactFile);
  assert.ok(compact.compact);
});

test('export --model COMPACT.bin: a compact ONNX student with the compact probabilities', async () => {
  const run = cli(['export', '--model', compactFile, '--onnx', onnxFile, '--json']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(lastJson(run.stdout).onnx, onnxFile);
  const onnx = await Student.load(onnxFile);
  assert.ok(onnx.compact, 'read back compact');
  for (const text of texts.slice(0, 20)) assertClose(onnx.predict(text).probs, compact.predict(text).probs, text);
  const batch = await onnx.predictBatch(texts);
  batch.forEach((p, i) => assertClose(p.probs, compact.predict(texts[i]).probs, texts[i]));
});

test('label --teacher COMPACT.onnx: the compact student as the teacher, logits as its own', () => {
  const out = path.join(dir, 'labeled.tsv');
  const input = 'text_a\n' + texts.join('\n') + '\n';
  fs.writeFileSync(path.join(dir, 'texts.tsv'), input);
  const run = cli(['label', '--teacher', onnxFile, '--input', path.join(dir, 'texts.tsv'), '--output', out, '--soft']);
  assert.equal(run.status, 0, run.stderr);
  const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
  const header = lines[0].split('\t');
  const [ti, li, gi] = ['text_a', 'label', 'logits'].map((c) => header.indexOf(c));
  assert.equal(lines.length - 1, texts.length);
  for (const line of lines.slice(1)) {
    const fields = line.split('\t');
    const expected = compact.predict(fields[ti]);
    assert.equal(fields[li], expected.label, fields[ti]);
    assertClose(softmax(fields[gi].split(',').map(Number)), expected.probs, fields[ti]);
  }
});

test('serve COMPACT.onnx: a text request answers the compact probabilities', async () => {
  const port = await freePort();
  const service = await startService(['--teacher', onnxFile], port);
  try {
    const response = await fetch(`http://127.0.0.1:${port}/v2/models/teacher/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'text', shape: [5, 1], datatype: 'BYTES', data: texts.slice(0, 5) }] }),
    });
    assert.equal(response.status, 200);
    const [out] = (await response.json()).outputs;
    const width = out.shape[1];
    assert.equal(width, 2);
    for (let r = 0; r < 5; r++)
      assertClose(softmax(out.data.slice(r * width, (r + 1) * width)), compact.predict(texts[r]).probs, texts[r]);
  } finally {
    service.kill('SIGTERM');
  }
});

test('online distillation with the compact student as the teacher', async () => {
  const unlabeled = path.join(dir, 'unlabeled.txt');
  fs.writeFileSync(
    unlabeled,
    generateReviews(300, 43)
      .map((r) => r.text)
      .join('\n') + '\n',
  );
  const { metrics } = await distill({
    teacher: [onnxFile],
    train: trainFile,
    dev: devFile,
    unlabeled,
    augmentTimes: 0,
    online: true,
    epochs: 2,
    baseline: false,
    threads: 1,
    seed: 2,
    ernieBaseSpeedup: false,
    out: path.join(dir, 'online'),
  });
  assert.equal(metrics.teacher.online, true);
  const correct = devRows.filter((r) => compact.predict(r.text).label === r.label).length;
  assert.equal(metrics.teacher_accuracy, correct / devRows.length, "the teacher's dev accuracy is the compact one's");
  assert.equal(typeof metrics.student_accuracy, 'number');
});

// quantize --teacher: int8 dynamic quantization of make-teacher graphs (both styles), a Gemm graph shaped like the
// Hugging Face/optimum exports, and an exported student; the CLI's refusals; distill --quantize-teacher end to end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeCharacterTeacher } from './teacher-fixtures.js';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import {
  makeTeacher,
  quantizeDynamic,
  quantizeTeacherFile,
  train,
  exportOnnx,
  Student,
  Teacher,
  INT8_METADATA_KEY,
} from '../dist/index.js';
import { GraphBuilder } from '../dist/onnx/graph-builder.js';
import { distill } from '../dist/distill/pipeline.js';
import { demoRows, demoLabeledTsv, demoTextLines } from '../dist/distill/demo-data.js';
import { generateReviews, writeLabeledTsv } from './student-fixtures.js';

const { onnx } = onnxProto;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const VOCAB = 300;
let dir;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-quantize-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function runCli(args) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

function lcg(seed) {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 4294967296;
}

function teacherBytes(style, overrides = {}) {
  return makeTeacher(
    {
      vocabSize: VOCAB,
      padId: 0,
      layers: 2,
      hidden: 64,
      heads: 4,
      intermediate: 128,
      maxPositions: 64,
      typeVocabSize: 2,
      labels: 3,
      style,
      idType: 'int64',
      seed: 3,
      ...overrides,
    },
    { labels: ['a', 'b', 'c'] },
  );
}

/** 48 rows of random ids, lengths 3..24, padded with 0; [CLS]-like id 2 first. */
function teacherFeeds(style) {
  const rng = lcg(11);
  const rows = 48;
  const seq = 24;
  const ids = new BigInt64Array(rows * seq);
  const mask = new BigInt64Array(rows * seq);
  for (let r = 0; r < rows; r++) {
    const len = 3 + Math.floor(rng() * (seq - 3));
    for (let j = 0; j < len; j++) {
      ids[r * seq + j] = j === 0 ? 2n : BigInt(5 + Math.floor(rng() * (VOCAB - 5)));
      mask[r * seq + j] = 1n;
    }
  }
  const feeds = {
    input_ids: new ort.Tensor('int64', ids, [rows, seq]),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(rows * seq), [rows, seq]),
  };
  if (style === 'bert') feeds.attention_mask = new ort.Tensor('int64', mask, [rows, seq]);
  return feeds;
}

async function logitsOf(bytes, feeds) {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
  const out = await session.run(feeds);
  await session.release();
  return { data: out.logits.data, dims: out.logits.dims };
}

/** Mean and max |int8 - fp32| relative to the spread of the fp32 logits, and the argmax agreement. */
function compare(fp32, int8, labels) {
  let maxDiff = 0;
  let sumDiff = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < fp32.length; i++) {
    const d = Math.abs(fp32[i] - int8[i]);
    maxDiff = Math.max(maxDiff, d);
    sumDiff += d;
    lo = Math.min(lo, fp32[i]);
    hi = Math.max(hi, fp32[i]);
  }
  const argmax = (a, r) => {
    let best = 0;
    for (let k = 1; k < labels; k++) if (a[r * labels + k] > a[r * labels + best]) best = k;
    return best;
  };
  let agree = 0;
  const rows = fp32.length / labels;
  for (let r = 0; r < rows; r++) if (argmax(fp32, r) === argmax(int8, r)) agree++;
  return { relMax: maxDiff / (hi - lo), relMean: sumDiff / fp32.length / (hi - lo), agreement: agree / rows };
}

function decode(bytes) {
  return onnx.ModelProto.decode(bytes);
}

for (const style of ['ernie', 'bert']) {
  for (const perChannel of [false, true]) {
    test(`${style} teacher, ${perChannel ? 'per-channel' : 'per-tensor'}: runs in onnxruntime, logits close to fp32, labels agree, interface kept`, async () => {
      const fp32 = teacherBytes(style);
      const result = quantizeDynamic(fp32, { perChannel });
      // 2 layers x 6 dense + pooler + classifier; word, position and token-type embeddings.
      assert.equal(result.layers.filter((l) => l.op === 'MatMul').length, 14);
      assert.equal(result.layers.filter((l) => l.op === 'Gather').length, 3);
      assert.equal(result.operators, 'integer');
      const feeds = teacherFeeds(style);
      const a = await logitsOf(fp32, feeds);
      const b = await logitsOf(result.bytes, feeds);
      assert.deepEqual(b.dims, a.dims);
      const c = compare(a.data, b.data, 3);
      // A random-weight teacher's logits span a narrow range, so a few hundredths of it is int8's rounding.
      assert.ok(c.relMax < 0.08, `max |int8 - fp32| = ${(c.relMax * 100).toFixed(2)}% of the logit range`);
      assert.ok(c.relMean < 0.025, `mean |int8 - fp32| = ${(c.relMean * 100).toFixed(2)}% of the logit range`);
      assert.ok(c.agreement >= 0.9, `labels agree on ${(c.agreement * 100).toFixed(1)}%`);

      const before = decode(fp32);
      const q = decode(result.bytes);
      const io = (m) =>
        JSON.stringify([
          m.graph.input.map((i) => [i.name, i.type.tensorType.elemType]),
          m.graph.output.map((o) => [o.name, o.type.tensorType.elemType]),
        ]);
      assert.equal(io(q), io(before));
      const meta = (m) => Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
      const { [INT8_METADATA_KEY]: record, ...rest } = meta(q);
      assert.deepEqual(rest, meta(before));
      assert.equal(JSON.parse(record).per_channel, perChannel);
      assert.ok(q.opsetImport.some((o) => o.domain === '' && o.version >= 11));
      // No float dense weight is left; each int8 weight has one scale, or one per output column.
      const inits = new Map(q.graph.initializer.map((t) => [t.name, t]));
      assert.ok(
        !inits.has('encoder.layer.0.intermediate.dense.weight') && !inits.has('embeddings.word_embeddings.weight'),
      );
      const up = inits.get('encoder.layer.0.intermediate.dense.weight_int8');
      assert.equal(up.dataType, onnx.TensorProto.DataType.INT8);
      assert.deepEqual(up.dims.map(Number), [64, 128]);
      assert.deepEqual(
        inits.get('encoder.layer.0.intermediate.dense.weight_scale').dims.map(Number),
        perChannel ? [128] : [],
      );
      assert.ok(result.bytes.length < fp32.length / 3, `${fp32.length} -> ${result.bytes.length} bytes`);
    });
  }
}

test('per-channel scales are the closer of the two on a weight whose columns differ in scale', async () => {
  // One MatMul whose columns are scaled by 1, 10 and 100: one scale for all rounds the small column away.
  const rng = lcg(17);
  const g = new GraphBuilder('skewed');
  const w = Float32Array.from({ length: 32 * 3 }, (_, i) => (rng() * 2 - 1) * [1, 10, 100][i % 3]);
  g.node('MatMul', [g.input('x', 'float32', ['batch', 32]), g.floatTensor('w', [32, 3], w)], {}, ['logits']);
  g.output('logits', 'float32', ['batch', 3]);
  const fp32 = g.encode({ opset: 17, producerVersion: 'test' });
  const feeds = {
    x: new ort.Tensor(
      'float32',
      Float32Array.from({ length: 64 * 32 }, () => rng() * 2 - 1),
      [64, 32],
    ),
  };
  const a = (await logitsOf(fp32, feeds)).data;
  const column0Error = async (perChannel) => {
    const b = (await logitsOf(quantizeDynamic(fp32, { perChannel }).bytes, feeds)).data;
    let sum = 0;
    let size = 0;
    for (let r = 0; r < 64; r++) {
      sum += Math.abs(a[r * 3] - b[r * 3]);
      size += Math.abs(a[r * 3]);
    }
    return sum / size;
  };
  const [perTensor, perChannel] = [await column0Error(false), await column0Error(true)];
  assert.ok(perChannel < 0.02, `per-channel: column 0 off by ${(perChannel * 100).toFixed(2)}%`);
  assert.ok(perTensor > 5 * perChannel, `column 0 relative error: per-channel ${perChannel}, per-tensor ${perTensor}`);
});

test('--exclude keeps the named node (or weight) in float', async () => {
  const fp32 = teacherBytes('bert');
  const nodeName = decode(fp32).graph.node.find(
    (n) => n.opType === 'MatMul' && n.input[1] === 'pooler.dense.weight',
  ).name;
  const result = quantizeDynamic(fp32, { exclude: ['classifier.weight', nodeName] });
  assert.equal(result.excluded.length, 2);
  const q = decode(result.bytes);
  for (const weight of ['classifier.weight', 'pooler.dense.weight']) {
    assert.equal(q.graph.initializer.find((t) => t.name === weight)?.dataType, onnx.TensorProto.DataType.FLOAT, weight);
    assert.ok(
      q.graph.node.some((n) => n.opType === 'MatMul' && n.input[1] === weight),
      `a float MatMul reads ${weight}`,
    );
  }
  assert.equal(q.graph.node.filter((n) => n.opType === 'MatMulInteger').length, 12);
  const feeds = teacherFeeds('bert');
  const c = compare((await logitsOf(fp32, feeds)).data, (await logitsOf(result.bytes, feeds)).data, 3);
  assert.ok(c.relMax < 0.08, `${c.relMax}`);
});

test('every operator form gives the same logits; the fused forms absorb the bias Add', async () => {
  const fp32 = teacherBytes('ernie');
  const feeds = teacherFeeds('ernie');
  const forms = {};
  for (const operators of ['integer', 'integer-to-float', 'dynamic-quantize-matmul']) {
    const r = quantizeDynamic(fp32, { operators });
    forms[operators] = { logits: (await logitsOf(r.bytes, feeds)).data, nodes: decode(r.bytes).graph.node };
  }
  const addCount = (nodes) => nodes.filter((n) => n.opType === 'Add').length;
  assert.equal(addCount(forms['integer-to-float'].nodes), addCount(forms.integer.nodes) - 14);
  assert.equal(
    forms['dynamic-quantize-matmul'].nodes.filter(
      (n) => n.opType === 'DynamicQuantizeMatMul' && n.domain === 'com.microsoft',
    ).length,
    14,
  );
  // Q, K and V read one activation: quantized once for all three.
  assert.equal(forms['integer-to-float'].nodes.filter((n) => n.opType === 'DynamicQuantizeLinear').length, 2 * 4 + 2);
  for (const name of ['integer-to-float', 'dynamic-quantize-matmul']) {
    const worst = forms.integer.logits.reduce((m, v, i) => Math.max(m, Math.abs(v - forms[name].logits[i])), 0);
    assert.ok(worst < 1e-4, `${name}: ${worst}`);
  }
});

/** x [batch, 16] -> Gemm(transB, bias) -> Relu -> Gemm(plain weight, beta 0.5, C [1, 8]) -> MatMul + Add -> logits. */
function gemmGraph() {
  const rng = lcg(5);
  const fill = (n, s = 0.3) => Float32Array.from({ length: n }, () => (rng() * 2 - 1) * s);
  const g = new GraphBuilder('gemm_classifier');
  const x = g.input('features', 'float32', ['batch', 16]);
  const h = g.op(
    'Gemm',
    [x, g.floatTensor('dense.weight', [32, 16], fill(512)), g.floatTensor('dense.bias', [32], fill(32))],
    { transB: 1 },
  );
  const h2 = g.op(
    'Gemm',
    [g.op('Relu', [h]), g.floatTensor('mid.weight', [32, 8], fill(256)), g.floatTensor('mid.bias', [1, 8], fill(8))],
    { beta: { float: 0.5 } },
  );
  g.node(
    'Add',
    [
      g.op('MatMul', [g.op('Tanh', [h2]), g.floatTensor('out.weight', [8, 3], fill(24))]),
      g.floatTensor('out.bias', [3], fill(3)),
    ],
    {},
    ['logits'],
  );
  g.output('logits', 'float32', ['batch', 3]);
  return g.encode({ opset: 13, producerVersion: 'test', metadata: { labels: 'x,y,z' } });
}

test('Gemm with transB (Hugging Face/optimum shape) and beta: int8 logits follow fp32', async () => {
  const fp32 = gemmGraph();
  const rng = lcg(9);
  const feeds = {
    features: new ort.Tensor(
      'float32',
      Float32Array.from({ length: 64 * 16 }, () => rng() * 2 - 1),
      [64, 16],
    ),
  };
  const a = await logitsOf(fp32, feeds);
  for (const operators of ['integer', 'integer-to-float', 'dynamic-quantize-matmul']) {
    for (const perChannel of [false, true]) {
      const r = quantizeDynamic(fp32, { operators, perChannel });
      assert.deepEqual(
        r.layers.map((l) => [l.op, l.shape]),
        [
          ['Gemm', [16, 32]],
          ['Gemm', [32, 8]],
          ['MatMul', [8, 3]],
        ],
      );
      const c = compare(a.data, (await logitsOf(r.bytes, feeds)).data, 3);
      assert.ok(c.relMax < 0.03 && c.agreement >= 0.95, `${operators} ${perChannel}: ${JSON.stringify(c)}`);
      assert.ok(!decode(r.bytes).graph.node.some((n) => n.opType === 'Gemm'));
    }
  }
});

test('an exported student: quantized, it still loads as a student and a teacher, predictions agree', async () => {
  const trainFile = writeLabeledTsv(dir, 'student-train.tsv', generateReviews(300, 21));
  const trained = await train({
    train: trainFile,
    model: 'bow',
    epochs: 2,
    threads: 1,
    seed: 5,
    embDim: 16,
    hidden: 8,
  });
  const file = path.join(dir, 'student.onnx');
  await exportOnnx(trained.student.toData(), file);
  const out = path.join(dir, 'student-int8.onnx');
  const r = await quantizeTeacherFile({ teacher: file, out, perChannel: true });
  assert.deepEqual(
    r.layers.map((l) => `${l.op} ${l.weight}`),
    ['Gather embedding', 'MatMul dense1.weight', 'MatMul dense2.weight'],
  );
  const texts = generateReviews(60, 99).map((row) => row.text);
  const fp32 = await Student.load(file, { runtime: 'onnxruntime', threads: 1 });
  const int8 = await Student.load(out, { runtime: 'onnxruntime', threads: 1 });
  const [a, b] = [await fp32.predictBatch(texts), await int8.predictBatch(texts)];
  const agree = a.filter((p, i) => p.label === b[i].label).length / texts.length;
  assert.ok(agree >= 0.95, `agreement ${agree}`);
  // The native model reads the int8 weights back as float: the same predictions as the int8 graph.
  assert.equal(int8.predict(texts[0]).label, b[0].label);
  const teacher = await Teacher.open(out, { threads: 1 });
  assert.deepEqual(teacher.labelNames, [...fp32.labels]);
  const logits = await teacher.score(texts.slice(0, 5));
  assert.equal(logits.length, 5);
  await Promise.all([fp32.close(), int8.close(), teacher.close()]);
});

test('CLI: writes the model and --json; refusals are one line with exit 1 (file) or 2 (usage), nothing written', () => {
  const teacher = path.join(dir, 'cli-teacher.onnx');
  fs.writeFileSync(teacher, teacherBytes('ernie'));
  const out = path.join(dir, 'cli-int8.onnx');
  const ok = runCli(['quantize', '--teacher', teacher, '--out', out, '--per-channel', '--json']);
  assert.equal(ok.status, 0, ok.stderr);
  const summary = JSON.parse(ok.stdout.trim().split('\n').at(-1));
  assert.equal(summary.quantized.length, 17);
  assert.equal(summary.per_channel, true);
  assert.equal(summary.output_bytes, fs.statSync(out).size);

  const noMatMul = new GraphBuilder('no_dense');
  noMatMul.node('Relu', [noMatMul.input('x', 'float32', ['batch', 4])], {}, ['y']);
  noMatMul.output('y', 'float32', ['batch', 4]);
  const plain = path.join(dir, 'relu.onnx');
  fs.writeFileSync(plain, noMatMul.encode({ opset: 17, producerVersion: 'test' }));
  const garbage = path.join(dir, 'garbage.onnx');
  fs.writeFileSync(garbage, 'this is not a protobuf message\n');

  const target = path.join(dir, 'refused.onnx');
  const cases = [
    [['quantize', '--out', target], 2, 'ernie-slim: give --teacher IN.onnx: quantize works on ONNX teachers'],
    [['quantize', '--teacher', teacher], 2, 'ernie-slim: --out is required (the quantized .onnx file)'],
    [
      ['quantize', '--teacher', path.join(dir, 'missing.onnx'), '--out', target],
      1,
      `ernie-slim: ${path.join(dir, 'missing.onnx')}: cannot read the teacher (ENOENT)`,
    ],
    [
      ['quantize', '--teacher', plain, '--out', target],
      1,
      `ernie-slim: ${plain}: nothing to quantize: no MatMul or Gemm node with a constant 2-D float32 weight (the graph has none)`,
    ],
    [['quantize', '--teacher', out, '--out', target], 1, `ernie-slim: ${out}: the model is already quantized to int8`],
    [
      ['quantize', '--teacher', teacher, '--out', target, '--exclude', 'no_such_node'],
      2,
      'ernie-slim: --exclude no_such_node: the graph has no node or weight of that name',
    ],
  ];
  for (const [args, status, message] of cases) {
    const r = runCli(args);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim(), message);
  }
  const bad = runCli(['quantize', '--teacher', garbage, '--out', target]);
  assert.equal(bad.status, 1);
  assert.match(
    bad.stderr.trim(),
    new RegExp(`^ernie-slim: ${garbage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not an ONNX model \\(.*\\)$`),
  );
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.ok(!fs.existsSync(target));
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
  );
});

test('distill --quantize-teacher: the int8 teacher labels, cached apart from fp32 labels; report and metrics say int8', async () => {
  const train = demoRows(120, 11);
  const dev = demoRows(80, 12);
  const unlabeled = demoRows(100, 13);
  const write = (name, text) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const { vocab, teacher } = writeCharacterTeacher(dir, [...train, ...dev, ...unlabeled], 'distill-teacher.onnx');
  const out = path.join(dir, 'distill-out');
  const options = {
    teacher: [teacher],
    vocab,
    train: write('d-train.tsv', demoLabeledTsv(train)),
    dev: write('d-dev.tsv', demoLabeledTsv(dev)),
    unlabeled: write('d-unlabeled.txt', demoTextLines(unlabeled)),
    augmentTimes: 0,
    epochs: 1,
    baseline: false,
    out,
    seed: 3,
    threads: 1,
    ernieBaseSpeedup: false,
  };
  const steps = [];
  const int8 = await distill({ ...options, quantizeTeacher: true, onStep: (l) => steps.push(l) });
  assert.deepEqual(int8.metrics.teacher.int8, {
    weights: 11,
    per_channel: true,
    reduce_range: int8.metrics.teacher.int8.reduce_range,
  });
  assert.equal(int8.metrics.teacher.source, teacher);
  assert.ok(
    steps.some((l) => l.includes('quantized to int8: 11 weights')),
    steps.join('\n'),
  );
  const metrics = JSON.parse(fs.readFileSync(int8.files.metrics, 'utf8'));
  assert.equal(metrics.teacher.int8.weights, 11);
  assert.match(
    fs.readFileSync(int8.files.report, 'utf8'),
    /^The teacher ran in int8 \(`--quantize-teacher`: 11 weights quantized, per-channel scales/m,
  );
  const labels = (files) =>
    files.map((f) =>
      fs
        .readFileSync(f, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split('\t')),
    );

  // fp32 in the same folder: labeled anew (the cache key tells them apart), and the soft labels stay close.
  const fp32 = await distill({ ...options, onStep: () => {} });
  assert.equal(fp32.metrics.cache.labels_made, 1);
  assert.equal(fp32.metrics.teacher.int8, null);
  assert.doesNotMatch(fs.readFileSync(fp32.files.report, 'utf8'), /int8/);
  assert.notDeepEqual(fp32.files.labels, int8.files.labels);
  const [a, b] = [labels(fp32.files.labels)[0], labels(int8.files.labels)[0]];
  assert.equal(a.length, 100);
  let worst = 0;
  let range = 0;
  a.forEach((row, i) => {
    const x = row[2].split(',').map(Number);
    const y = b[i][2].split(',').map(Number);
    x.forEach((v, k) => {
      worst = Math.max(worst, Math.abs(v - y[k]));
      range = Math.max(range, Math.abs(v));
    });
  });
  assert.ok(worst < 0.05 * range + 1e-3, `max soft-label difference ${worst} (logits up to ${range})`);

  // Rerun with --quantize-teacher: the int8 teacher and its labels are reused.
  const again = await distill({ ...options, quantizeTeacher: true, onStep: (l) => steps.push(l) });
  assert.equal(again.metrics.cache.labels_reused, 1);
  assert.ok(steps.some((l) => l.startsWith('step 1: int8 teacher reused from')));
  await assert.rejects(
    distill({ ...options, teacher: undefined, teacherUrl: ['http://127.0.0.1:9/v2/models/x'], quantizeTeacher: true }),
    /--quantize-teacher needs ONNX teacher files/,
  );
});

// Teacher inference: tiny generated teachers of both styles and id types, bucketing, order, resume, errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Teacher, makeTeacher, label } from '../dist/index.js';
import { GraphBuilder } from '../dist/onnx/graph-builder.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
let dir;
let vocabPath;
let vocabSize;

const CHARS =
  '的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单差节跑酒店服务环境房间好差';
const WORDS = ['hotel', 'wifi', 'ok', 'good', 'bad', 'nice'];

function makeText(rng, length) {
  let s = '';
  for (let i = 0; i < length; i++) {
    s += rng() < 0.08 ? ` ${WORDS[Math.floor(rng() * WORDS.length)]} ` : CHARS[Math.floor(rng() * CHARS.length)];
  }
  return s.trim() || '好';
}

function lcg(seed) {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 4294967296;
}

function writeTeacher(name, overrides) {
  const bytes = makeTeacher({
    vocabSize,
    padId: 0,
    layers: 2,
    hidden: 32,
    heads: 4,
    intermediate: 64,
    maxPositions: 128,
    typeVocabSize: 2,
    labels: 3,
    style: 'ernie',
    idType: 'int64',
    seed: 7,
    ...overrides,
  });
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

function runCli(args, input) {
  return spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8' });
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-teacher-'));
  const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...new Set(CHARS), ...WORDS, '##s'];
  vocabSize = tokens.length;
  vocabPath = path.join(dir, 'vocab.txt');
  fs.writeFileSync(vocabPath, tokens.join('\n') + '\n');
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

for (const [style, idType] of [
  ['ernie', 'int64'],
  ['bert', 'int64'],
  ['ernie', 'int32'],
  ['bert', 'int32'],
]) {
  test(`${style} ${idType}: logits in a padded bucketed batch equal the text's logits alone`, async () => {
    const model = writeTeacher(`${style}-${idType}.onnx`, { style, idType });
    const teacher = await Teacher.open(model, { vocab: vocabPath, maxLength: 64 });
    try {
      const rng = lcg(3);
      const texts = Array.from({ length: 40 }, (_, i) => makeText(rng, 2 + ((i * 7) % 50)));
      const together = await teacher.score(texts, { batchSize: 16 });
      assert.equal(together.length, texts.length);
      for (let i = 0; i < texts.length; i += 5) {
        const [alone] = await teacher.score([texts[i]]);
        assert.equal(alone.length, 3);
        for (let j = 0; j < 3; j++)
          assert.ok(
            Math.abs(alone[j] - together[i][j]) < 1e-4,
            `text ${i} label ${j}: ${alone[j]} vs ${together[i][j]}`,
          );
      }
      // Different texts get different logits: the ids really reach the model.
      assert.notDeepEqual(Array.from(together[0]), Array.from(together[1]));
    } finally {
      await teacher.close();
    }
  });
}

test('pairs: [CLS] a [SEP] b [SEP] with token types, and order kept across buckets', async () => {
  const model = writeTeacher('pairs.onnx', { style: 'bert' });
  const teacher = await Teacher.open(model, { vocab: vocabPath, maxLength: 32 });
  try {
    const rng = lcg(5);
    const pairs = Array.from({ length: 30 }, (_, i) => [makeText(rng, 1 + (i % 20)), makeText(rng, 30 - (i % 25))]);
    const batched = await teacher.score(pairs, { batchSize: 4 });
    for (let i = 0; i < pairs.length; i += 7) {
      const [alone] = await teacher.score([pairs[i]]);
      for (let j = 0; j < 3; j++) assert.ok(Math.abs(alone[j] - batched[i][j]) < 1e-4);
    }
    const swapped = await teacher.score([[pairs[0][1], pairs[0][0]]]);
    assert.notDeepEqual(Array.from(swapped[0]), Array.from(batched[0]), 'token type ids or order must matter');
  } finally {
    await teacher.close();
  }
});

test('several teachers average their logits', async () => {
  const a = writeTeacher('avg-a.onnx', { seed: 1 });
  const b = writeTeacher('avg-b.onnx', { seed: 2 });
  const texts = ['酒店很好', '服务差 wifi bad', '房间'];
  const one = async (m) => {
    const t = await Teacher.open(m, { vocab: vocabPath });
    try {
      return await t.score(texts);
    } finally {
      await t.close();
    }
  };
  const [la, lb, both] = [await one(a), await one(b), await one([a, b])];
  for (let i = 0; i < texts.length; i++) {
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(both[i][j] - (la[i][j] + lb[i][j]) / 2) < 1e-5);
  }
});

test('label: hard and soft output in input order, the same whatever the batch size', async () => {
  const model = writeTeacher('label.onnx', {});
  const rng = lcg(11);
  const input = path.join(dir, 'texts.tsv');
  const texts = Array.from({ length: 300 }, (_, i) => makeText(rng, 1 + ((i * 13) % 90)));
  fs.writeFileSync(input, 'label\ttext_a\n' + texts.map((t) => `0\t${t}`).join('\n') + '\n');
  const outs = [];
  for (const batchSize of [1, 7, 64]) {
    const output = path.join(dir, `labeled-${batchSize}.tsv`);
    const result = await label({ teacher: model, vocab: vocabPath, input, output, soft: true, batchSize, window: 50 });
    assert.equal(result.rows, 300);
    outs.push(fs.readFileSync(output, 'utf8'));
  }
  const lines = outs[0].trimEnd().split('\n');
  assert.equal(lines[0], 'text_a\tlabel\tlogits');
  assert.equal(lines.length, 301);
  lines.slice(1).forEach((line, i) => {
    const [text, hard, logits] = line.split('\t');
    assert.equal(text, texts[i]);
    const values = logits.split(',').map(Number);
    assert.equal(values.length, 3);
    assert.equal(Number(hard), values.indexOf(Math.max(...values)));
  });
  // Batch composition changes rounding in the last bits only.
  for (const other of outs.slice(1)) {
    const a = outs[0].trimEnd().split('\n').slice(1);
    const b = other.trimEnd().split('\n').slice(1);
    a.forEach((line, i) => {
      const x = line.split('\t')[2].split(',').map(Number);
      const y = b[i].split('\t')[2].split(',').map(Number);
      x.forEach((v, j) => assert.ok(Math.abs(v - y[j]) <= 2e-4));
    });
  }
});

test('label --resume after SIGKILL gives the same bytes as an uninterrupted run', async () => {
  const model = writeTeacher('resume.onnx', { layers: 4, hidden: 64 });
  const rng = lcg(13);
  const input = path.join(dir, 'resume.txt');
  fs.writeFileSync(input, Array.from({ length: 6000 }, (_, i) => makeText(rng, 5 + (i % 100))).join('\n') + '\n');
  const common = [
    'label',
    '--teacher',
    model,
    '--vocab',
    vocabPath,
    '--input',
    input,
    '--soft',
    '--window',
    '128',
    '--threads',
    '1',
  ];

  const whole = path.join(dir, 'whole.tsv');
  const full = runCli([...common, '--output', whole]);
  assert.equal(full.status, 0, full.stderr);

  const resumed = path.join(dir, 'resumed.tsv');
  const partial = `${resumed}.partial`;
  const child = spawn(process.execPath, [cli, ...common, '--output', resumed], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  // Kill it once some windows are written, mid-run.
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 25));
    if (fs.existsSync(partial) && fs.statSync(partial).size > 40_000) break;
  }
  child.kill('SIGKILL');
  await exited;
  assert.ok(fs.existsSync(partial), 'an interrupted run leaves OUTPUT.partial');
  assert.ok(!fs.existsSync(resumed), 'an interrupted run never leaves a complete-looking output');
  // Simulate a kill in the middle of a line as well.
  fs.appendFileSync(partial, 'half a li');

  const again = runCli([...common, '--output', resumed, '--resume', '--json']);
  assert.equal(again.status, 0, again.stderr);
  const report = JSON.parse(again.stdout.trim().split('\n').pop());
  assert.ok(report.resumedRows > 0 && report.resumedRows < 6000, `resumed ${report.resumedRows}`);
  assert.equal(report.resumedRows % 128, 0);
  assert.ok(
    fs.readFileSync(resumed).equals(fs.readFileSync(whole)),
    'resumed output differs from the uninterrupted one',
  );
  assert.ok(!fs.existsSync(partial));
});

test('a corrupt model, an input it cannot feed, a vocabulary too big: one clear line each', () => {
  const corrupt = path.join(dir, 'corrupt.onnx');
  fs.writeFileSync(corrupt, Buffer.from('this is not an onnx model at all, just text'));
  let r = runCli(['label', '--teacher', corrupt, '--vocab', vocabPath], '好\n');
  assert.equal(r.status, 1);
  assert.match(r.stderr.trim(), new RegExp(`^ernie-slim: ${escape(corrupt)}: .*(ONNX|onnx)`));
  assert.equal(r.stderr.trim().split('\n').length, 1);

  const g = new GraphBuilder('odd');
  const ids = g.input('input_ids', 'int64', ['b', 's']);
  g.input('pixel_values', 'float32', ['b', 3]);
  g.node('Cast', [g.op('ReduceSum', [ids, g.constInt64([1])], { keepdims: 1 })], { to: 1 }, ['logits']);
  g.output('logits', 'float32', ['b', 1]);
  const odd = path.join(dir, 'odd.onnx');
  fs.writeFileSync(odd, g.encode({ opset: 17, producerVersion: 'test' }));
  r = runCli(['label', '--teacher', odd, '--vocab', vocabPath], '好\n');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /pixel_values/);
  assert.match(r.stderr, /input_ids, pixel_values/);
  assert.equal(r.stderr.trim().split('\n').length, 1);

  const small = writeTeacher('small-vocab.onnx', { vocabSize: 50 });
  r = runCli(['label', '--teacher', small, '--vocab', vocabPath], '好\n');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /vocabulary \(\d+ tokens.*does not fit/);
  assert.equal(r.stderr.trim().split('\n').length, 1);

  r = runCli(['label', '--teacher', small], '好\n');
  assert.equal(r.status, 2, 'no vocabulary is a usage error');
  assert.match(r.stderr, /--vocab/);

  r = runCli(['label', '--teacher', small, '--vocab', vocabPath, '--batch-size', '0'], '好\n');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--batch-size/);
});

test('make-teacher: both styles run in onnxruntime, inputs as the README describes them', async () => {
  const out = path.join(dir, 'made.onnx');
  const r = runCli([
    'make-teacher',
    '--vocab',
    vocabPath,
    '--out',
    out,
    '--layers',
    '1',
    '--hidden',
    '32',
    '--heads',
    '2',
    '--style',
    'bert',
    '--labels',
    '4',
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.ok(report.parameters > vocabSize * 32);
  const ort = (await import('onnxruntime-node')).default;
  const session = await ort.InferenceSession.create(out);
  assert.deepEqual([...session.inputNames], ['input_ids', 'token_type_ids', 'attention_mask']);
  const teacher = await Teacher.open(out, { vocab: vocabPath });
  const [logits] = await teacher.score(['好']);
  assert.equal(logits.length, 4);
  await teacher.close();
  const bad = runCli(['make-teacher', '--vocab', vocabPath, '--out', out, '--hidden', '30', '--heads', '4']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--hidden 30 must be a multiple of --heads 4/);
});

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('--device auto falls back to the CPU with one line; --device cuda without the CUDA provider fails with one', (t) => {
  const ortBin = path.join(root, 'node_modules', 'onnxruntime-node', 'bin');
  const hasCuda =
    fs.existsSync(ortBin) &&
    fs.readdirSync(ortBin, { recursive: true }).some((f) => String(f).includes('providers_cuda'));
  if (hasCuda) return t.skip("onnxruntime-node's CUDA provider is installed here; the fallback cannot be observed");
  const model = writeTeacher('device.onnx', {});
  const auto = runCli(['label', '--teacher', model, '--vocab', vocabPath, '--device', 'auto'], '好\n');
  assert.equal(auto.status, 0, auto.stderr);
  assert.match(auto.stderr, /^ernie-slim: no usable CUDA provider .*runs on the CPU$/m);
  assert.equal(auto.stdout.trim().split('\n').length, 2);
  const cuda = runCli(['label', '--teacher', model, '--vocab', vocabPath, '--device', 'cuda'], '好\n');
  assert.equal(cuda.status, 1);
  assert.equal(cuda.stderr.trim().split('\n').length, 1, cuda.stderr);
  assert.match(cuda.stderr, /--device cuda: .*CUDA provider is not available/);
  // serve and distill open the teacher the same way: one line, exit 1, before any work.
  const serve = runCli(['serve', '--teacher', model, '--vocab', vocabPath, '--device', 'cuda', '--port', '0'], '');
  assert.equal(serve.status, 1, serve.stderr);
  assert.equal(serve.stderr.trim().split('\n').length, 1, serve.stderr);
  assert.match(serve.stderr, /^ernie-slim: --device cuda: .*CUDA provider is not available/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-device-'));
  const tsv = path.join(dir, 'train.tsv');
  fs.writeFileSync(tsv, 'label\ttext_a\n1\t好\n0\t差\n');
  const distill = runCli(
    [
      'distill',
      '--teacher',
      model,
      '--vocab',
      vocabPath,
      '--train',
      tsv,
      '--dev',
      tsv,
      '--device',
      'cuda',
      '--out',
      path.join(dir, 'out'),
    ],
    '',
  );
  assert.equal(distill.status, 1, distill.stderr);
  assert.match(
    distill.stderr.trim().split('\n').at(-1),
    /^ernie-slim: --device cuda: .*CUDA provider is not available/,
  );
  assert.equal(fs.existsSync(path.join(dir, 'out', 'student.bin')), false);
  fs.rmSync(dir, { recursive: true, force: true });
});

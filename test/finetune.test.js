// finetune: a tiny generated checkpoint fine-tuned natively on a generated task (the sentiment word sits in
// text_b, so pairs and token types carry it) learns it; the written folder round-trips through the checkpoint
// reader and convert; teacher.onnx scores dev exactly as the trainer reported; bad input is one line, exit 1/2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { finetune, readCheckpoint, NativeTransformer, Teacher } from '../dist/index.js';
import { writeCheckpoint } from './transformer-helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
let dir;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-finetune-'))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function lcg(seed) {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** label, text_a (filler letters), text_b (filler with 好 for pos, 差 for neg). */
function writeTask(file, rows, seed) {
  const rng = lcg(seed);
  const filler = (n) => Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(rng() * 26)]).join(' ');
  const lines = ['label\ttext_a\ttext_b'];
  const pairs = [];
  for (let i = 0; i < rows; i++) {
    const pos = rng() < 0.5;
    const b = `${filler(1 + Math.floor(rng() * 4))} ${pos ? '好' : '差'} ${filler(Math.floor(rng() * 4))}`.trim();
    const a = filler(2 + Math.floor(rng() * 6));
    lines.push(`${pos ? 'pos' : 'neg'}\t${a}\t${b}`);
    pairs.push({ label: pos ? 'pos' : 'neg', a, b });
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return pairs;
}

let tuned = null; // the first test's run, for eval

test('finetune learns a generated pair task; the folder round-trips; teacher.onnx scores dev as reported', async () => {
  const ckpt = path.join(dir, 'ernie');
  writeCheckpoint(ckpt, { layout: 'ernie', seed: 3, weightScale: 0.035 });
  const train = path.join(dir, 'train.tsv');
  const dev = path.join(dir, 'dev.tsv');
  writeTask(train, 240, 1);
  const devRows = writeTask(dev, 60, 2);
  const out = path.join(dir, 'out');
  const epochs = [];
  const result = await finetune({
    pretrained: ckpt,
    train,
    dev,
    out,
    epochs: 6,
    lr: 3e-3,
    batchSize: 16,
    threads: 2,
    seed: 7,
    onEpoch: (e) => epochs.push(e),
  });
  tuned = { result, dev };
  assert.equal(epochs.length, 6);
  assert.ok(epochs[5].loss < epochs[0].loss, `loss ${epochs.map((e) => e.loss)}`);
  assert.ok(result.devAccuracy >= 0.9, `dev accuracy ${result.devAccuracy}`);
  assert.equal(result.devAccuracy, Math.max(...epochs.map((e) => e.devAccuracy)));
  assert.deepEqual(result.labels, ['neg', 'pos']);
  // The checkpoint's head names negative/positive/neutral: a new one for neg/pos.
  assert.equal(result.headKept, false);
  assert.deepEqual(fs.readdirSync(out).sort(), ['config.json', 'model.safetensors', 'teacher.onnx', 'vocab.txt']);

  // The folder reads back: ernie. keys, the labels in config.json, the head's two classes.
  const back = readCheckpoint(out);
  assert.equal(back.prefix, 'ernie.');
  assert.deepEqual(back.labels, ['neg', 'pos']);
  assert.deepEqual(back.notes, []);
  assert.equal(back.config.labels, 2);
  assert.equal(back.config.taskTypeVocabSize, 3);
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.deepEqual(config.label2id, { neg: 0, pos: 1 });
  assert.deepEqual(config.architectures, ['ErnieForSequenceClassification']);

  // teacher.onnx agrees with the trainer's dev accuracy exactly.
  const teacher = await Teacher.open(result.teacher, { maxLength: 32 });
  try {
    assert.deepEqual(teacher.labelNames, ['neg', 'pos']);
    const logits = await teacher.score(devRows.map((r) => [r.a, r.b]));
    const correct = logits.filter((z, i) => (z[1] > z[0] ? 'pos' : 'neg') === devRows[i].label).length;
    assert.equal(correct / devRows.length, result.devAccuracy);
  } finally {
    await teacher.close();
  }

  // Fine-tuning again from the written folder keeps its head (its labels are the data's).
  const again = await finetune({
    pretrained: out,
    train,
    out: path.join(dir, 'again'),
    epochs: 1,
    lr: 1e-4,
    threads: 1,
  });
  assert.equal(again.headKept, true);
  assert.equal(again.devAccuracy, undefined);
  const net = NativeTransformer.fromWeights(back.config, back.weights);
  assert.equal(net.config.labels, 2);
});

test("the written folder is what transformers' from_pretrained reads: safetensors header and config.json", (t) => {
  if (!tuned) return t.skip('the fine-tuning test did not run');
  const out = tuned.result.out;
  const bytes = fs.readFileSync(path.join(out, 'model.safetensors'));
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal(n % 8, 0, 'the header is padded to 8 bytes');
  const header = JSON.parse(bytes.toString('utf8', 8, 8 + n));
  // load_state_dict refuses a "format" other than pt/tf/flax/mlx; metadata values are strings.
  assert.deepEqual(header.__metadata__, { format: 'pt' });
  const entries = Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  // safetensors' validate(): offsets contiguous from 0, each the size of its shape, the file covered exactly.
  let end = 0;
  for (const [name, e] of entries) {
    assert.equal(e.dtype, 'F32', name);
    assert.equal(e.data_offsets[0], end, name);
    end = e.data_offsets[1];
    assert.equal(end - e.data_offsets[0], 4 * e.shape.reduce((a, b) => a * b, 1), name);
  }
  assert.equal(bytes.length, 8 + n + end);
  // ErnieForSequenceClassification's names: ernie.-prefixed encoder, LayerNorm.weight/bias, the head unprefixed.
  const names = entries.map(([k]) => k);
  assert.ok(names.includes('ernie.embeddings.task_type_embeddings.weight'));
  assert.ok(names.includes('ernie.embeddings.LayerNorm.weight'));
  assert.ok(names.includes('ernie.encoder.layer.0.attention.output.LayerNorm.bias'));
  assert.ok(names.includes('ernie.pooler.dense.weight'));
  assert.deepEqual(names.filter((k) => !k.startsWith('ernie.')).sort(), ['classifier.bias', 'classifier.weight']);
  assert.ok(!names.some((k) => /gamma|beta/.test(k)));

  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.deepEqual(config.architectures, ['ErnieForSequenceClassification']);
  assert.equal(config.model_type, 'ernie');
  assert.deepEqual(config.id2label, { 0: 'neg', 1: 'pos' });
  assert.ok(Object.keys(config.id2label).every((k) => typeof k === 'string'));
  assert.equal(config.num_labels, undefined, 'num_labels follows from id2label');
  assert.equal(config.use_task_id, true);
  assert.equal(config.task_type_vocab_size, header['ernie.embeddings.task_type_embeddings.weight'].shape[0]);
  const shape = (name) => header[name].shape;
  assert.deepEqual(shape('ernie.embeddings.word_embeddings.weight'), [config.vocab_size, config.hidden_size]);
  assert.deepEqual(shape('ernie.embeddings.position_embeddings.weight'), [
    config.max_position_embeddings,
    config.hidden_size,
  ]);
  assert.deepEqual(shape('ernie.embeddings.token_type_embeddings.weight'), [
    config.type_vocab_size,
    config.hidden_size,
  ]);
  // nn.Linear keeps [out, in].
  assert.deepEqual(shape('ernie.encoder.layer.0.intermediate.dense.weight'), [
    config.intermediate_size,
    config.hidden_size,
  ]);
  assert.deepEqual(shape('classifier.weight'), [2, config.hidden_size]);
  assert.equal(
    Object.keys(header).filter((k) => k.includes('encoder.layer.') && k.endsWith('query.weight')).length,
    config.num_hidden_layers,
  );
  for (const key of ['hidden_act', 'layer_norm_eps', 'num_attention_heads', 'pad_token_id'])
    assert.notEqual(config[key], undefined, key);
});

test("eval scores teacher.onnx with the trainer's dev figures (one scoreLogits); bad input is one line", (t) => {
  if (!tuned) return t.skip('the fine-tuning test did not run');
  const run = (args) => spawnSync(process.execPath, [cli, 'eval', ...args], { encoding: 'utf8' });
  const ok = run(['--model', tuned.result.teacher, '--data', tuned.dev, '--threads', '1', '--json']);
  assert.equal(ok.status, 0, ok.stderr);
  const json = JSON.parse(ok.stdout.trim().split('\n').pop());
  assert.equal(json.n, 60);
  assert.equal(json.accuracy, tuned.result.devAccuracy);
  assert.equal(json.macro_f1, tuned.result.devMacroF1);
  // Text pairs are scored as pairs: the order ratio's counts are there (no text_a repeats here, so no query has both labels).
  assert.deepEqual(json.pos_neg, { ratio: null, concordant: 0, discordant: 0, ties: 0, queries: 0 });
  // The vocabulary given by hand gives the same figures.
  const withVocab = run([
    '--model',
    tuned.result.teacher,
    '--data',
    tuned.dev,
    '--vocab',
    path.join(path.dirname(tuned.result.teacher), 'vocab.txt'),
    '--json',
  ]);
  assert.equal(JSON.parse(withVocab.stdout.trim().split('\n').pop()).accuracy, json.accuracy);

  const unknown = path.join(dir, 'eval-unknown.tsv');
  fs.writeFileSync(unknown, 'label\ttext_a\ttext_b\npos\ta b\t好\nmaybe\ta b\t差\n');
  const bad = run(['--model', tuned.result.teacher, '--data', unknown]);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim(), `ernie-slim: ${unknown}:3: unknown label "maybe" (not among the model's labels)`);
  const skipped = run(['--model', tuned.result.teacher, '--data', unknown, '--skip-bad-lines', '--json']);
  assert.equal(skipped.status, 0, skipped.stderr);
  assert.equal(JSON.parse(skipped.stdout.trim().split('\n').pop()).unknown_label_rows, 1);
  const missing = run([
    '--model',
    tuned.result.teacher,
    '--data',
    tuned.dev,
    '--vocab',
    path.join(dir, 'no-vocab.txt'),
  ]);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim(), `ernie-slim: ${path.join(dir, 'no-vocab.txt')}: vocabulary file not found`);
  const student = run(['--model', path.join(dir, 'student.bin'), '--data', tuned.dev, '--vocab', tuned.dev]);
  assert.equal(student.status, 2);
  assert.equal(
    student.stderr.trim(),
    `ernie-slim: --vocab is for teacher .onnx files; ${path.join(dir, 'student.bin')} is a student, which carries its own`,
  );
});

test('finetune CLI: --json ends with the figures; bad input is one line, exit 1 or 2, nothing written', () => {
  const ckpt = path.join(dir, 'bert');
  writeCheckpoint(ckpt, { layout: 'bert', seed: 4, weightScale: 0.035 });
  const train = path.join(dir, 'cli-train.tsv');
  writeTask(train, 40, 5);
  const run = (args) => spawnSync(process.execPath, [cli, 'finetune', ...args], { encoding: 'utf8' });
  const out = path.join(dir, 'cli-out');
  const ok = run([
    '--pretrained',
    ckpt,
    '--train',
    train,
    '--dev',
    train,
    '--out',
    out,
    '--epochs',
    '1',
    '--threads',
    '1',
    '--json',
  ]);
  assert.equal(ok.status, 0, ok.stderr);
  const json = JSON.parse(ok.stdout.trim().split('\n').pop());
  for (const key of ['dev_accuracy', 'dev_macro_f1', 'seconds', 'lines_per_second'])
    assert.equal(typeof json[key], 'number', key);
  assert.ok(fs.existsSync(path.join(out, 'teacher.onnx')));
  const prefixBack = readCheckpoint(out).prefix;
  assert.equal(prefixBack, 'bert.');

  const bad = path.join(dir, 'bad.tsv');
  fs.writeFileSync(bad, 'label\ttext_a\npos\tA\nneg\n');
  const cases = [
    [
      ['--pretrained', ckpt, '--train', bad, '--out', path.join(dir, 'x1')],
      1,
      /^ernie-slim: .*bad\.tsv:3: expected 2 tab-separated columns, found 1\n$/,
    ],
    [
      ['--pretrained', path.join(dir, 'nope'), '--train', train, '--out', path.join(dir, 'x2')],
      1,
      /^ernie-slim: .*nope: not a checkpoint folder/,
    ],
    [
      ['--pretrained', ckpt, '--train', train, '--out', path.join(dir, 'x3'), '--max-len', '100'],
      2,
      /^ernie-slim: --max-len 100 exceeds the checkpoint's 32 positions\n$/,
    ],
    [
      ['--pretrained', ckpt, '--train', train, '--out', path.join(dir, 'x4'), '--lr', '0'],
      2,
      /^ernie-slim: --lr must be a positive number \(got 0\)\n$/,
    ],
  ];
  for (const [args, status, message] of cases) {
    const r = run(args);
    assert.equal(r.status, status, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  for (const x of ['x1', 'x2', 'x3', 'x4']) assert.ok(!fs.existsSync(path.join(dir, x)), x);
});

test('distill --pretrained: step 1 fine-tunes the checkpoint; report.md names the teacher and its dev accuracy; a rerun reuses it', async () => {
  const { distill } = await import('../dist/distill/pipeline.js');
  const ckpt = path.join(dir, 'distill-ckpt');
  writeCheckpoint(ckpt, { layout: 'bert', seed: 6, weightScale: 0.035 });
  const train = path.join(dir, 'distill-train.tsv');
  const dev = path.join(dir, 'distill-dev.tsv');
  writeTask(train, 240, 8);
  writeTask(dev, 40, 9);
  const out = path.join(dir, 'distill-out');
  const steps = [];
  const options = {
    pretrained: ckpt,
    teacherEpochs: 8,
    teacherLr: 3e-3,
    maxLength: 32,
    train,
    dev,
    augmentTimes: 1,
    epochs: 2,
    out,
    seed: 3,
    threads: 2,
    ernieBaseSpeedup: false,
    onStep: (l) => steps.push(l),
  };
  const result = await distill(options);
  const m = result.metrics;
  assert.equal(m.teacher.finetuned.pretrained, ckpt);
  assert.ok(m.teacher.finetuned.dev_accuracy >= 0.9, `fine-tuned dev accuracy ${m.teacher.finetuned.dev_accuracy}`);
  // The teacher's ONNX scores on dev are the fine-tuning's.
  assert.equal(m.teacher_accuracy, m.teacher.finetuned.dev_accuracy);
  assert.ok(fs.existsSync(path.join(out, 'teacher.onnx')));
  const report = fs.readFileSync(result.files.report, 'utf8');
  const pct = (m.teacher.finetuned.dev_accuracy * 100).toFixed(2);
  assert.ok(
    report.includes(
      `| teacher (\`${ckpt}\` fine-tuned by ernie-slim, ${pct}% on dev when fine-tuned, exported to ONNX) |`,
    ),
    report,
  );
  assert.ok(steps.some((l) => l.startsWith(`step 1: fine-tuning ${ckpt}`)));
  steps.length = 0;
  const again = await distill(options);
  assert.ok(
    steps.some((l) => l.startsWith('step 1: fine-tuned teacher reused from')),
    steps.join('\n'),
  );
  assert.equal(again.metrics.teacher.finetuned.dev_accuracy, m.teacher.finetuned.dev_accuracy);
});

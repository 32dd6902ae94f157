// The distill pipeline end to end on small generated data with a tiny teacher: outputs, the label cache,
// checks before any long step, and the demo's deterministic data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeCharacterTeacher } from './teacher-fixtures.js';
import { Student } from '../dist/index.js';
import { distill } from '../dist/distill/pipeline.js';
import { demoRows, demoLabeledTsv, demoTextLines } from '../dist/distill/demo-data.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
let dir;
let files;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-distill-'));
  const write = (name, text) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const train = demoRows(200, 11);
  const dev = demoRows(150, 12);
  const unlabeled = demoRows(300, 13);
  const { vocab, teacher } = writeCharacterTeacher(dir, [...train, ...dev, ...unlabeled]);
  files = {
    vocab,
    teacher,
    train: write('train.tsv', demoLabeledTsv(train)),
    dev: write('dev.tsv', demoLabeledTsv(dev)),
    unlabeled: write('unlabeled.txt', demoTextLines(unlabeled)),
  };
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('distill writes the student, its ONNX, metrics.json and report.md; a rerun reuses the teacher labels', async () => {
  const out = path.join(dir, 'out');
  const steps = [];
  const options = {
    teacher: [files.teacher],
    vocab: files.vocab,
    train: files.train,
    dev: files.dev,
    unlabeled: files.unlabeled,
    augmentTimes: 2,
    epochs: 2,
    out,
    seed: 3,
    threads: 1,
    ernieBaseSpeedup: false,
    onStep: (l) => steps.push(l),
  };
  const first = await distill(options);
  for (const f of ['student.bin', 'student.onnx', 'metrics.json', 'report.md'])
    assert.ok(fs.existsSync(path.join(out, f)), f);
  const metrics = JSON.parse(fs.readFileSync(path.join(out, 'metrics.json'), 'utf8'));
  for (const k of ['teacher_accuracy', 'baseline_accuracy', 'student_accuracy', 'speedup'])
    assert.equal(typeof metrics[k], 'number', k);
  assert.equal(metrics.data.augmented_rows, 400);
  assert.equal(metrics.data.unlabeled_rows, 300);
  assert.equal(metrics.cache.labels_made, 2);
  assert.ok(metrics.speedup > 1, `speed-up ${metrics.speedup}`);
  const report = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(report, /\| teacher .*\| student bow, baseline .*\| student bow, with distillation/s);
  // The student's ONNX and .bin agree, and both load.
  const bin = await Student.load(path.join(out, 'student.bin'));
  const onnx = await Student.load(path.join(out, 'student.onnx'));
  assert.deepEqual(bin.predict('房间很干净').label, onnx.predict('房间很干净').label);
  // The teacher's soft labels were written with one logit per label.
  const cached = fs.readdirSync(path.join(out, 'cache')).filter((f) => f.startsWith('labels-'));
  assert.equal(cached.length, 2);
  const line = fs
    .readFileSync(path.join(out, 'cache', cached[0]), 'utf8')
    .split('\n')[1]
    .split('\t');
  assert.equal(line[2].split(',').length, 2);

  const second = await distill({ ...options, onStep: () => {} });
  assert.equal(second.metrics.cache.labels_reused, 2);
  assert.equal(second.metrics.cache.labels_made, 0);
  assert.equal(second.metrics.student_accuracy, first.metrics.student_accuracy, 'same seed, same labels, same student');
});

test("distill --quantize writes the compact student (retrained on the run's data) and reports both sizes and accuracies", async () => {
  const out = path.join(dir, 'out-compact');
  const { metrics } = await distill({
    teacher: [files.teacher],
    vocab: files.vocab,
    train: files.train,
    dev: files.dev,
    augmentTimes: 2,
    epochs: 2,
    baseline: false,
    out,
    seed: 3,
    threads: 1,
    ernieBaseSpeedup: false,
    quantize: true,
    cutoff: 40,
    dsub: 2,
    retrain: true,
  });
  const c = metrics.compact;
  const studentFile = path.join(out, 'student.bin');
  assert.equal(fs.readFileSync(studentFile).readUInt32LE(8), 3, 'student.bin is the compact (version-3) file');
  assert.equal(c.compact_bytes, fs.statSync(studentFile).size);
  assert.ok(c.float_bytes > 0 && c.embedding_rows > 40, JSON.stringify(c));
  assert.equal(c.kept_rows, 40);
  assert.equal(c.dsub, 2);
  assert.equal(c.retrain_epochs, 2);
  assert.equal(c.float_accuracy, metrics.student_accuracy);
  const compact = await Student.load(studentFile);
  assert.ok(compact.compact);
  const devRows = fs
    .readFileSync(files.dev, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'));
  const correct = devRows.filter(([label, text]) => compact.predict(text).label === label).length;
  assert.equal(c.compact_accuracy, correct / devRows.length);
  const report = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
  const pct = (x) => `${(x * 100).toFixed(2)}%`;
  assert.ok(report.includes(`| float | ${mb(c.float_bytes)} | ${pct(c.float_accuracy)} |`), report);
  assert.ok(report.includes(`| compact | ${mb(c.compact_bytes)} | ${pct(c.compact_accuracy)} |`), report);
  // student.onnx is the compact student's export: the same probabilities.
  const onnx = await Student.load(path.join(out, 'student.onnx'));
  for (const [, text] of devRows.slice(0, 20)) {
    const a = compact.predict(text).probs,
      b = onnx.predict(text).probs;
    for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k] - b[k]) < 1e-4, `${text}: ${a} vs ${b}`);
  }
  const flags = ['distill', '--teacher', files.teacher, '--vocab', files.vocab, '--train', files.train];
  const run = (...more) =>
    spawnSync(process.execPath, [cli, ...flags, '--dev', files.dev, '--out', path.join(dir, 'x'), ...more], {
      encoding: 'utf8',
    });
  for (const [more, message] of [
    [['--cutoff', '10'], '--cutoff, --dsub, --qnorm, --qout and --retrain go with --quantize'],
    [
      ['--quantize', '--student', 'cnn'],
      '--quantize makes compact bow students; a cnn student keeps its float embeddings',
    ],
    [['--quantize', '--dsub', '0'], '--dsub must be a positive integer (got 0)'],
  ]) {
    const r = run(...more);
    assert.equal(r.status, 2, more.join(' '));
    assert.equal(r.stderr, `ernie-slim: ${message}\n`);
  }
});

test('bad input fails before any long step, with one line naming file:line', () => {
  const bad = path.join(dir, 'bad-dev.tsv');
  fs.writeFileSync(bad, 'label\ttext_a\n1\t很好\n0\t差\tEXTRA\n');
  const out = path.join(dir, 'bad-out');
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    [
      cli,
      'distill',
      '--teacher',
      files.teacher,
      '--vocab',
      files.vocab,
      '--train',
      files.train,
      '--dev',
      bad,
      '--out',
      out,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: `));
  const cache = path.join(out, 'cache');
  assert.ok(
    !fs.existsSync(cache) ||
      fs.readdirSync(cache).every((f) => !f.startsWith('labels-') && !f.startsWith('augmented-')),
    'nothing was augmented or labeled',
  );
  assert.ok(Date.now() - started < 20_000);

  const tooBig = spawnSync(
    process.execPath,
    [
      cli,
      'distill',
      '--teacher',
      files.teacher,
      '--vocab',
      '/nonexistent/vocab.txt',
      '--train',
      files.train,
      '--dev',
      files.dev,
      '--out',
      out,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(tooBig.status, 1);
  assert.match(tooBig.stderr, /\/nonexistent\/vocab.txt/);

  const usage = spawnSync(
    process.execPath,
    [cli, 'distill', '--train', files.train, '--dev', files.dev, '--out', out],
    { encoding: 'utf8' },
  );
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--teacher/);
});

test("the demo's generated data is deterministic per seed", () => {
  assert.equal(demoLabeledTsv(demoRows(50, 1)), demoLabeledTsv(demoRows(50, 1)));
  assert.notEqual(demoLabeledTsv(demoRows(50, 1)), demoLabeledTsv(demoRows(50, 2)));
  const rows = demoRows(400, 9);
  const positive = rows.filter((r) => r.label === '1').length;
  assert.ok(positive > 120 && positive < 280, `balanced labels (${positive}/400 positive)`);
  assert.ok(rows.every((r) => r.text.length > 3 && !r.text.includes('\t')));
});

test('bench prints the speed table; --json gives the figures', () => {
  const trained = spawnSync(
    process.execPath,
    [
      cli,
      'train',
      '--train',
      files.train,
      '--model',
      'bow',
      '--epochs',
      '1',
      '--out',
      path.join(dir, 'bench-student.bin'),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(trained.status, 0, trained.stderr);
  const args = [
    cli,
    'bench',
    '--teacher',
    files.teacher,
    '--vocab',
    files.vocab,
    '--student',
    path.join(dir, 'bench-student.bin'),
    '--data',
    files.unlabeled,
    '--sentences',
    '100',
    '--teacher-sentences',
    '16',
  ];
  const json = spawnSync(process.execPath, [...args, '--json'], { encoding: 'utf8' });
  assert.equal(json.status, 0, json.stderr);
  const t = JSON.parse(json.stdout.trim().split('\n').pop());
  assert.equal(t.sentences, 100);
  for (const v of [
    t.tokenizer.linesPerSecond,
    t.student.predictP50Microseconds,
    t.student.predictBatchPerSecond,
    t.teacher.sentencesPerSecond,
    t.speedup,
  ])
    assert.ok(v > 0);
  assert.ok(t.student.predictP99Microseconds >= t.student.predictP50Microseconds);
  const table = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.match(table.stdout, /speed-up .* \d+x/);
});

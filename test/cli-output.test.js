// Where each command's output goes: results and summaries on stdout, progress and logs on stderr; with --json,
// the JSON object is stdout's last line and the human summary moves to stderr; when stdout carries the data,
// it carries nothing else.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { cli, cliMain, generateReviews, tempDir, writeLabeledTsv } from './student-fixtures.js';
import { writeFixtureVocabs } from './tokenizer-reference.js';
import { tinyTeacher } from './teacher-fixtures.js';

// Machines this busy can take seconds over these small jobs: no periodic progress lines here.
process.env.ERNIE_SLIM_PROGRESS_SECONDS = '3600';

let dir;
let vocabs;
let trainFile;
let teacher;
let texts;
before(() => {
  dir = tempDir('ernie-slim-output-');
  vocabs = writeFixtureVocabs();
  trainFile = writeLabeledTsv(dir, 'train.tsv', generateReviews(300, 4));
  teacher = path.join(dir, 'teacher.onnx');
  fs.writeFileSync(teacher, tinyTeacher(vocabs.tokens.length));
  texts = path.join(dir, 'texts.txt');
  fs.writeFileSync(texts, 'hello world\n中国 playing\n好的\n');
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(vocabs.dir, { recursive: true, force: true });
});

const lastJson = (stdout) => JSON.parse(stdout.trim().split('\n').at(-1));

test('train: epochs on stderr, the summary on stdout (stderr with --json)', () => {
  const model = path.join(dir, 'm.bin');
  const run = cli([
    'train',
    '--train',
    trainFile,
    '--dev',
    trainFile,
    '--epochs',
    '2',
    '--threads',
    '1',
    '--out',
    model,
  ]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(
    run.stdout,
    new RegExp(
      `^wrote ${model}: bow, \\d+ words, 2 labels, dev accuracy [\\d.]+% \\(epoch \\d\\), [\\d.]+ s on cpu\\n$`,
    ),
  );
  assert.match(run.stderr, /^epoch 1\/2 loss [\d.]+ .*\nepoch 2\/2 loss/);
  assert.doesNotMatch(run.stderr, /wrote/);
  const json = cli(['train', '--train', trainFile, '--epochs', '1', '--threads', '1', '--out', model, '--json']);
  assert.equal(json.status, 0, json.stderr);
  assert.equal(json.stdout.trim().split('\n').length, 1);
  assert.equal(lastJson(json.stdout).out, model);
  assert.match(json.stderr, /wrote .*m\.bin: bow/);
});

test('eval, export, make-teacher: their result lines on stdout', () => {
  const model = path.join(dir, 'e.bin');
  assert.equal(cli(['train', '--train', trainFile, '--epochs', '1', '--threads', '1', '--out', model]).status, 0);
  const evaluated = cli(['eval', '--model', model, '--data', trainFile]);
  assert.match(evaluated.stdout, /^accuracy [\d.]+%  macro_f1 [\d.]+%  n 300\n$/);
  assert.equal(evaluated.stderr, '');
  const onnx = path.join(dir, 'e.onnx');
  const exported = cli(['export', '--model', model, '--onnx', onnx]);
  assert.equal(exported.stdout, `wrote ${onnx} (bow, 2 labels)\n`);
  assert.equal(exported.stderr, '');
  const made = cli([
    'make-teacher',
    '--vocab',
    vocabs.bert,
    '--out',
    path.join(dir, 'made.onnx'),
    '--layers',
    '1',
    '--hidden',
    '16',
    '--heads',
    '2',
  ]);
  assert.equal(made.status, 0, made.stderr);
  assert.match(made.stdout, /^wrote .*made\.onnx: [\d,]+ parameters, [\d.]+ MB, [\d.]+ s\n$/);
  assert.equal(made.stderr, '');
});

test('augment: the summary on stdout, or on stderr when stdout is the output', () => {
  const out = path.join(dir, 'aug.tsv');
  const toFile = cli(['augment', '-i', trainFile, '-o', out, '--times', '2', '--unk', '0.2']);
  assert.equal(toFile.status, 0, toFile.stderr);
  assert.match(toFile.stdout, new RegExp(`^augment: 300 rows -> 600 new lines in ${out}, [\\d.]+ s\\n$`));
  assert.equal(toFile.stderr, '');
  const toStdout = cli(['augment', '-i', trainFile, '-o', '-', '--times', '2', '--unk', '0.2']);
  assert.equal(toStdout.stdout, fs.readFileSync(out, 'utf8'));
  assert.match(toStdout.stderr, /^augment: 300 rows -> 600 new lines in -, [\d.]+ s\n$/);
});

test('label: the summary on stdout with --output; stdout holds only the labels without', () => {
  const out = path.join(dir, 'labels.tsv');
  const toFile = cli(['label', '--teacher', teacher, '--vocab', vocabs.bert, '--input', texts, '--output', out]);
  assert.equal(toFile.status, 0, toFile.stderr);
  assert.match(toFile.stdout, /^labeled 3 lines in [\d.]+ s on cpu\n$/);
  assert.equal(toFile.stderr, '');
  const toStdout = cli(['label', '--teacher', teacher, '--vocab', vocabs.bert, '--input', texts]);
  assert.equal(toStdout.stdout, fs.readFileSync(out, 'utf8'));
  assert.match(toStdout.stderr, /^labeled 3 lines in [\d.]+ s on cpu\n$/);
});

test('distill: steps on stderr, the results line on stdout', () => {
  const dev = writeLabeledTsv(dir, 'dev.tsv', generateReviews(100, 5));
  const unlabeled = path.join(dir, 'unlabeled.txt');
  fs.writeFileSync(
    unlabeled,
    generateReviews(200, 6)
      .map((r) => r.text)
      .join('\n') + '\n',
  );
  const out = path.join(dir, 'distilled');
  const run = spawnSync(
    process.execPath,
    [
      cliMain,
      'distill',
      '--train-teacher',
      'cnn',
      '--teacher-epochs',
      '1',
      '--train',
      trainFile,
      '--dev',
      dev,
      '--unlabeled',
      unlabeled,
      '--augment-times',
      '1',
      '--epochs',
      '1',
      '--threads',
      '1',
      '--no-ernie-base-speedup',
      '--out',
      out,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(
    run.stdout,
    /^teacher [\d.]+%, student baseline [\d.]+%, student \+ distillation [\d.]+%; speed-up \d+x; wrote .*report\.md\n$/,
  );
  assert.match(run.stderr, /^checked: 300 training rows, 100 dev rows/);
  assert.match(run.stderr, /\nstep 3: bow student with \d+ teacher-labeled lines\n/);
  assert.doesNotMatch(run.stderr, /speed-up/);
});

test('info: the facts on stdout, nothing on stderr', () => {
  const run = cli(['info']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^version: /);
  assert.equal(run.stderr, '');
});

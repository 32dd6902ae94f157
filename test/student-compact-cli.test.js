// quantize --model as a user runs it: a compact bow + bigram student, its sizes and accuracies, then eval and
// predict on it; refusals with one line and exit 2.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cli, generateReviews, tempDir, writeLabeledTsv } from './student-fixtures.js';

const dir = tempDir('ernie-slim-compact-cli-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const trainFile = writeLabeledTsv(dir, 'train.tsv', generateReviews(400, 21));
const devFile = writeLabeledTsv(dir, 'dev.tsv', generateReviews(100, 22));
const model = path.join(dir, 'm.bin');
const lastJson = (stdout) => JSON.parse(stdout.trim().split('\n').at(-1));

before(() => {
  const flags = [
    '--epochs',
    '4',
    '--lr',
    '0.01',
    '--emb-dim',
    '16',
    '--hidden',
    '8',
    '--ngrams',
    '2',
    '--buckets',
    '5000',
    '--threads',
    '1',
  ];
  const run = cli(['train', '--train', trainFile, '--dev', devFile, '--out', model, ...flags, '--json']);
  assert.equal(run.status, 0, run.stderr);
});

test('quantize --model: a version-3 file that keeps the touched rows only, both accuracies; eval and predict read it', () => {
  const out = path.join(dir, 'c.bin');
  const run = cli(['quantize', '--model', model, '--out', out, '--cutoff', '0', '--dev', devFile, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const r = lastJson(run.stdout);
  assert.equal(r.output_bytes, fs.statSync(out).size);
  assert.equal(r.input_bytes, fs.statSync(model).size);
  assert.ok(r.output_bytes * 4 < r.input_bytes, JSON.stringify(r));
  assert.equal(fs.readFileSync(out).readUInt32LE(8), 3);
  assert.ok(r.embedding_rows > 5000, 'vocabulary rows and 5000 bigram buckets');
  assert.ok(r.kept_rows > 0 && r.kept_rows < 1000, `only rows that training touched are kept (${r.kept_rows})`);
  assert.ok(Math.abs(r.output_accuracy - r.input_accuracy) <= 0.03, JSON.stringify(r));
  const evaluated = lastJson(cli(['eval', '--model', out, '--data', devFile, '--json']).stdout);
  assert.equal(evaluated.accuracy, r.output_accuracy);
  const predicted = cli(['predict', '--model', out, '--probs'], '很好，喜欢，推荐\n糟糕，失望\n');
  assert.equal(predicted.status, 0, predicted.stderr);
  assert.match(predicted.stdout, /^pos\t/m);
  assert.match(predicted.stdout, /^neg\t/m);
  const cut = lastJson(
    cli(['quantize', '--model', model, '--out', path.join(dir, 'c10.bin'), '--cutoff', '10', '--json']).stdout,
  );
  assert.equal(cut.kept_rows, 10);
  assert.equal(cut.input_accuracy, null);
});

test('quantize --model refusals: a cnn student, a compact one, --teacher with --model, no --out', () => {
  const cnn = path.join(dir, 'cnn.bin');
  assert.equal(
    cli([
      'train',
      '--train',
      trainFile,
      '--out',
      cnn,
      '--model',
      'cnn',
      '--epochs',
      '1',
      '--emb-dim',
      '8',
      '--hidden',
      '4',
      '--threads',
      '1',
    ]).status,
    0,
  );
  const refused = cli(['quantize', '--model', cnn, '--out', path.join(dir, 'x.bin')]);
  assert.equal(refused.status, 2);
  assert.equal(refused.stderr, 'ernie-slim: quantize takes bow students; a cnn student keeps its float embeddings\n');
  const compact = path.join(dir, 'again.bin');
  assert.equal(cli(['quantize', '--model', model, '--out', compact, '--cutoff', '50']).status, 0);
  const twice = cli(['quantize', '--model', compact, '--out', path.join(dir, 'x.bin')]);
  assert.equal(twice.status, 2);
  assert.equal(twice.stderr, 'ernie-slim: the model is already compact (quantize takes a float student)\n');
  const both = cli(['quantize', '--model', model, '--teacher', 't.onnx', '--out', path.join(dir, 'x.bin')]);
  assert.equal(both.status, 2);
  assert.equal(both.stderr, 'ernie-slim: give --teacher IN.onnx or --model IN.bin, not both\n');
  const noOut = cli(['quantize', '--model', model]);
  assert.equal(noOut.status, 2);
  assert.equal(noOut.stderr, 'ernie-slim: --out is required (the compact .bin file)\n');
  assert.ok(!fs.existsSync(path.join(dir, 'x.bin')), 'nothing is written when refused');
});

test('train --quantize writes the compact student and reports both sizes and both accuracies', () => {
  const out = path.join(dir, 'tq.bin');
  const flags = [
    '--epochs',
    '3',
    '--lr',
    '0.01',
    '--emb-dim',
    '16',
    '--hidden',
    '8',
    '--ngrams',
    '2',
    '--buckets',
    '5000',
    '--threads',
    '1',
  ];
  const run = cli(['train', '--train', trainFile, '--dev', devFile, '--out', out, ...flags, '--quantize', '--json']);
  assert.equal(run.status, 0, run.stderr);
  const r = lastJson(run.stdout);
  assert.equal(r.compact_bytes, fs.statSync(out).size);
  assert.equal(fs.readFileSync(out).readUInt32LE(8), 3);
  assert.ok(r.float_bytes > 4 * r.compact_bytes, JSON.stringify(r));
  assert.equal(typeof r.dev_accuracy, 'number');
  assert.equal(
    r.compact_dev_accuracy,
    lastJson(cli(['eval', '--model', out, '--data', devFile, '--json']).stdout).accuracy,
  );
  const cnn = cli(['train', '--train', trainFile, '--out', path.join(dir, 'x.bin'), '--model', 'cnn', '--quantize']);
  assert.equal(cnn.status, 2);
  assert.equal(
    cnn.stderr.split('\n')[0],
    'ernie-slim: --quantize makes compact bow students; a cnn student keeps its float embeddings',
  );
});

// train, eval, predict and export as a user runs them: --json last line, exit codes, one-line errors.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cli, generateReviews, tempDir, writeLabeledTsv } from './student-fixtures.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const trainFile = writeLabeledTsv(dir, 'train.tsv', generateReviews(400, 11));
const devFile = writeLabeledTsv(dir, 'dev.tsv', generateReviews(100, 12));
const model = path.join(dir, 'm.bin');
const lastJson = (stdout) => JSON.parse(stdout.trim().split('\n').at(-1));

before(() => {
  const run = cli([
    'train',
    '--train',
    trainFile,
    '--dev',
    devFile,
    '--out',
    model,
    '--epochs',
    '4',
    '--lr',
    '0.01',
    '--emb-dim',
    '16',
    '--hidden',
    '8',
    '--threads',
    '1',
    '--json',
  ]);
  assert.equal(run.status, 0, run.stderr);
  const out = lastJson(run.stdout);
  for (const key of ['dev_accuracy', 'dev_macro_f1', 'train_seconds', 'tokens_per_second'])
    assert.equal(typeof out[key], 'number', key);
  assert.match(run.stderr, /epoch 4\/4 loss \d/);
});

test('eval --json: accuracy, macro_f1, n', () => {
  const run = cli(['eval', '--model', model, '--data', devFile, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const out = lastJson(run.stdout);
  assert.equal(out.n, 100);
  assert.ok(out.accuracy > 0.75 && out.macro_f1 > 0.75, JSON.stringify(out));
});

test('predict: one label per stdin line, --probs appends the probabilities', () => {
  const run = cli(['predict', '--model', model, '--probs'], '很好，喜欢，推荐\n糟糕，失望\n');
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^pos\t[0-9.e-]+,[0-9.e-]+$/);
  assert.match(lines[1], /^neg\t/);
  const plain = cli(['predict', '--model', model], 'text_a\n很好，喜欢\n');
  assert.equal(plain.stdout, 'pos\n', 'a TSV header naming text_a is not a text');
});

test('export, then eval and predict take the .onnx too (native and onnxruntime agree)', () => {
  const onnx = path.join(dir, 'm.onnx');
  const run = cli(['export', '--model', model, '--onnx', onnx, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const bin = lastJson(cli(['eval', '--model', model, '--data', devFile, '--json']).stdout);
  const viaNative = lastJson(cli(['eval', '--model', onnx, '--data', devFile, '--json']).stdout);
  const viaOrt = cli(['eval', '--model', onnx, '--data', devFile, '--runtime', 'onnxruntime', '--json']);
  assert.equal(viaOrt.status, 0, viaOrt.stderr);
  assert.equal(viaNative.accuracy, bin.accuracy);
  assert.equal(lastJson(viaOrt.stdout).accuracy, bin.accuracy);
  assert.equal(cli(['predict', '--model', onnx], '很好，喜欢\n').stdout, 'pos\n');
});

test('bad data exits 1 with one line naming file:line; bad flags exit 2', () => {
  const bad = path.join(dir, 'bad.tsv');
  fs.writeFileSync(bad, 'label\ttext_a\npos\t很好\nmaybe\t一般\n');
  const run = cli(['eval', '--model', model, '--data', bad]);
  assert.equal(run.status, 1);
  assert.equal(run.stderr, `ernie-slim: ${bad}:3: unknown label "maybe" (not among the model's labels)\n`);
  const skipped = cli(['eval', '--model', model, '--data', bad, '--skip-bad-lines', '--json']);
  assert.equal(skipped.status, 0, skipped.stderr);
  assert.equal(lastJson(skipped.stdout).skipped_lines, 1);
  const flag = cli(['train', '--train', trainFile, '--out', model, '--model', 'transformer']);
  assert.equal(flag.status, 2);
  const missing = cli(['train', '--train', trainFile]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /out/);
  const ngrams = cli(['train', '--train', trainFile, '--out', model, '--model', 'cnn', '--ngrams', '2']);
  assert.equal(ngrams.status, 2);
  assert.equal(ngrams.stderr, 'ernie-slim: --ngrams 2 applies to --model bow only\n');
  const dropout = cli(['train', '--train', trainFile, '--out', model, '--model', 'cnn', '--feature-dropout', '1']);
  assert.equal(dropout.status, 2);
  assert.equal(dropout.stderr, 'ernie-slim: --feature-dropout must be within [0, 1), got 1\n');
  const smoothing = cli(['train', '--train', trainFile, '--out', model, '--model', 'cnn', '--label-smoothing', '-0.1']);
  assert.equal(smoothing.status, 2);
  assert.equal(smoothing.stderr, 'ernie-slim: --label-smoothing must be within [0, 1), got -0.1\n');
});

test('a damaged model file exits 1 with one line naming it', () => {
  const damaged = path.join(dir, 'damaged.bin');
  const bytes = fs.readFileSync(model);
  fs.writeFileSync(damaged, bytes.subarray(0, bytes.length - 100));
  for (const args of [
    ['eval', '--model', damaged, '--data', devFile],
    ['predict', '--model', damaged],
    ['export', '--model', damaged, '--onnx', path.join(dir, 'x.onnx')],
  ]) {
    const run = cli(args, '');
    assert.equal(run.status, 1);
    assert.equal(run.stderr, `ernie-slim: ${damaged}: model file is damaged or truncated (checksum mismatch)\n`);
  }
  assert.equal(fs.existsSync(path.join(dir, 'x.onnx')), false);
  const missing = cli(['eval', '--model', path.join(dir, 'nope.bin'), '--data', devFile]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.bin: cannot read model \(ENOENT\)\n$/);
});

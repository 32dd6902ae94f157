// quantize --retrain: a pruned embedding (only the kept rows train; the others stay zero, as the compact student
// reads them), retraining on labeled and teacher-labeled rows, and the flags' refusals.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { StudentModel, epochOptions, permutation, separableData } from './student-native-helpers.js';
import { cli, generateReviews, lastJson, smallBigramStudent, tempDir, writeLabeledTsv } from './student-fixtures.js';
import { readModelFile } from '../dist/student/model-file.js';
import { retrainPruned } from '../dist/student/retrain-pruned.js';

const V = 40,
  B = 200,
  E = 8;
const config = { kind: 'bow', vocabSize: V, bigramBuckets: B, embDim: E, hidden: 4, numLabels: 2, seed: 3 };
const kept = Int32Array.from([2, 3, 5, 8, 13, 21, 34, 45, 60, 99, 150, 230]);

function rowOf(weights, r) {
  return [...weights.embedding.data.subarray(r * E, (r + 1) * E)];
}

test('pruneEmbedding: the other rows read zero, get no gradient, stay zero through an epoch and after setWeights', async () => {
  const data = separableData(300, V, 7);
  const model = new StudentModel(config);
  const start = model.getWeights();
  model.pruneEmbedding(kept);
  const zero = Array(E).fill(0);
  const pruned = Array.from({ length: V + B }, (_, r) => r).filter((r) => !kept.includes(r));
  for (const r of pruned) assert.deepEqual(rowOf(model.getWeights(), r), zero, `row ${r} is zeroed`);
  for (const r of kept) assert.deepEqual(rowOf(model.getWeights(), r), rowOf(start, r), `row ${r} is kept`);

  // The same forward as a model whose rows were zeroed by hand: the same gradients on every kept row and layer.
  const byHand = new StudentModel(config);
  byHand.setWeights(model.getWeights());
  const rows = Int32Array.from({ length: 64 }, (_, i) => i);
  const a = model.lossAndGradients(data, rows);
  const b = byHand.lossAndGradients(data, rows);
  assert.equal(a.loss, b.loss);
  for (const name of Object.keys(a.gradients).filter((n) => n !== 'embedding'))
    assert.deepEqual(a.gradients[name], b.gradients[name], name);
  for (const r of kept)
    assert.deepEqual(
      rowOf({ embedding: { data: a.gradients.embedding } }, r),
      rowOf({ embedding: { data: b.gradients.embedding } }, r),
    );
  const touchedPruned = pruned.filter((r) =>
    rowOf({ embedding: { data: b.gradients.embedding } }, r).some((v) => v !== 0),
  );
  assert.ok(touchedPruned.length > 10, 'the batch touches pruned rows');
  for (const r of touchedPruned)
    assert.deepEqual(rowOf({ embedding: { data: a.gradients.embedding } }, r), zero, `row ${r}: no gradient`);

  await model.trainEpoch(data, epochOptions({ order: permutation(300, 1) }));
  const trained = model.getWeights();
  for (const r of pruned) assert.deepEqual(rowOf(trained, r), zero, `row ${r} stays zero`);
  assert.ok(
    kept.some((r) => rowOf(trained, r).some((v, i) => v !== rowOf(start, r)[i])),
    'kept rows train',
  );
  model.setWeights(start);
  for (const r of pruned) assert.deepEqual(rowOf(model.getWeights(), r), zero, `row ${r} zero after setWeights`);
  assert.throws(() => model.pruneEmbedding(Int32Array.from([V + B])), {
    message: `StudentModel: kept[0] = ${V + B} is outside 0..${V + B - 1}`,
  });
});

const dir = tempDir('ernie-slim-compact-retrain-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const { trainFile, devFile, model, train } = smallBigramStudent(dir, 31);

before(() => {
  const run = train();
  assert.equal(run.status, 0, run.stderr);
});

test('retrainPruned: the student read by its own segmentation, only kept rows move, the rest stay zero', async () => {
  const float = readModelFile(model);
  const keep = Int32Array.from([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const r = await retrainPruned(float, keep, { train: trainFile, epochs: 2, lr: 0.02, threads: 1 });
  assert.equal(r.epochs, 2);
  assert.equal(r.lr, 0.02);
  assert.equal(r.trainRows, 400);
  const e = r.model.weights.embedding;
  const dim = e.shape[1];
  let moved = 0;
  for (let row = 0; row < e.shape[0]; row++) {
    const values = e.data.subarray(row * dim, (row + 1) * dim);
    if (!keep.includes(row))
      assert.ok(
        values.every((v) => v === 0),
        `row ${row} is zero`,
      );
    else if (values.some((v, i) => v !== float.weights.embedding.data[row * dim + i])) moved++;
  }
  assert.ok(moved > 0, 'kept rows were retrained');
  assert.notDeepEqual(r.model.weights['dense1.weight'].data, float.weights['dense1.weight'].data);
});

test('quantize --retrain: the same kept rows, retrained on labeled and teacher-labeled rows, both accuracies', () => {
  const plain = path.join(dir, 'plain.bin');
  const retrained = path.join(dir, 'retrained.bin');
  const distillFile = path.join(dir, 'distill.tsv');
  const reviews = generateReviews(200, 33);
  fs.writeFileSync(
    distillFile,
    'text_a\tlabel\tlogits\n' +
      reviews.map((r) => `${r.text}\t${r.label}\t${r.label === 'neg' ? '2,-2' : '-2,2'}\n`).join(''),
  );
  const base = ['quantize', '--model', model, '--cutoff', '60', '--dsub', '2', '--dev', devFile, '--json'];
  const p = cli([...base, '--out', plain]);
  assert.equal(p.status, 0, p.stderr);
  assert.equal(lastJson(p.stdout).retrain, null);
  const run = cli([
    ...base,
    '--out',
    retrained,
    '--retrain',
    '--train',
    trainFile,
    '--distill',
    distillFile,
    '--epochs',
    '2',
    '--lr',
    '0.02',
  ]);
  assert.equal(run.status, 0, run.stderr);
  const r = lastJson(run.stdout);
  assert.equal(r.retrain.epochs, 2);
  assert.equal(r.retrain.lr, 0.02);
  assert.equal(r.retrain.train_rows, 400);
  assert.equal(r.retrain.distill_rows, 200);
  assert.ok(r.retrain.best_epoch >= 1 && r.retrain.best_epoch <= 2);
  assert.equal(typeof r.output_accuracy, 'number');
  assert.equal(r.output_bytes, fs.statSync(retrained).size);
  const a = readModelFile(plain),
    b = readModelFile(retrained);
  assert.deepEqual(b.quantized.embedding.rows, a.quantized.embedding.rows, 'the rows ranked before retraining');
  assert.notDeepEqual(b.weights['dense1.weight'].data, a.weights['dense1.weight'].data, 'the dense layer retrained');
  assert.equal(b.config.training.compact.retrain.epochs, 2);
  const evaluated = lastJson(cli(['eval', '--model', retrained, '--data', devFile, '--json']).stdout);
  assert.equal(evaluated.accuracy, r.output_accuracy);
});

test('quantize --retrain refusals: flags without --retrain, no --train, bad --epochs/--lr (exit 2); other labels (exit 1)', () => {
  const out = path.join(dir, 'x.bin');
  const q = (...flags) => cli(['quantize', '--model', model, '--out', out, ...flags]);
  for (const [flags, message] of [
    [['--epochs', '2'], '--epochs and --lr go with --retrain'],
    [['--lr', '0.1'], '--epochs and --lr go with --retrain'],
    [['--retrain'], '--retrain needs --train TSV (the data to retrain on)'],
    [['--retrain', '--train', trainFile, '--epochs', '0'], '--epochs must be a positive integer (got 0)'],
    [['--retrain', '--train', trainFile, '--lr', '-1'], '--lr must be a positive number (got -1)'],
  ]) {
    const run = q(...flags);
    assert.equal(run.status, 2, flags.join(' '));
    assert.equal(run.stderr, `ernie-slim: ${message}\n`);
  }
  const other = writeLabeledTsv(dir, 'other.tsv', [
    { label: 'x', text: '很好' },
    { label: 'y', text: '很差' },
  ]);
  const run = q('--retrain', '--train', other);
  assert.equal(run.status, 1);
  assert.equal(run.stderr, `ernie-slim: ${other}: the labels (x, y) are not the student's (neg, pos)\n`);
  assert.ok(!fs.existsSync(out), 'nothing is written when refused');
});

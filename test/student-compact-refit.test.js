// The float layers refit on a compact student's quantized table (quantize --train, train --quantize): a frozen
// embedding (its rows keep their values and get no gradient), the codes unchanged, the layers above moved.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { StudentModel, epochOptions, permutation, separableData } from './student-native-helpers.js';
import { cli, lastJson, smallBigramStudent, tempDir } from './student-fixtures.js';
import { readModelFile } from '../dist/student/model-file.js';
import { compactStudent, decodedStudent } from '../dist/student/compact-student.js';
import { refitHead, REFIT_EPOCHS } from '../dist/student/refit-head.js';

const V = 40,
  B = 200,
  E = 8;
const config = { kind: 'bow', vocabSize: V, bigramBuckets: B, embDim: E, hidden: 4, numLabels: 2, seed: 3 };

test('freezeEmbedding: no embedding gradient, the table unchanged through an epoch, the dense layers train', async () => {
  const data = separableData(300, V, 7);
  const model = new StudentModel(config);
  const start = model.getWeights();
  model.freezeEmbedding();
  assert.deepEqual(model.getWeights().embedding.data, start.embedding.data, 'freezing zeroes nothing');
  const rows = Int32Array.from({ length: 64 }, (_, i) => i);
  const frozen = model.lossAndGradients(data, rows);
  const free = new StudentModel(config).lossAndGradients(data, rows);
  assert.equal(frozen.loss, free.loss);
  assert.ok(free.gradients.embedding.some((v) => v !== 0));
  assert.ok(
    frozen.gradients.embedding.every((v) => v === 0),
    'no embedding gradient',
  );
  assert.deepEqual(frozen.gradients['dense1.weight'], free.gradients['dense1.weight']);

  await model.trainEpoch(data, epochOptions({ order: permutation(300, 1) }));
  const trained = model.getWeights();
  assert.deepEqual(trained.embedding.data, start.embedding.data, 'the table stays as it was');
  assert.notDeepEqual(trained['dense1.weight'].data, start['dense1.weight'].data, 'the dense layer trains');
  // New weights copied in keep their rows (a frozen table is not a pruned one).
  const other = new StudentModel({ ...config, seed: 4 }).getWeights();
  model.setWeights(other);
  assert.deepEqual(model.getWeights().embedding.data, other.embedding.data);
  // Pruning afterwards prunes (and unfreezes the kept rows).
  model.pruneEmbedding(Int32Array.from([1, 2, 3]));
  assert.ok(
    model
      .getWeights()
      .embedding.data.subarray(4 * E, 5 * E)
      .every((v) => v === 0),
  );
});

const dir = tempDir('ernie-slim-compact-refit-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const { trainFile, devFile, model, train } = smallBigramStudent(dir, 41);

before(() => {
  const run = train();
  assert.equal(run.status, 0, run.stderr);
});

test('refitHead: the codes unchanged, the float layers trained on the decoded table (loss down on it)', async () => {
  const float = readModelFile(model);
  const options = { cutoff: 60, dsub: 4, qnorm: true, qout: false, maxBytes: 2_000_000 };
  const compact = await compactStudent(float, options);
  const r = await refitHead(compact, { train: trainFile, threads: 1 });
  assert.equal(r.epochs, REFIT_EPOCHS);
  assert.equal(r.trainRows, 400);
  assert.deepEqual(r.model.quantized, compact.quantized, 'the codes stay');
  assert.equal(r.model.weights.embedding, undefined, 'no float table comes back');
  assert.notDeepEqual(r.model.weights['dense1.weight'].data, compact.weights['dense1.weight'].data);

  // Loss of the training rows through the decoded table, before and after: the refit lowers it.
  const { encodeStudentData } = await import('../dist/student/retrain-pruned.js');
  const { data } = await encodeStudentData(decodedStudent(compact), { train: trainFile, threads: 1 });
  const lossOf = (student) => {
    const native = new StudentModel(student.config.model);
    native.setWeights(decodedStudent(student).weights);
    const rows = Int32Array.from({ length: data.set.labels.length }, (_, i) => i);
    return native.lossAndGradients(data.set, rows).loss;
  };
  assert.ok(lossOf(r.model) < lossOf(compact), `${lossOf(r.model)} < ${lossOf(compact)}`);
});

test('quantize --train: the same codes, the head refit, both accuracies, the record; eval agrees', () => {
  const plain = path.join(dir, 'plain.bin');
  const refit = path.join(dir, 'refit.bin');
  const base = ['quantize', '--model', model, '--cutoff', '60', '--dsub', '2', '--dev', devFile, '--json'];
  const p = cli([...base, '--out', plain]);
  assert.equal(p.status, 0, p.stderr);
  assert.equal(lastJson(p.stdout).refit, null);
  const run = cli([...base, '--out', refit, '--train', trainFile]);
  assert.equal(run.status, 0, run.stderr);
  const r = lastJson(run.stdout);
  assert.equal(r.retrain, null);
  assert.equal(r.refit.epochs, REFIT_EPOCHS);
  assert.equal(r.refit.train_rows, 400);
  assert.ok(r.refit.best_epoch >= 1 && r.refit.best_epoch <= REFIT_EPOCHS);
  assert.equal(r.output_bytes, fs.statSync(refit).size);
  const a = readModelFile(plain),
    b = readModelFile(refit);
  assert.deepEqual(b.quantized, a.quantized, 'the same codes');
  assert.notDeepEqual(b.weights['dense1.weight'].data, a.weights['dense1.weight'].data, 'the dense layer refit');
  assert.equal(b.config.training.compact.refit.epochs, REFIT_EPOCHS);
  const evaluated = lastJson(cli(['eval', '--model', refit, '--data', devFile, '--json']).stdout);
  assert.equal(evaluated.accuracy, r.output_accuracy);

  const refused = cli(['quantize', '--model', model, '--out', path.join(dir, 'x.bin'), '--distill', trainFile]);
  assert.equal(refused.status, 2);
  assert.equal(refused.stderr, 'ernie-slim: --distill goes with --train\n');
});

// train()'s data stage without files: rows in memory -> vocabulary, packed rows, labels, teacher logits, dev set.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LabelMap } from '../dist/index.js';
import { checkPairRows, encodeTrainingData } from '../dist/student/train-data.js';

const segmentation = { segmenter: 'whitespace', hmm: false, lowercase: true, maxWords: 0 };
const row = (label, textA, textB, extra = {}) => ({
  label,
  textA,
  ...(textB !== undefined ? { textB } : {}),
  line: 2,
  ...extra,
});

test('labeled rows, then teacher-labeled rows, then online rows; the vocabulary counts all their words', async () => {
  const rows = {
    train: [row('neg', 'bad bad room'), row('pos', 'good room')],
    distill: [
      { ...row('pos', 'good good'), logits: Float32Array.from([-1, 1]), file: 'soft.tsv' },
      { ...row('neg', 'bad'), file: 'hard.tsv' },
    ],
    online: [{ textA: 'room good', line: 1 }],
    dev: [row('pos', 'GOOD unknown')],
    labelMap: LabelMap.fromLabels(['neg', 'pos']),
    skippedLines: 0,
  };
  const data = await encodeTrainingData(rows, { segmentation, towers: false, minCount: 2, maxVocab: 0 });
  // good x4 (the online row's included), bad x3, room x3 (a tie, by code point); min count 2 keeps all three.
  assert.deepEqual(data.vocabulary.words, ['[PAD]', '[UNK]', 'good', 'bad', 'room']);
  assert.deepEqual([data.supervisedRows, data.distillRows, data.firstOnlineRow], [2, 3, 4]);
  assert.deepEqual([...data.set.labels], [0, 1, 1, 0, -1]);
  assert.deepEqual([...data.set.offsets], [0, 3, 5, 7, 8, 10]);
  assert.deepEqual([...data.set.ids], [3, 3, 4, 2, 4, 2, 2, 3, 4, 2]);
  const logits = [...data.set.teacherLogits];
  assert.deepEqual(logits.slice(4, 6), [-1, 1], 'the soft row carries its logits');
  assert.ok(
    [0, 1, 2, 3, 6, 7, 8, 9].every((i) => Number.isNaN(logits[i])),
    'rows without logits are NaN',
  );
  assert.deepEqual([...data.dev.rows.ids], [2, 1], 'dev is lowercased and unknown words map to [UNK]');
  assert.deepEqual([...data.dev.gold], [1]);
  assert.equal(data.dev.queries, null, 'one-text rows have no order-ratio queries');
  assert.equal(data.set.idsB, undefined);
});

test('two towers keep text_b apart; pairs give the dev queries; a row without text_b is named', async () => {
  const rows = {
    train: [row('1', 'a b', 'a b'), row('0', 'a b', 'c')],
    distill: [],
    online: [],
    dev: [row('1', 'a', 'b'), row('0', 'a', 'c')],
    labelMap: LabelMap.fromLabels(['0', '1']),
    skippedLines: 0,
  };
  const towers = await encodeTrainingData(rows, { segmentation, towers: true, minCount: 1, maxVocab: 0 });
  assert.deepEqual([...towers.set.offsets], [0, 2, 4]);
  assert.deepEqual([...towers.set.offsetsB], [0, 2, 3]);
  assert.equal(towers.set.teacherLogits, null);
  assert.deepEqual(towers.dev.queries, ['a', 'a']);
  const concat = await encodeTrainingData(rows, { segmentation, towers: false, minCount: 1, maxVocab: 0 });
  assert.deepEqual([...concat.set.offsets], [0, 4, 7], "concat appends text_b's words");
  assert.deepEqual(concat.dev.queries, ['a', 'a'], 'the order ratio is about the data, not the model');

  assert.doesNotThrow(() => checkPairRows(rows, 'dev.tsv'));
  const missing = { ...rows, dev: [row('1', 'a', undefined, { line: 7 })] };
  assert.throws(() => checkPairRows(missing, 'dev.tsv'), {
    message: 'dev.tsv:7: the training set has text pairs (text_b) but this row has no text_b',
  });
  const online = { ...rows, online: [{ textA: 'x', line: 3 }] };
  assert.throws(() => checkPairRows(online, 'dev.tsv'), /\(online distillation row 3\)$/);
});

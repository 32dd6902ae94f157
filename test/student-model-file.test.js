// Vocabulary building, [UNK] mapping, and the .bin model file: round trip, corruption and truncation refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { Vocabulary, WordCounter } from '../dist/student/vocabulary.js';
import { studentWords, rowWordsMany, defaultSegmentation } from '../dist/student/segmentation.js';
import { encodeModelFile, decodeModelFile, readModelFile, writeModelFile, InputError } from '../dist/index.js';
import { tempDir } from './student-fixtures.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('vocabulary: [PAD]=0, [UNK]=1, words by count then code point, --min-count and --max-vocab', () => {
  const counter = new WordCounter();
  counter.add(['b', 'a', 'c', 'a', 'b', 'd', 'a']);
  const all = Vocabulary.build(counter, { minCount: 1, maxVocab: 0 });
  assert.deepEqual(all.words, ['[PAD]', '[UNK]', 'a', 'b', 'c', 'd']);
  assert.deepEqual(Vocabulary.build(counter, { minCount: 2, maxVocab: 0 }).words, ['[PAD]', '[UNK]', 'a', 'b']);
  assert.deepEqual(Vocabulary.build(counter, { minCount: 1, maxVocab: 1 }).words, ['[PAD]', '[UNK]', 'a']);
  assert.deepEqual([...all.encode(['a', 'zzz', 'd'])], [2, 1, 5]);
  assert.deepEqual([...all.encode([])], [1], 'an empty row becomes one [UNK]');
});

test('a literal [UNK] stays one word and maps to the [UNK] id; Latin words are lowercased', async () => {
  const words = studentWords('这本书[UNK]很好 Hello', defaultSegmentation);
  assert.deepEqual(words, ['这', '本书', '[UNK]', '很', '好', 'hello']);
  const [bulk] = await rowWordsMany([{ textA: '这本书[UNK]很好 Hello' }], defaultSegmentation);
  assert.deepEqual(bulk, words, 'bulk (training) segmentation gives the same words as predict()');
  const counter = new WordCounter();
  counter.add(words);
  counter.add(['[UNK]', '[UNK]']);
  const vocab = Vocabulary.build(counter, { minCount: 1, maxVocab: 0 });
  assert.equal(vocab.words.filter((w) => w === '[UNK]').length, 1, '[UNK] is never a second vocabulary entry');
  assert.equal(vocab.idOf('[UNK]'), 1);
  assert.deepEqual(studentWords('a [UNK] b', { ...defaultSegmentation, segmenter: 'whitespace' }), ['a', '[UNK]', 'b']);
  assert.deepEqual(studentWords('[UNK][UNK]', defaultSegmentation), ['[UNK]', '[UNK]']);
});

function sampleModel() {
  return {
    config: {
      model: { kind: 'bow', vocabSize: 3, bigramBuckets: 0, embDim: 2, hidden: 2, numLabels: 2, seed: 1 },
      segmentation: { ...defaultSegmentation },
    },
    vocabulary: ['[PAD]', '[UNK]', '好'],
    labels: ['neg', 'pos'],
    weights: {
      embedding: { shape: [3, 2], data: Float32Array.from([0, 0, 0.5, -1, 1.25, 2]) },
      'dense1.weight': { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) },
      'dense1.bias': { shape: [2], data: Float32Array.from([0.1, 0.2]) },
      'dense2.weight': { shape: [2, 2], data: Float32Array.from([-1, 1, 1, -1]) },
      'dense2.bias': { shape: [2], data: Float32Array.from([0, 0]) },
    },
  };
}

test('model file round trip keeps config, vocabulary, labels and weights', async () => {
  const file = path.join(dir, 'm.bin');
  await writeModelFile(file, sampleModel());
  const back = readModelFile(file);
  assert.deepEqual(back.config, sampleModel().config);
  assert.deepEqual(back.vocabulary, sampleModel().vocabulary);
  assert.deepEqual(back.labels, ['neg', 'pos']);
  for (const [name, t] of Object.entries(sampleModel().weights)) {
    assert.deepEqual(back.weights[name].shape, t.shape);
    assert.deepEqual([...back.weights[name].data], [...t.data]);
  }
  assert.deepEqual(encodeModelFile(back), fs.readFileSync(file), 'encoding is deterministic');
});

test('a truncated or altered model file is refused with one error naming the file', () => {
  const bytes = encodeModelFile(sampleModel());
  const refuse = (buf, pattern) =>
    assert.throws(
      () => decodeModelFile(buf, 'x.bin'),
      (err) => err instanceof InputError && pattern.test(err.message) && err.message.startsWith('x.bin: '),
    );
  for (const cut of [4, 20, bytes.length - 40, bytes.length - 1])
    refuse(bytes.subarray(0, cut), /truncated|checksum|magic/);
  for (const at of [12, 60, bytes.length - 50, bytes.length - 3]) {
    const altered = Buffer.from(bytes);
    altered[at] ^= 0x01;
    refuse(altered, /damaged or truncated \(checksum mismatch\)/);
  }
  refuse(Buffer.from('not a model at all, just some text'), /not an ernie-slim model file/);
});

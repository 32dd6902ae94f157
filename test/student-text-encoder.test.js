// The student's native text encoder against the TypeScript path (the reference) on adversarial text: word
// ids (pairs, maxWords, [UNK], lowercasing, whitespace segmentation, bigrams), predict and predictBatch.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { train, Student } from '../dist/index.js';
import { defaultSegmentation } from '../dist/student/segmentation.js';
import { createNativeTextEncoder } from '../dist/student/native-text-encoder.js';
import { adversarialTexts, PIECES, syntheticStudent } from './segmenter-fixtures.js';
import { generateReviews, tempDir, writeLabeledTsv } from './student-fixtures.js';
import { rng } from './student-native-helpers.js';

const texts = adversarialTexts(800, 3);
const rand = rng(9);
const pick = () => texts[Math.floor(rand() * texts.length)];
const pairs = Array.from({ length: 300 }, () => [pick(), pick()]);
const objectPairs = pairs.slice(0, 50).map(([textA, textB]) => ({ textA, textB }));
const inputs = [...texts, ...pairs, ...objectPairs];

const SETTINGS = {
  'jieba, lowercase': defaultSegmentation,
  'jieba, maxWords 5': { ...defaultSegmentation, maxWords: 5 },
  'jieba, maxWords 1': { ...defaultSegmentation, maxWords: 1 },
  'jieba, no lowercase': { ...defaultSegmentation, lowercase: false },
  'whitespace, lowercase': { ...defaultSegmentation, segmenter: 'whitespace' },
  'whitespace, no lowercase, maxWords 3': { segmenter: 'whitespace', hmm: false, lowercase: false, maxWords: 3 },
};

// Both paths' outcome of fn (a value, or the error it throws).
function outcome(fn) {
  try {
    return { value: fn() };
  } catch (err) {
    return { error: `${err.name}: ${err.message}` };
  }
}

for (const [name, segmentation] of Object.entries(SETTINGS)) {
  test(`native ids, predict and predictBatch equal the TypeScript path (${name})`, async () => {
    // Words of the upper-case pieces as they are, so that lowercasing decides which id a word gets.
    const extraWords = PIECES.filter((p) => !/\s/.test(p));
    const options = { texts, segmentation, bigramBuckets: 97, extraWords };
    const native = syntheticStudent(options);
    const reference = syntheticStudent({ ...options, textEncoder: 'javascript' });
    assert.equal(native.textEncoder, 'native');
    for (const input of inputs) {
      assert.deepEqual(
        outcome(() => native.encode(input)),
        outcome(() => reference.encode(input)),
        JSON.stringify(input),
      );
      assert.deepEqual(
        outcome(() => native.predict(input)),
        outcome(() => reference.predict(input)),
        JSON.stringify(input),
      );
    }
    const batchable = inputs.filter((input) => !outcome(() => reference.predict(input)).error);
    assert.deepEqual(
      await native.predictBatch(batchable, { threads: 2 }),
      await reference.predictBatch(batchable, { threads: 2 }),
    );
    assert.deepEqual(await native.encodeMany(inputs), await reference.encodeMany(inputs));
  });
}

test('only lone surrogates, and in whitespace words a capital sigma or plane-2 letters after a cased one, leave the native path', () => {
  const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  const jieba = createNativeTextEncoder(['[PAD]', '[UNK]'], defaultSegmentation);
  for (const text of texts) assert.equal(jieba.encode(text) === null, loneSurrogate.test(text), JSON.stringify(text));
  const whitespace = createNativeTextEncoder(['[PAD]', '[UNK]'], { ...defaultSegmentation, segmenter: 'whitespace' });
  assert.equal(whitespace.encode('ΟΔΟΣ καλά'), null);
  assert.equal(whitespace.encode('A𠀀'), null);
  assert.notEqual(whitespace.encode('Σ Ａ𐐀 İstanbul'), null);
  assert.notEqual(whitespace.encode('😀Good 𠀀 Ｈｅｌｌｏ'), null);
});

test('every code point of planes 0-1 alone and between letters: same ids on both paths', () => {
  const all = [];
  for (let c = 0; c < 0x20000; c++) if (c < 0xd800 || c > 0xdfff) all.push(String.fromCodePoint(c));
  // Texts of 512 code points each, as they are, and each code point between an upper-case letter and a word.
  const chunks = [];
  for (let i = 0; i < all.length; i += 512)
    chunks.push(
      all.slice(i, i + 512).join(''),
      all
        .slice(i, i + 512)
        .map((c) => `A${c}中`)
        .join(''),
    );
  for (const segmentation of [defaultSegmentation, { ...defaultSegmentation, segmenter: 'whitespace' }]) {
    const native = syntheticStudent({ texts: chunks, segmentation });
    const reference = syntheticStudent({ texts: chunks, segmentation, textEncoder: 'javascript' });
    for (const text of chunks) assert.deepEqual(native.encode(text), reference.encode(text));
  }
});

test('cnn and lstm students give the TypeScript path probabilities', async () => {
  for (const kind of ['cnn', 'lstm']) {
    const native = syntheticStudent({ texts, segmentation: { ...defaultSegmentation, maxWords: 20 }, kind });
    const reference = syntheticStudent({
      texts,
      segmentation: { ...defaultSegmentation, maxWords: 20 },
      kind,
      textEncoder: 'javascript',
    });
    for (const input of inputs.slice(0, 400)) assert.deepEqual(native.predict(input), reference.predict(input));
    assert.deepEqual(await native.predictBatch(inputs), await reference.predictBatch(inputs));
  }
});

test('the native encoder refuses bad threads and maxWords with its class name', async () => {
  const settings = { segmenter: 'whitespace', hmm: false, lowercase: false, maxWords: 0 };
  const encoder = createNativeTextEncoder(['[PAD]', '[UNK]', 'a'], settings);
  for (const threads of [0, 1.5, 1025]) {
    assert.throws(() => encoder.encodeMany(['a'], undefined, threads), {
      name: 'TypeError',
      message: 'StudentTextEncoder: threads must be an integer in 1..1024',
    });
  }
  assert.deepEqual(Array.from((await encoder.encodeMany(['a b'], undefined, 2)).ids), [2, 1]);
  assert.throws(() => createNativeTextEncoder(['[PAD]', '[UNK]'], { ...settings, maxWords: -1 }), {
    message: 'StudentTextEncoder: maxWords must be an integer >= 0',
  });
  assert.throws(() => createNativeTextEncoder(['[PAD]', '[UNK]'], { ...settings, maxWords: 2.5 }), {
    message: 'StudentTextEncoder: maxWords must be an integer',
  });
});

test('hmm: true stays on the TypeScript path', () => {
  const student = syntheticStudent({ texts: texts.slice(0, 50), segmentation: { ...defaultSegmentation, hmm: true } });
  assert.equal(student.textEncoder, 'javascript');
  assert.equal(student.predict('我们中出了一个叛徒').probs.length, 2);
});

test('a literal [PAD] word fails alike on both paths; lone surrogates go the TypeScript way', () => {
  const segmentation = { segmenter: 'whitespace', hmm: false, lowercase: false, maxWords: 0 };
  const native = syntheticStudent({ texts: ['好 坏'], segmentation, dropEvery: 1000 });
  const reference = syntheticStudent({ texts: ['好 坏'], segmentation, dropEvery: 1000, textEncoder: 'javascript' });
  assert.deepEqual(native.encode('[PAD] 好'), reference.encode('[PAD] 好'));
  assert.equal(native.encode('[PAD] 好')[0], 0);
  assert.deepEqual(
    outcome(() => native.predict('[PAD] 好')),
    outcome(() => reference.predict('[PAD] 好')),
  );
  assert.match(outcome(() => native.predict('[PAD] 好')).error, /outside 1\.\./);
  assert.deepEqual(native.predict('好\ud800 坏'), reference.predict('好\ud800 坏'));
});

test('a trained student predicts alike on both paths; predictBatch of nothing is nothing', async () => {
  const dir = tempDir();
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const trainFile = writeLabeledTsv(dir, 'train.tsv', generateReviews(300, 1));
  const out = path.join(dir, 'bow.bin');
  await train({
    train: trainFile,
    out,
    model: 'bow',
    ngrams: 2,
    buckets: 500,
    epochs: 2,
    embDim: 16,
    hidden: 8,
    threads: 1,
    seed: 3,
  });
  const native = await Student.load(out);
  const reference = await Student.load(out, { textEncoder: 'javascript' });
  const reviews = generateReviews(200, 2)
    .map((r) => r.text)
    .concat(texts.slice(0, 300));
  for (const text of reviews) assert.deepEqual(native.predict(text), reference.predict(text));
  assert.deepEqual(await native.predictBatch(reviews), await reference.predictBatch(reviews));
  assert.deepEqual([...native.logits('很好')], [...reference.logits('很好')]);
  assert.deepEqual(await native.predictBatch([]), []);
});

// A loaded student's words held once, natively (native/student/word_table.h): every word maps to the id the
// JavaScript Map gives it, unknown words are [UNK], ids and predictions equal the reference path's byte for
// byte; the model file's versions (3 written for compact students, 2 read, 4 refused); and its bytes read outside
// the heap, released once the load is done.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { after, test } from 'node:test';
import { Student } from '../dist/index.js';
import { InputError } from '../dist/errors.js';
import { defaultSegmentation } from '../dist/student/segmentation.js';
import { Vocabulary } from '../dist/student/vocabulary.js';
import { NativeVocabulary } from '../dist/student/native-vocabulary.js';
import { compactStudent } from '../dist/student/compact-student.js';
import { decodeModelFile, encodeModelFile, readModelFile, useModelFile } from '../dist/student/model-file.js';
import { native } from '../dist/native.js';
import { adversarialTexts, syntheticStudent } from './segmenter-fixtures.js';
import { cli, tempDir } from './student-fixtures.js';

const dir = tempDir('ernie-slim-word-table-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const texts = adversarialTexts(400, 5);
// Words listed twice (the later id wins, as in the Map), a replacement character, a literal [UNK] again.
const extraWords = ['重复', '重复', '\uFFFD', 'ABC', '[UNK]', '𠀀字', 'x y'];
const unknownWords = ['不在词表里的词', '', '\uD800', 'abc\uDC00', '[PAD]x', '𠀀𠀀𠀀', ' '];

// A student over the texts' words, saved and loaded back (its words then native), with its reference: the same
// data with JavaScript words, segmented by the TypeScript path.
async function loadedAndReference(segmentation, name, compact) {
  let data = syntheticStudent({ texts, segmentation, bigramBuckets: 97, extraWords }).toData();
  if (compact) data = await compactStudent(data, { cutoff: 0, dsub: 2, qnorm: true, qout: false });
  const file = path.join(dir, `${name}.bin`);
  fs.writeFileSync(file, encodeModelFile(data));
  return {
    file,
    data,
    loaded: await Student.load(file),
    reference: Student.fromData(readModelFile(file), { textEncoder: 'javascript' }),
  };
}

for (const [name, segmentation] of Object.entries({
  jieba: defaultSegmentation,
  whitespace: { ...defaultSegmentation, segmenter: 'whitespace' },
})) {
  for (const compact of [false, true]) {
    const label = `${name}${compact ? ', compact' : ''}`;
    test(`word ids and predictions of a loaded student equal the JavaScript Map's (${label})`, async () => {
      const { file, data, loaded, reference } = await loadedAndReference(
        segmentation,
        label.replace(', ', '-'),
        compact,
      );
      assert.ok(loaded.vocabulary instanceof NativeVocabulary, 'the loaded words are native');
      assert.equal(loaded.textEncoder, 'native');
      // The Map of the file's words (a lone surrogate in a word is written as U+FFFD).
      const words = readModelFile(file).vocabulary;
      const map = new Vocabulary(words);
      assert.equal(loaded.vocabulary.size, map.size);
      for (const word of [...words, ...data.vocabulary])
        if (word !== '') assert.equal(loaded.vocabulary.idOf(word), map.idOf(word), JSON.stringify(word));
      for (const word of unknownWords) assert.equal(loaded.vocabulary.idOf(word), 1, JSON.stringify(word));
      assert.equal(loaded.vocabulary.idOf('重复'), words.lastIndexOf('重复'));
      const row = [...words.slice(2, 40), ...unknownWords.filter(Boolean)];
      assert.deepEqual(loaded.vocabulary.encode(row), map.encode(row));
      assert.deepEqual([...loaded.vocabulary.encode([])], [1]);
      // A row past the native scratch (256 words), into a given array and into one too short.
      const long = Array.from({ length: 600 }, (_, i) => (i % 3 ? words[i % words.length] : unknownWords[i % 7]));
      assert.deepEqual(loaded.vocabulary.encode(long), map.encode(long));
      assert.deepEqual(loaded.vocabulary.encode(row, new Int32Array(1000)), map.encode(row));
      assert.deepEqual(loaded.vocabulary.encode(row, new Int32Array(2)), map.encode(row));
      assert.throws(() => loaded.vocabulary.encode(['好', 3]), TypeError);
      // The words come back as they were, and the file is written again byte for byte.
      assert.deepEqual(loaded.data.vocabulary, words);
      assert.deepEqual(encodeModelFile(loaded.toData()), fs.readFileSync(file));
      // Ids (bigram buckets follow from them) and predictions: native words and segmenter vs the reference.
      assert.deepEqual(await loaded.encodeMany(texts), await reference.encodeMany(texts));
      assert.deepEqual(await loaded.predictBatch(texts), await reference.predictBatch(texts));
      for (const text of texts.slice(0, 150)) assert.deepEqual(loaded.predict(text), reference.predict(text), text);
    });
  }
}

// The bytes of `bytes` with a fresh checksum.
function resealed(bytes) {
  const body = bytes.subarray(0, bytes.length - 32);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

// A version-2 file as the previous code wrote it: the version-3 layout with bit 1 of each matrix's flags set
// (the kept rows as a bitmap); with `ids`, the first version-2 layout (kept rows as int32 ids, no bit 1).
function versionTwo(v3, { ids = false } = {}) {
  assert.equal(v3.readUInt32LE(8), 3);
  let at = 12;
  const u32 = () => ((at += 4), v3.readUInt32LE(at - 4));
  const skipString = () => {
    const n = u32();
    at += n;
  };
  const align4 = () => (at = Math.ceil(at / 4) * 4);
  skipString(); // config
  for (let n = u32(), i = 0; i < n; i++) skipString(); // words
  for (let n = u32(), i = 0; i < n; i++) skipString(); // labels
  for (let n = u32(), i = 0; i < n; i++) {
    skipString();
    const shape = Array.from({ length: u32() }, u32);
    align4();
    at += 4 * shape.reduce((x, y) => x * y, 1);
  }
  const parts = [];
  let copied = 0;
  for (let n = u32(), i = 0; i < n; i++) {
    skipString();
    align4();
    const header = at;
    const [rows, dim, dsub, kept, flags] = [u32(), u32(), u32(), u32(), u32()];
    const bitmapEnd = at + Math.ceil(Math.ceil(rows / 8) / 4) * 4;
    const head = Buffer.from(v3.subarray(copied, at));
    if (!ids) {
      head.writeUInt32LE(flags | 2, head.length - 4);
      parts.push(head, v3.subarray(at, bitmapEnd));
    } else {
      const list = Buffer.alloc(kept * 4);
      for (let row = 0, k = 0; row < rows; row++)
        if (v3[at + (row >> 3)] & (1 << (row & 7))) list.writeInt32LE(row, 4 * k++);
      parts.push(head, list);
    }
    at = bitmapEnd + 4 * 256 * dim + kept * Math.ceil(dim / dsub);
    align4();
    if (flags & 1) {
      at += 4 * 256 + kept;
      align4();
    }
    copied = bitmapEnd;
    assert.ok(header > 0);
  }
  parts.push(v3.subarray(copied, v3.length - 32), Buffer.alloc(32));
  const out = Buffer.concat(parts);
  out.writeUInt32LE(2, 8);
  return resealed(out);
}

test('model file versions: compact students are written as 3, version-2 files (both layouts) still load, 4 is refused', async () => {
  const float = syntheticStudent({ texts, segmentation: defaultSegmentation, bigramBuckets: 97 }).toData();
  assert.equal(encodeModelFile(float).readUInt32LE(8), 1, 'float students stay version 1');
  const compact = await compactStudent(float, { cutoff: 300, dsub: 2, qnorm: true, qout: true });
  const v3File = path.join(dir, 'v3.bin');
  fs.writeFileSync(v3File, encodeModelFile(compact));
  const want = await (await Student.load(v3File)).predictBatch(texts);
  for (const ids of [false, true]) {
    const bytes = versionTwo(fs.readFileSync(v3File), { ids });
    assert.equal(bytes.readUInt32LE(8), 2);
    const back = decodeModelFile(bytes, 'v2.bin');
    assert.deepEqual([...back.quantized.embedding.rows], [...compact.quantized.embedding.rows]);
    assert.deepEqual(back.quantized.embedding.pq.codes, compact.quantized.embedding.pq.codes);
    assert.deepEqual(encodeModelFile(back), fs.readFileSync(v3File), 'a version-2 file is written back as version 3');
    const file = path.join(dir, `v2${ids ? '-ids' : ''}.bin`);
    fs.writeFileSync(file, bytes);
    assert.deepEqual(await (await Student.load(file)).predictBatch(texts), want);
  }
  // Bit 1 means nothing in version 3: refused, not misread.
  const flagged = versionTwo(fs.readFileSync(v3File));
  flagged.writeUInt32LE(3, 8);
  assert.throws(() => decodeModelFile(resealed(flagged), 'f.bin'), {
    message: 'f.bin: model file has a quantized matrix with a bad shape',
  });
  const future = Buffer.from(fs.readFileSync(v3File));
  future.writeUInt32LE(4, 8);
  const v4File = path.join(dir, 'v4.bin');
  fs.writeFileSync(v4File, resealed(future));
  const refusal = `${v4File}: model file format version 4 is not supported (this ernie-slim reads versions 1 to 3)`;
  await assert.rejects(
    () => Student.load(v4File),
    (err) => err instanceof InputError && err.message === refusal,
  );
  const run = cli(['predict', '--model', v4File], '好\n');
  assert.equal(run.status, 1);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr.trim(), `ernie-slim: ${refusal}`);
});

test('a model file read outside the heap: released (and its views emptied) when the load is done; odd paths read the ordinary way', async () => {
  const { readFileBytes, releaseFileBytes } = native();
  const file = path.join(dir, 'bytes.bin');
  fs.writeFileSync(file, encodeModelFile(syntheticStudent({ texts, segmentation: defaultSegmentation }).toData()));
  const pages = readFileBytes(file);
  const view = new Uint8Array(pages);
  assert.deepEqual(Buffer.from(view), fs.readFileSync(file));
  releaseFileBytes(pages);
  assert.equal(pages.byteLength, 0);
  assert.equal(view.length, 0, 'views of released bytes read as empty');
  assert.throws(() => releaseFileBytes(pages), {
    message: 'releaseFileBytes: buffer must be an ArrayBuffer from readFileBytes',
  });
  assert.throws(() => releaseFileBytes(new ArrayBuffer(8)), TypeError);
  let seen;
  useModelFile(file, (data) => (seen = data.quantized ?? data.weights.embedding.data));
  assert.ok(seen.length > 0, 'a float model is copied out of the bytes');
  const empty = path.join(dir, 'empty.bin');
  fs.writeFileSync(empty, '');
  for (const [where, message] of [
    [dir, 'is a directory, not a model file'],
    [empty, 'model file is empty (0 bytes)'],
    [path.join(dir, 'missing.bin'), 'cannot read model (ENOENT)'],
  ]) {
    assert.throws(() => useModelFile(where, () => null), { message: `${where}: ${message}` });
  }
});

// An [UNK] written by augment must reach the teacher's tokenizer as its [UNK] id and the student as its [UNK] id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { augment } from '../dist/index.js';
import { readOutput, tempDir, writeLabeledTsv } from './augment-helpers.js';

const dir = tempDir();
const { file } = writeLabeledTsv(dir, 'in.tsv', 30);
const out = path.join(dir, 'out.tsv');
await augment({ input: file, output: out, unk: 0.3, times: 4, threads: 1 });
const { rows } = readOutput(out);
const texts = rows.map((row) => row.fields[2]);
const countUnk = (text) => text.split('[UNK]').length - 1;
const totalUnk = texts.reduce((n, text) => n + countUnk(text), 0);

/** Imports a module of another part of the package, or null with why it is not there yet. */
async function optionalImport(relative) {
  try {
    return { module: await import(relative) };
  } catch (err) {
    return { reason: `${relative} is not available (${err.message.split('\n')[0]})` };
  }
}

test('augment wrote [UNK]s to check', () => {
  assert.ok(totalUnk > 50, `${totalUnk} [UNK]s`);
});

test('the teacher tokenizer reads an augmented [UNK] as its [UNK] id', async (t) => {
  const { module, reason } = await optionalImport('../dist/tokenizer/index.js');
  if (!module?.WordPieceTokenizer) return t.skip(reason ?? 'WordPieceTokenizer is not exported yet');
  // Every other character and Latin word of the texts is in the vocabulary, and so are the pieces a split
  // "[UNK]" would give, so [UNK] ids can only come from the literal token.
  const vocab = new Set(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '[', ']', 'unk', 'un', '##k', '##unk']);
  for (const text of texts) {
    for (const piece of text.replaceAll('[UNK]', ' ').toLowerCase().split(/\s+/)) {
      for (const token of piece.match(/[a-z]+|[0-9]+|[^a-z0-9]/g) ?? []) vocab.add(token);
    }
  }
  const vocabFile = path.join(dir, 'vocab.txt');
  fs.writeFileSync(vocabFile, [...vocab].join('\n') + '\n');
  let tokenizer;
  try {
    tokenizer = module.WordPieceTokenizer.fromFile(vocabFile);
  } catch (err) {
    return t.skip(`the tokenizer cannot load yet: ${err.message.split('\n')[0]}`);
  }
  const unkId = tokenizer.specialIds.unk;
  assert.equal(unkId, 1);
  let seen = 0;
  for (const text of texts) {
    const encoded = tokenizer.encode(text);
    const ids = Array.isArray(encoded) ? encoded : encoded.ids;
    const unks = ids.filter((id) => id === unkId).length;
    assert.equal(unks, countUnk(text), `${text} -> ${ids.join(' ')}`);
    seen += unks;
  }
  assert.equal(seen, totalUnk);
  const batch = await tokenizer.encodeBatch(texts.slice(0, 8));
  const batchUnks = [...batch.inputIds].filter((id) => id === BigInt(unkId)).length;
  assert.equal(
    batchUnks,
    texts.slice(0, 8).reduce((n, text) => n + countUnk(text), 0),
  );
});

test('the student reads an augmented [UNK] as its [UNK] id', async (t) => {
  const segmentation = await optionalImport('../dist/student/segmentation.js');
  const vocabulary = await optionalImport('../dist/student/vocabulary.js');
  if (!segmentation.module || !vocabulary.module) return t.skip(segmentation.reason ?? vocabulary.reason);
  const { studentWords, defaultSegmentation } = segmentation.module;
  const { Vocabulary, WordCounter, UNK_ID } = vocabulary.module;
  // The vocabulary knows every word of the texts, so [UNK] ids can only come from the literal token.
  const counter = new WordCounter();
  const originals = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t')[2]);
  for (const text of originals) counter.add(studentWords(text, defaultSegmentation));
  for (const text of texts) counter.add(studentWords(text.replaceAll('[UNK]', ' '), defaultSegmentation));
  const vocab = Vocabulary.build(counter, { minCount: 1, maxVocab: 0 });
  let seen = 0;
  for (const text of texts) {
    const words = studentWords(text, defaultSegmentation);
    assert.ok(!words.some((w) => w === '[' || w === ']' || /^unk$/i.test(w)), `[UNK] split: ${words.join('|')}`);
    const ids = [...vocab.encode(words)];
    const unks = ids.filter((id) => id === UNK_ID).length;
    assert.equal(unks, countUnk(text), `${text} -> ${words.join('|')}`);
    seen += unks;
  }
  assert.equal(seen, totalUnk);
});

test("the student's bulk segmentation (train, eval) keeps an augmented [UNK] as the [UNK] word", async (t) => {
  const segmentation = await optionalImport('../dist/student/segmentation.js');
  if (!segmentation.module?.rowWordsMany) return t.skip(segmentation.reason ?? 'rowWordsMany is not there yet');
  const { rowWordsMany, defaultSegmentation } = segmentation.module;
  const withUnk = texts.filter((text) => countUnk(text) > 0).slice(0, 20);
  const words = await rowWordsMany(
    withUnk.map((textA) => ({ textA })),
    defaultSegmentation,
  );
  words.forEach((row, i) => {
    // A lowercased "[unk]" would become an ordinary vocabulary word with its own id when train counts words.
    assert.equal(row.filter((w) => w === '[UNK]').length, countUnk(withUnk[i]), `${withUnk[i]} -> ${row.join('|')}`);
  });
});

test('cleanup', () => fs.rmSync(dir, { recursive: true, force: true }));

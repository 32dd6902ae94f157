// Parity with Hugging Face tokenizers on every line of the shared data sets (skipped without ../shared).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { WordPieceTokenizer } from '../dist/index.js';
import { bertVocab, readTsvTexts, referenceIds, referenceTokenizer, sharedDir, sharedMissing, unpaddedRows } from './tokenizer-reference.js';

function assertSameRows(got, expected, inputs, what) {
  assert.equal(got.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (got[i].length !== expected[i].length || got[i].some((id, k) => id !== expected[i][k]))
      assert.deepEqual(got[i], expected[i], `${what} line ${i + 2}: ${JSON.stringify(inputs[i])}`);
  }
}

for (const [set, file] of [
  ['chnsenticorp', 'train.tsv'],
  ['chnsenticorp', 'dev.tsv'],
  ['tnews', 'train.tsv'],
  ['tnews', 'dev.tsv'],
]) {
  test(`${set}/${file}: every line gives the reference's ids`, { skip: sharedMissing }, async () => {
    const texts = readTsvTexts(path.join(sharedDir, 'data', set, file));
    const ours = WordPieceTokenizer.fromFile(bertVocab);
    const reference = await referenceTokenizer(bertVocab, { maxLength: 512 });
    const expected = await referenceIds(reference, texts);
    const rows = [];
    for (let i = 0; i < texts.length; i += 4096) rows.push(...unpaddedRows(await ours.encodeBatch(texts.slice(i, i + 4096), { maxLength: 512 })));
    assertSameRows(rows, expected, texts, `${set}/${file}`);
  });
}

for (const maxLength of [32, 128]) {
  test(`lcqmc pairs truncated to ${maxLength}: the reference's ids`, { skip: sharedMissing }, async () => {
    const pairs = [...readTsvTexts(path.join(sharedDir, 'data/lcqmc/train.tsv')), ...readTsvTexts(path.join(sharedDir, 'data/lcqmc/dev.tsv'))];
    const ours = WordPieceTokenizer.fromFile(bertVocab);
    const reference = await referenceTokenizer(bertVocab, { maxLength });
    const expected = await referenceIds(reference, pairs);
    const rows = unpaddedRows(await ours.encodeBatch(pairs, { maxLength }));
    assertSameRows(rows, expected, pairs, 'lcqmc');
  });
}

test('lcqmc text_a and text_b truncated hard (max 12): the reference ids', { skip: sharedMissing }, async () => {
  const pairs = readTsvTexts(path.join(sharedDir, 'data/lcqmc/dev.tsv'));
  const ours = WordPieceTokenizer.fromFile(bertVocab);
  const reference = await referenceTokenizer(bertVocab, { maxLength: 12 });
  const expected = await referenceIds(reference, pairs);
  assertSameRows(unpaddedRows(await ours.encodeBatch(pairs, { maxLength: 12 })), expected, pairs, 'lcqmc dev');
});

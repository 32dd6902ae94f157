// Parity with Hugging Face tokenizers on every line of the shared data sets (skipped without ../shared).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { WordPieceTokenizer } from '../dist/index.js';
import {
  EDGE_CASES,
  bertVocab,
  randomTexts,
  readTsvTexts,
  referenceIds,
  referenceTokenizer,
  sharedDir,
  sharedMissing,
  unpaddedRows,
} from './tokenizer-reference.js';

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
    for (let i = 0; i < texts.length; i += 4096)
      rows.push(...unpaddedRows(await ours.encodeBatch(texts.slice(i, i + 4096), { maxLength: 512 })));
    assertSameRows(rows, expected, texts, `${set}/${file}`);
  });
}

// Train and dev at 32 (most pairs cut), dev alone at 128 (some cut) and 12 (text_a and text_b both cut hard).
for (const [maxLength, files] of [
  [32, ['train.tsv', 'dev.tsv']],
  [128, ['dev.tsv']],
  [12, ['dev.tsv']],
]) {
  test(
    `lcqmc ${files.join(' + ')} pairs truncated to ${maxLength}: the reference's ids`,
    { skip: sharedMissing },
    async () => {
      const pairs = files.flatMap((file) => readTsvTexts(path.join(sharedDir, 'data/lcqmc', file)));
      const ours = WordPieceTokenizer.fromFile(bertVocab);
      const reference = await referenceTokenizer(bertVocab, { maxLength });
      const expected = await referenceIds(reference, pairs);
      const rows = unpaddedRows(await ours.encodeBatch(pairs, { maxLength }));
      assertSameRows(rows, expected, pairs, 'lcqmc');
    },
  );
}

test('edge cases with bert-base-chinese, cased and uncased, single and paired', { skip: sharedMissing }, async () => {
  for (const lowercase of [true, false]) {
    const ours = WordPieceTokenizer.fromFile(bertVocab, { lowercase });
    const reference = await referenceTokenizer(bertVocab, { lowercase, maxLength: 64 });
    const pairs = EDGE_CASES.map((text, i) => [text, EDGE_CASES[(i * 5 + 3) % EDGE_CASES.length]]);
    for (const inputs of [EDGE_CASES, pairs]) {
      const expected = await referenceIds(reference, inputs);
      assertSameRows(
        unpaddedRows(await ours.encodeBatch(inputs, { maxLength: 64 })),
        expected,
        inputs,
        `lowercase ${lowercase}`,
      );
    }
  }
});

test(
  'seeded random texts and pairs with bert-base-chinese, cased and uncased, truncated',
  { skip: sharedMissing },
  async () => {
    const texts = randomTexts(4000, 11);
    const pairs = randomTexts(3000, 12).map((a, i) => [a, texts[i]]);
    for (const lowercase of [true, false]) {
      const ours = WordPieceTokenizer.fromFile(bertVocab, { lowercase });
      for (const maxLength of [512, 16]) {
        const reference = await referenceTokenizer(bertVocab, { lowercase, maxLength });
        for (const inputs of [texts, pairs]) {
          const expected = await referenceIds(reference, inputs);
          assertSameRows(
            unpaddedRows(await ours.encodeBatch(inputs, { maxLength })),
            expected,
            inputs,
            `lowercase ${lowercase} max ${maxLength}`,
          );
        }
      }
    }
  },
);

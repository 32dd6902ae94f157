// The native segmenter and the student's native encoder against the reference path on every text of the
// data sets in ../shared (ChnSentiCorp, TNEWS, LCQMC both columns, online_shopping_10_cats).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { jiebaDictionary } from '../dist/data/jieba-dictionary.js';
import { defaultSegmentation } from '../dist/student/segmentation.js';
import { syntheticStudent } from './segmenter-fixtures.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const data = path.resolve(repoRoot, '..', 'shared', 'data');
const FILES = [
  'chnsenticorp/train.tsv',
  'chnsenticorp/dev.tsv',
  'tnews/train.tsv',
  'tnews/dev.tsv',
  'lcqmc/train.tsv',
  'lcqmc/dev.tsv',
  'online_shopping_10_cats/reviews.tsv',
];
const missing = FILES.filter((f) => !fs.existsSync(path.join(data, f)));
const skip = missing.length > 0 && `${path.join(data, missing[0])} is absent`;
if (skip) console.log(`# skipping the data set segmentation tests: ${skip}`);

// Rows of a TSV as { textA, textB } (textB where the file has a text_b column).
function rows(file) {
  const [header, ...lines] = fs.readFileSync(path.join(data, file), 'utf8').split('\n');
  const cols = header.split('\t');
  const a = cols.indexOf('text_a');
  const b = cols.indexOf('text_b');
  return lines.filter(Boolean).map((line) => {
    const fields = line.split('\t');
    return b >= 0 ? { textA: fields[a], textB: fields[b] } : { textA: fields[a] };
  });
}

test('cut equals @node-rs/jieba cut(text, false) on every text of the data sets', { skip }, () => {
  const reference = Jieba.withDict(dict);
  const segmenter = jiebaDictionary();
  let texts = 0;
  for (const file of FILES) {
    for (const row of rows(file)) {
      for (const text of row.textB === undefined ? [row.textA] : [row.textA, row.textB]) {
        texts++;
        const ours = segmenter.cut(text);
        const theirs = reference.cut(text, false);
        if (ours.length !== theirs.length || ours.some((w, i) => w !== theirs[i]))
          assert.deepEqual(ours, theirs, `${file}: ${JSON.stringify(text)}`);
      }
    }
  }
  assert.ok(texts > 170_000, `${texts} texts`);
});

test(
  'native word ids and probabilities equal the TypeScript path on ChnSentiCorp and LCQMC pairs',
  { skip },
  async () => {
    const reviews = rows('chnsenticorp/dev.tsv').map((r) => r.textA);
    const pairs = rows('lcqmc/dev.tsv').slice(0, 3000);
    const vocabularyTexts = [
      ...rows('chnsenticorp/train.tsv').map((r) => r.textA),
      ...pairs.flatMap((p) => [p.textA, p.textB]),
    ];
    const settings = [
      { kind: 'bow', bigramBuckets: 5000, segmentation: defaultSegmentation },
      { kind: 'cnn', bigramBuckets: 0, segmentation: { ...defaultSegmentation, maxWords: 40 } },
    ];
    for (const { kind, bigramBuckets, segmentation } of settings) {
      const native = syntheticStudent({ texts: vocabularyTexts, segmentation, kind, bigramBuckets });
      const reference = syntheticStudent({
        texts: vocabularyTexts,
        segmentation,
        kind,
        bigramBuckets,
        textEncoder: 'javascript',
      });
      assert.equal(native.textEncoder, 'native');
      assert.equal(reference.textEncoder, 'javascript');
      const inputs = [...reviews, ...pairs];
      for (const input of inputs)
        assert.deepEqual(native.encode(input), reference.encode(input), JSON.stringify(input));
      for (const input of inputs.slice(0, 2000)) assert.deepEqual(native.predict(input), reference.predict(input));
      assert.deepEqual(await native.predictBatch(inputs), await reference.predictBatch(inputs));
    }
  },
);

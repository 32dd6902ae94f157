// Streaming training: the token cache against the reference segmentation (@node-rs/jieba), its vocabulary against
// Vocabulary.build, reuse by later runs, reproducible epochs, and label-sorted input training like shuffled input.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { train } from '../dist/index.js';
import { tokenCache, cacheVocabulary } from '../dist/student/token-cache.js';
import { readLabeledTsv } from '../dist/data/tsv-reader.js';
import { LabelMap } from '../dist/data/label-map.js';
import { defaultSegmentation, pairWords, rowWords } from '../dist/student/segmentation.js';
import { Vocabulary, WordCounter } from '../dist/student/vocabulary.js';
import { liveTemporaries } from '../dist/data/temp-files.js';
import { sharedData } from './augment-helpers.js';
import { cli, generatePairs, generateReviews, tempDir, writeLabeledTsv, writePairTsv } from './student-fixtures.js';

const dir = tempDir('ernie-slim-stream-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const reviewsFile = path.join(sharedData, 'online_shopping_10_cats', 'reviews.tsv');
const haveReviews = fs.existsSync(reviewsFile);

/** Rows of online_shopping_10_cats (label = category), in a fixed shuffled order; generated reviews without it. */
function realRows(n) {
  if (!haveReviews) return generateReviews(n, 7);
  const lines = fs.readFileSync(reviewsFile, 'utf8').split('\n').slice(1);
  const rows = [];
  for (const line of lines) {
    const [cat, , text] = line.split('\t');
    if (text && text.trim() !== '') rows.push({ label: cat, text: text.replace(/^\uFEFF/, '') });
  }
  let seed = 12345;
  for (let i = rows.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const j = seed % (i + 1);
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  return rows.slice(0, n);
}

// Texts the native encoder leaves to the reference path (lone surrogate, capital sigma inside a word) and the rules
// it must follow itself ([UNK] kept whole, Latin and full-width lowercased, astral characters, blank runs).
const TRICKY = [
  '酒店[UNK]房间很好',
  'GREAT Hotel，ＡＢＣ房间',
  'ΟΔΥΣΣΕΥΣ 书',
  '坏\uD800字符',
  '𠀀𠀁 astral 字',
  '  多个   空格  ',
  '[UNK]',
  'İstanbul 酒店',
];

async function fileRows(file) {
  const rows = [];
  for await (const row of readLabeledTsv(file)) rows.push(row);
  return rows;
}

/** Every row of a cache as "label|kind|words" (the writer may put reference-path rows after their batch). */
function cacheRows(cache, meta) {
  const out = [];
  for (let b = 0; b < cache.blocks; b++) {
    const block = cache.readBlock(b);
    let at = 0;
    let atB = 0;
    for (let r = 0; r < block.labels.length; r++) {
      const words = Array.from(block.idsA.subarray(at, at + block.lengthsA[r]), (id) => meta.words[id]);
      at += block.lengthsA[r];
      let text = words.join(' ');
      if (cache.towers) {
        const b2 = Array.from(block.idsB.subarray(atB, atB + block.lengthsB[r]), (id) => meta.words[id]);
        atB += block.lengthsB[r];
        text += ' || ' + b2.join(' ');
      }
      const logits =
        block.numLabels > 0 ? Array.from(block.logits.subarray(r * block.numLabels, (r + 1) * block.numLabels)) : [];
      const soft = logits.length > 0 && !Number.isNaN(logits[0]) ? logits.map((v) => v.toFixed(3)).join(',') : '';
      out.push(`${meta.labels[block.labels[r]]}|${block.kind}|${text}|${soft}`);
    }
  }
  return out.sort();
}

function cacheRequest(train, extra = {}) {
  return {
    train,
    distill: [],
    segmentation: defaultSegmentation,
    towers: false,
    skipBadLines: false,
    threads: 2,
    cacheDir: path.join(dir, 'caches'),
    out: null,
    keep: true,
    blockRows: 50,
    ...extra,
  };
}

test('the token cache holds the words of the reference path, row by row, and Vocabulary.build over them', async () => {
  const rows = realRows(700);
  TRICKY.forEach((text, i) => rows.splice(i * 60, 0, { label: rows[i].label, text }));
  const trainFile = writeLabeledTsv(dir, 'parity.tsv', rows);
  const distillFile = path.join(dir, 'parity-distill.tsv');
  const labels = [...new Set(rows.map((r) => r.label))].sort();
  const labelMap = LabelMap.fromLabels(labels);
  fs.writeFileSync(
    distillFile,
    'text_a\tlabel\tlogits\n' +
      rows
        .slice(0, 120)
        .map(
          (r, i) =>
            `${r.text}\t${r.label}\t${i % 2 ? labels.map((_, k) => (k * 0.5 - i / 100).toFixed(3)).join(',') : ''}\n`,
        )
        .join(''),
  );
  const { cache, meta, reused } = await tokenCache(cacheRequest(trainFile, { distill: [distillFile] }));
  assert.equal(reused, false);
  assert.deepEqual(cache.rows, [rows.length, 120]);
  assert.ok(cache.blocks >= rows.length / 50);

  const expected = [];
  const counter = new WordCounter();
  for (const [file, kind] of [
    [trainFile, 0],
    [distillFile, 1],
  ]) {
    for (const row of await fileRows(file)) {
      const words = rowWords(row.textA, row.textB, defaultSegmentation);
      counter.add(words);
      const soft = row.logits ? Array.from(row.logits, (v) => v.toFixed(3)).join(',') : '';
      expected.push(`${row.label}|${kind}|${words.join(' ')}|${soft}`);
    }
  }
  assert.deepEqual(cacheRows(cache, meta), expected.sort());

  for (const limits of [
    { minCount: 1, maxVocab: 0 },
    { minCount: 2, maxVocab: 300 },
  ]) {
    const reference = Vocabulary.build(counter, limits);
    const { vocabulary, words } = cacheVocabulary(meta, labelMap, limits);
    assert.deepEqual(vocabulary.words, reference.words);
    meta.words.forEach((word, i) => assert.equal(words[i], reference.idOf(word) || 1));
  }
});

test('two towers: text_a and text_b are cached apart, each cut to maxWords', async () => {
  const rows = generatePairs(80, 4);
  rows[3].b = 'ABC[UNK]坏\uD800字';
  const trainFile = writePairTsv(dir, 'pairs.tsv', rows);
  const segmentation = { ...defaultSegmentation, maxWords: 3 };
  const { cache, meta } = await tokenCache(cacheRequest(trainFile, { towers: true, segmentation }));
  assert.equal(cache.towers, true);
  const expected = (await fileRows(trainFile)).map((row) => {
    const [a, b] = pairWords(row.textA, row.textB, segmentation);
    return `${row.label}|0|${a.join(' ')} || ${b.join(' ')}|`;
  });
  assert.deepEqual(cacheRows(cache, meta), expected.sort());
});

test('a later run with the same inputs reuses the cache; a changed input does not; without --cache-dir none is left', async () => {
  const trainFile = writeLabeledTsv(dir, 'reuse.tsv', generateReviews(300, 5));
  const cacheDir = path.join(dir, 'reuse-cache');
  const options = { train: trainFile, model: 'bow', epochs: 2, embDim: 8, threads: 1, seed: 2, cacheDir };
  const first = await train({ ...options, out: path.join(dir, 'reuse1.bin') });
  assert.equal(first.tokenCache.reused, false);
  const second = await train({ ...options, out: path.join(dir, 'reuse2.bin') });
  assert.equal(second.tokenCache.reused, true);
  assert.equal(second.tokenCache.file, first.tokenCache.file);
  assert.deepEqual(fs.readFileSync(path.join(dir, 'reuse2.bin')), fs.readFileSync(path.join(dir, 'reuse1.bin')));
  fs.appendFileSync(trainFile, 'pos\t很好，喜欢\n');
  const third = await train({ ...options, out: path.join(dir, 'reuse3.bin') });
  assert.equal(third.tokenCache.reused, false);
  assert.equal(third.trainRows, 301);

  const outDir = fs.mkdtempSync(path.join(dir, 'plain-'));
  const plain = await train({ ...options, cacheDir: undefined, out: path.join(outDir, 'm.bin') });
  assert.equal(plain.tokenCache.reused, false);
  assert.ok(plain.tokenCache.file.startsWith(outDir), 'the cache goes next to the output');
  assert.deepEqual(fs.readdirSync(outDir), ['m.bin']);
  assert.deepEqual(liveTemporaries(), []);
});

test('threads-1 runs are reproducible; the cache streams in windows of blocks', async () => {
  const trainFile = writeLabeledTsv(dir, 'repro.tsv', generateReviews(500, 9));
  const run = (out) =>
    train({
      train: trainFile,
      out: path.join(dir, out),
      model: 'bow',
      ngrams: 2,
      epochs: 2,
      embDim: 8,
      threads: 1,
      seed: 4,
      wordDropout: 0.1,
      cacheBlockRows: 40,
      shuffleWindowBlocks: 3,
    });
  await run('repro1.bin');
  await run('repro2.bin');
  assert.deepEqual(fs.readFileSync(path.join(dir, 'repro1.bin')), fs.readFileSync(path.join(dir, 'repro2.bin')));
});

test('a label-sorted file reaches the accuracy of the same rows shuffled', async () => {
  const rows = realRows(haveReviews ? 6000 : 2000);
  const dev = realRows(haveReviews ? 7000 : 2600).slice(rows.length);
  const shuffledFile = writeLabeledTsv(dir, 'shuffled.tsv', rows);
  const sortedFile = writeLabeledTsv(
    dir,
    'sorted.tsv',
    [...rows].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0)),
  );
  const devFile = writeLabeledTsv(dir, 'sorted-dev.tsv', dev);
  const options = { dev: devFile, model: 'bow', epochs: 3, embDim: 32, threads: 1, seed: 1 };
  // One window holds every row of the shuffled file: a full shuffle, as rows in memory are shuffled.
  const full = await train({ ...options, train: shuffledFile, cacheBlockRows: 100000 });
  // Blocks of 50 rows, 8 at a time: each window sees a few hundred rows of a file sorted by label.
  const streamed = await train({ ...options, train: sortedFile, cacheBlockRows: 50, shuffleWindowBlocks: 8 });
  assert.ok(
    streamed.devAccuracy >= full.devAccuracy - 0.02,
    `sorted ${streamed.devAccuracy} vs shuffled ${full.devAccuracy}`,
  );
});

test('train --keep-cache leaves the cache next to --out, and the next run reuses it', () => {
  const outDir = fs.mkdtempSync(path.join(dir, 'keep-'));
  const trainFile = writeLabeledTsv(outDir, 'train.tsv', generateReviews(200, 11));
  const args = [
    'train',
    '--train',
    trainFile,
    '--model',
    'bow',
    '--epochs',
    '1',
    '--emb-dim',
    '8',
    '--threads',
    '1',
    '--keep-cache',
  ];
  const first = cli([...args, '--out', path.join(outDir, 'a.bin'), '--json']);
  assert.equal(first.status, 0, first.stderr);
  const cached = fs.readdirSync(outDir).filter((f) => f.startsWith('ernie-slim-tokens-'));
  assert.deepEqual(
    cached.map((f) => path.extname(f)),
    ['.bin', '.json'],
  );
  const stamp = fs.statSync(path.join(outDir, cached[0])).mtimeMs;
  const second = cli([...args, '--out', path.join(outDir, 'b.bin')]);
  assert.equal(second.status, 0, second.stderr);
  assert.equal(fs.statSync(path.join(outDir, cached[0])).mtimeMs, stamp, 'the cache was read, not written again');
  assert.deepEqual(fs.readFileSync(path.join(outDir, 'a.bin')), fs.readFileSync(path.join(outDir, 'b.bin')));
});

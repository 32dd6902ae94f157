// ChnSentiCorp train grown tenfold, as ERNIE Slim's Case 2 (skipped without ../shared).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readOutput, runCli, sharedData, tempDir } from './augment-helpers.js';
import { analyzeText, analyzeTextAsync } from '../dist/augment/analyzed-text.js';
import { WordTagCounts } from '../dist/augment/word-tags.js';

const train = path.join(sharedData, 'chnsenticorp', 'train.tsv');
const skip = fs.existsSync(train) ? false : `${train} is absent (the data sets live in ../shared)`;

test('ChnSentiCorp train x10: 96,000 new lines, labels carried, rows grouped in order', { skip }, () => {
  const dir = tempDir();
  const out = path.join(dir, 'train.aug.tsv');
  const run = runCli(['augment', '--input', train, '--output', out, '--json']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.json.input_rows, 9600);
  assert.equal(run.json.new_lines, 96000);
  const { header, rows } = readOutput(out);
  assert.deepEqual(header, ['label', 'text_a', 'aug']);
  assert.equal(rows.length, 96000);
  const labels = fs
    .readFileSync(train, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t')[0]);
  rows.forEach((row, i) => assert.equal(row.fields[0], labels[Math.floor(i / 10)], `line ${i + 2}`));
  for (const strategy of ['unk', 'pos', 'nsample']) {
    const share = run.json.by_strategy[strategy] / 96000;
    assert.ok(Math.abs(share - 1 / 3) < 0.02, `${strategy}: ${share}`);
  }
  console.log(
    `ChnSentiCorp x10: ${run.json.seconds.toFixed(2)} s inside the command, ${run.json.pos_table_words} (word, tag) pairs`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test("ChnSentiCorp: per-word tags after a thread-pool cut equal jieba's tag of every line", { skip }, async () => {
  const texts = fs
    .readFileSync(train, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t')[1]);
  const settings = { tag: true, hmm: false, unkToken: '[UNK]' };
  const counts = new WordTagCounts(false);
  let words = 0;
  for (let start = 0; start < texts.length; start += 256) {
    const slice = texts.slice(start, start + 256);
    const fast = await Promise.all(slice.map((text) => analyzeTextAsync(text, settings, counts)));
    slice.forEach((text, i) => {
      const line = analyzeText(text, settings);
      assert.deepEqual(fast[i].words, line.words, `line ${start + i + 2}`);
      assert.deepEqual(fast[i].tags, line.tags, `line ${start + i + 2}`);
      words += line.words.length;
    });
  }
  assert.ok(words > 600000, `${words} words`);
});

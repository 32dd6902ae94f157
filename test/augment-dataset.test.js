// ChnSentiCorp train grown tenfold, as ERNIE Slim's Case 2 (skipped without ../shared).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readOutput, runCli, sharedData, tempDir } from './augment-helpers.js';

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
  const labels = fs.readFileSync(train, 'utf8').trim().split('\n').slice(1).map((line) => line.split('\t')[0]);
  rows.forEach((row, i) => assert.equal(row.fields[0], labels[Math.floor(i / 10)], `line ${i + 2}`));
  for (const strategy of ['unk', 'pos', 'nsample']) {
    const share = run.json.by_strategy[strategy] / 96000;
    assert.ok(Math.abs(share - 1 / 3) < 0.02, `${strategy}: ${share}`);
  }
  console.log(`ChnSentiCorp x10: ${run.json.seconds.toFixed(2)} s inside the command, ${run.json.pos_table_words} (word, tag) pairs`);
  fs.rmSync(dir, { recursive: true, force: true });
});

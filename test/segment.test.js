// jieba segmentation and `ernie-slim segment` (stdin lines to words, word/POS with --pos).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { segmentWords, tagWords } from '../dist/index.js';
import { cli } from './student-fixtures.js';

test('segmentWords cuts Chinese into words and drops whitespace', () => {
  assert.deepEqual(segmentWords('我们中出了一个叛徒 Hello World'), [
    '我们',
    '中',
    '出',
    '了',
    '一个',
    '叛徒',
    'Hello',
    'World',
  ]);
});

test('tagWords gives part-of-speech tags', () => {
  const tagged = tagWords('我们中出了一个叛徒');
  assert.deepEqual(tagged[0], { word: '我们', tag: 'r' });
  assert.equal(tagged.at(-1).tag, 'n');
});

test('segment command: one output line per input line, empty lines kept', () => {
  const run = cli(['segment'], '我们中出了一个叛徒\n\n今天天气不错\n');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, '我们 中 出 了 一个 叛徒\n\n今天天气 不错\n');
});

test('segment --pos writes word/POS; invalid UTF-8 names <stdin>:line', () => {
  const run = cli(['segment', '--pos'], '我们中出了一个叛徒\n');
  assert.equal(run.stdout, '我们/r 中/f 出/v 了/ul 一个/m 叛徒/n\n');
  const bad = cli(['segment'], Buffer.concat([Buffer.from('好\n'), Buffer.from([0xc3, 0x28, 0x0a])]));
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, 'ernie-slim: <stdin>:2: invalid UTF-8\n');
});

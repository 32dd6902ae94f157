// The native jieba-compatible segmenter (native/segmenter) against @node-rs/jieba's cut(text, false), the
// reference, on generated adversarial text; the dictionary it reads; errors for a missing or corrupt one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { InputError } from '../dist/index.js';
import {
  jiebaDictionary,
  jiebaDictionaryPath,
  loadJiebaDictionary,
  openJiebaDictionary,
} from '../dist/data/jieba-dictionary.js';
import { adversarialTexts, PIECES } from './segmenter-fixtures.js';
import { tempDir } from './student-fixtures.js';

const reference = Jieba.withDict(dict);
const dir = tempDir('ernie-slim-segmenter-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the native segmenter reads the very dict.txt that @node-rs/jieba is given', () => {
  assert.ok(jiebaDictionaryPath().endsWith(path.join('@node-rs', 'jieba', 'dict.txt')));
  assert.deepEqual(fs.readFileSync(jiebaDictionaryPath()), Buffer.from(dict));
  assert.equal(jiebaDictionary().wordCount, 349045);
});

test('cut equals @node-rs/jieba cut(text, false) token for token on adversarial text', () => {
  const segmenter = jiebaDictionary();
  const texts = adversarialTexts();
  for (const text of texts) assert.deepEqual(segmenter.cut(text), reference.cut(text, false), JSON.stringify(text));
  assert.ok(texts.length > PIECES.length * 2);
});

test('cut equals @node-rs/jieba on every code point, alone and between letters, digits and words', () => {
  const segmenter = jiebaDictionary();
  for (let start = 0; start < 0x110000; start += 4096) {
    const chars = [];
    for (let c = start; c < start + 4096; c++) if (c < 0xd800 || c > 0xdfff) chars.push(String.fromCodePoint(c));
    for (const text of [chars.join(''), chars.map((c) => `a${c}1中国${c}`).join('')]) {
      assert.deepEqual(segmenter.cut(text), reference.cut(text, false), `code points from ${start.toString(16)}`);
    }
  }
});

test('cutBoundaries gives where each token of cut ends, in UTF-16 units', () => {
  const segmenter = jiebaDictionary();
  for (const text of adversarialTexts(200, 11)) {
    const ends = [];
    let at = 0;
    for (const token of segmenter.cut(text)) ends.push((at += token.length));
    assert.deepEqual([...segmenter.cutBoundaries(text)], ends, JSON.stringify(text));
  }
});

test('jieba classics cut as jieba cuts them', () => {
  const segmenter = jiebaDictionary();
  assert.deepEqual(segmenter.cut('我们中出了一个叛徒'), ['我们', '中', '出', '了', '一个', '叛徒']);
  assert.deepEqual(segmenter.cut('abc网球拍卖会def！！？\r\n\t'), [
    'abc',
    '网球',
    '拍卖会',
    'def',
    '！',
    '！',
    '？',
    '\r\n',
    '\t',
  ]);
});

test('a dictionary with repeated words keeps the later frequency, as jieba-rs does', () => {
  const file = path.join(dir, 'repeat.txt');
  const text = '中国 10 ns\n中 1 n\n国 1 n\n中国 1 ns\n国人 100 n\n\n';
  fs.writeFileSync(file, text);
  const ours = openJiebaDictionary(file);
  const theirs = Jieba.withDict(Buffer.from(text));
  for (const t of ['中国人', '中国', '人中国国人']) assert.deepEqual(ours.cut(t), theirs.cut(t, false), t);
  assert.equal(ours.wordCount, 4);
});

test('a missing or corrupt dictionary is one InputError naming the file (and line)', async () => {
  const missing = path.join(dir, 'no-such-dict.txt');
  const check = (re) => (err) => err instanceof InputError && re.test(err.message) && !err.message.includes('\n');
  assert.throws(
    () => openJiebaDictionary(missing),
    check(/no-such-dict\.txt: cannot read the jieba dictionary \(No such file or directory\)/),
  );
  await assert.rejects(loadJiebaDictionary(missing), check(/no-such-dict\.txt: cannot read the jieba dictionary/));
  const badFreq = path.join(dir, 'bad-freq.txt');
  fs.writeFileSync(badFreq, '中国 10 ns\n北京 lots ns\n');
  assert.throws(
    () => openJiebaDictionary(badFreq),
    check(/bad-freq\.txt:2: the frequency "lots" is not a non-negative integer/),
  );
  await assert.rejects(loadJiebaDictionary(badFreq), check(/bad-freq\.txt:2: the frequency "lots"/));
  const badUtf8 = path.join(dir, 'bad-utf8.txt');
  fs.writeFileSync(badUtf8, Buffer.concat([Buffer.from('中国 10 ns\n'), Buffer.from([0xe4, 0xb8, 0x0a])]));
  assert.throws(() => openJiebaDictionary(badUtf8), check(/bad-utf8\.txt:2: invalid UTF-8/));
  const empty = path.join(dir, 'empty.txt');
  fs.writeFileSync(empty, '\n  \n');
  assert.throws(() => openJiebaDictionary(empty), check(/empty\.txt: the jieba dictionary has no words/));
  assert.throws(() => openJiebaDictionary(dir), InputError, 'a directory is not a dictionary');
});

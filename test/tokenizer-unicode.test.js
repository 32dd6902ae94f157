// Every code point through the normalizer and the pre-tokenizer, against Hugging Face tokenizers; and the
// generated Unicode tables against a fresh run of their generator.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import tokenizers from 'tokenizers';
import { WordPieceTokenizer } from '../dist/index.js';
import { writeFixtureVocabs } from './tokenizer-reference.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHUNK = 4096;

let vocabs;
before(() => {
  vocabs = writeFixtureVocabs();
});
after(() => fs.rmSync(vocabs.dir, { recursive: true, force: true }));

// Code points [start, start + CHUNK) without surrogates, each after `separator` so that none combines with another.
function chunkText(start, separator) {
  let s = '';
  for (let cp = start; cp < Math.min(start + CHUNK, 0x110000); cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    s += separator + String.fromCodePoint(cp);
  }
  return s;
}

function firstDifference(a, b) {
  const x = [...a];
  const y = [...b];
  let i = 0;
  while (i < x.length && x[i] === y[i]) i++;
  const show = (cs) =>
    cs
      .slice(Math.max(0, i - 2), i + 3)
      .map((c) => 'U+' + c.codePointAt(0).toString(16).toUpperCase())
      .join(' ');
  return `ours ${show(x)} | reference ${show(y)}`;
}

for (const lowercase of [true, false]) {
  test(`normalizer (lowercase ${lowercase}) matches BertNormalizer on every code point`, () => {
    const ours = WordPieceTokenizer.fromFile(vocabs.bert, { lowercase });
    const reference = tokenizers.bertNormalizer({ cleanText: true, handleChineseChars: true, lowercase });
    for (let start = 0; start < 0x110000; start += CHUNK) {
      const text = chunkText(start, 'x');
      const got = ours.normalize(text);
      const expected = reference.normalizeString(text);
      if (got !== expected) assert.fail(`from U+${start.toString(16)}: ${firstDifference(got, expected)}`);
    }
  });
}

test('NFD canonical ordering of combining marks: every triple of a set of marks, starters and controls', () => {
  // Combining marks of Unicode 8.0 that stay (Mc), that strip-accents drops (Mn, classes above 0 and 0), of
  // 9.0 (still ordered by the reference) and later (not), with starters, a control and a format character.
  const marks = [
    0x1b44, 0x302e, 0x302f, 0xa953, 0x1d165, 0x1d16d, 0x1d16e, 0x111c0, 0x0301, 0x0316, 0x05b0, 0x0941, 0x08d4, 0x1e944,
    0x1df6, 0x11d42, 0x0f73, 0x0344, 0x0007, 0x200d, 0x61, 0x4e2d, 0x20, 0x01d6, 0x1d15f,
  ];
  const chars = marks.map((c) => String.fromCodePoint(c));
  let text = '';
  for (const a of chars) for (const b of chars) for (const c of chars) text += 'x' + a + b + c;
  for (const lowercase of [true, false]) {
    const ours = WordPieceTokenizer.fromFile(vocabs.bert, { lowercase });
    const reference = tokenizers.bertNormalizer({ cleanText: true, handleChineseChars: true, lowercase });
    const got = ours.normalize(text);
    const expected = reference.normalizeString(text);
    if (got !== expected) assert.fail(`lowercase ${lowercase}: ${firstDifference(got, expected)}`);
  }
});

test('pre-tokenizer matches BertPreTokenizer on every code point', () => {
  const ours = WordPieceTokenizer.fromFile(vocabs.bert);
  const reference = tokenizers.bertPreTokenizer();
  for (let start = 0; start < 0x110000; start += CHUNK) {
    const text = chunkText(start, 'a');
    const got = ours.preTokenize(text);
    const expected = reference.preTokenizeString(text).map(([w]) => w);
    if (got.join('\u0001') !== expected.join('\u0001'))
      assert.fail(`from U+${start.toString(16)}: ${firstDifference(got.join('|'), expected.join('|'))}`);
  }
});

test('unicode_tables.cc is what its generator makes from the Unicode Character Database', (t) => {
  const ucd = '/usr/share/unicode';
  const committed = fs.readFileSync(path.join(root, 'native/tokenizer/unicode_tables.cc'), 'utf8');
  const unicodeVersion = /ICU [0-9.]+ \(Unicode ([0-9.]+)/.exec(committed)?.[1];
  if (!fs.existsSync(path.join(ucd, 'UnicodeData.txt'))) {
    t.skip(`no ${ucd}/UnicodeData.txt (apt-get install unicode-data) to regenerate from`);
    return;
  }
  if (unicodeVersion !== process.versions.unicode) {
    t.skip(
      `the tables were generated with Unicode ${unicodeVersion} lowercase; this Node has ${process.versions.unicode}`,
    );
    return;
  }
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-tables-')), 'unicode_tables.cc');
  execFileSync(process.execPath, [path.join(root, 'native/tokenizer/generate_unicode_tables.mjs'), ucd, out], {
    stdio: 'pipe',
  });
  const regenerated = fs.readFileSync(out, 'utf8');
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  // The first line names the UCD version, which may differ while the tables, capped at Unicode 8.0, do not.
  const body = (s) =>
    s
      .split('\n')
      .slice(1)
      .join('\n')
      .replace(/ICU [0-9.]+/, 'ICU');
  assert.ok(
    body(regenerated) === body(committed),
    'native/tokenizer/unicode_tables.cc differs from a fresh run of its generator',
  );
});

// `ernie-slim tokenize` as a user runs it: stdin to stdout, exit codes and one-line errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WordPieceTokenizer } from '../dist/index.js';
import { EDGE_CASES, referenceIds, referenceTokenizer, writeFixtureVocabs } from './tokenizer-reference.js';

const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js');
const tokenize = (args, input) =>
  spawnSync(process.execPath, [main, 'tokenize', ...args], { input, maxBuffer: 1 << 28 });

let vocabs;
before(() => {
  vocabs = writeFixtureVocabs();
});
after(() => fs.rmSync(vocabs.dir, { recursive: true, force: true }));

// Lines of the edge cases without the characters that would split them into several input lines.
const lines = EDGE_CASES.map((t) => t.replace(/[\r\n\u0085\u2028\u2029]/g, ' '));

test('stdin lines to the reference ids, [CLS] ... [SEP], one line each', async () => {
  const run = tokenize(['--vocab', vocabs.bert], lines.join('\n') + '\n');
  assert.equal(run.status, 0, run.stderr.toString());
  const expected = await referenceIds(await referenceTokenizer(vocabs.bert, { maxLength: 512 }), lines);
  assert.equal(run.stdout.toString(), expected.map((ids) => ids.join(' ') + '\n').join(''));
});

test('CRLF line ends, a last line without a newline, and many blocks', async () => {
  const many = Array.from({ length: 60000 }, (_, i) => `${lines[i % lines.length]} ${i}`);
  const run = tokenize(['--vocab', vocabs.bert, '--max-len', '64'], many.join('\r\n'));
  assert.equal(run.status, 0, run.stderr.toString());
  const tokenizer = WordPieceTokenizer.fromFile(vocabs.bert);
  const out = run.stdout.toString().split('\n');
  assert.equal(out.pop(), '');
  assert.equal(out.length, many.length);
  for (let i = 0; i < many.length; i += 97)
    assert.equal(out[i], tokenizer.encode(many[i], null, { maxLength: 64 }).join(' '));
});

test('--pair with truncation, --no-lowercase, and an ERNIE vocabulary', async () => {
  const pairs = lines.map((t, i) => [t.replace(/\t/g, ' '), lines[(i * 7) % lines.length].replace(/\t/g, ' ')]);
  const run = tokenize(
    ['--vocab', vocabs.bert, '--pair', '--max-len', '24'],
    pairs.map((p) => p.join('\t')).join('\n'),
  );
  assert.equal(run.status, 0, run.stderr.toString());
  const expected = await referenceIds(await referenceTokenizer(vocabs.bert, { maxLength: 24 }), pairs);
  assert.equal(run.stdout.toString(), expected.map((ids) => ids.join(' ') + '\n').join(''));

  const cased = tokenize(['--vocab', vocabs.bert, '--no-lowercase'], 'Hello WORLD Café\n');
  const casedExpected = await referenceIds(await referenceTokenizer(vocabs.bert, { lowercase: false }), [
    'Hello WORLD Café',
  ]);
  assert.equal(cased.stdout.toString(), casedExpected[0].join(' ') + '\n');

  const ernie = tokenize(['--vocab', vocabs.ernie], 'hello world\n');
  const n = vocabs.tokens.length;
  const bertIds = (await referenceIds(await referenceTokenizer(vocabs.bert), ['hello world']))[0];
  assert.equal(ernie.stdout.toString(), bertIds.map((id) => n - 1 - id).join(' ') + '\n');
});

test('a missing vocabulary: exit 1 and one line naming the file', () => {
  const missing = path.join(vocabs.dir, 'missing-vocab.txt');
  const run = tokenize(['--vocab', missing], 'hello\n');
  assert.equal(run.status, 1);
  const err = run.stderr.toString().trim().split('\n');
  assert.equal(err.length, 1, run.stderr.toString());
  assert.match(err[0], new RegExp(missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
});

test('a vocabulary without [UNK]: exit 1 naming the file', () => {
  const file = path.join(vocabs.dir, 'no-unk.txt');
  fs.writeFileSync(file, vocabs.tokens.filter((t) => t !== '[UNK]').join('\n'));
  const run = tokenize(['--vocab', file], 'hello\n');
  assert.equal(run.status, 1);
  assert.match(run.stderr.toString(), /no-unk\.txt.*\[UNK\]/);
});

test('invalid UTF-8 on stdin: exit 1 naming the line', () => {
  const input = Buffer.concat([
    Buffer.from('good line\nanother\n'),
    Buffer.from([0x61, 0xff, 0x62, 0x0a]),
    Buffer.from('after\n'),
  ]);
  const run = tokenize(['--vocab', vocabs.bert], input);
  assert.equal(run.status, 1);
  assert.equal(run.stderr.toString().trim(), 'ernie-slim: <stdin>:3: invalid UTF-8');
});

test('a line without a tab under --pair: exit 1 naming the line', () => {
  const run = tokenize(['--vocab', vocabs.bert, '--pair'], 'a\tb\nno tab here\n');
  assert.equal(run.status, 1);
  assert.match(run.stderr.toString(), /^ernie-slim: <stdin>:2: expected text_a<TAB>text_b/);
});

test('usage errors exit 2', () => {
  assert.equal(tokenize(['--vocab', vocabs.bert, '--no-such-flag'], '').status, 2);
  assert.equal(tokenize(['--vocab', vocabs.bert, '--max-len', 'x'], '').status, 2);
  assert.equal(tokenize([], '').status, 2);
});

test('--json prints one JSON object as the last line', () => {
  const run = tokenize(['--vocab', vocabs.bert, '--json'], 'hello\nworld\n');
  assert.equal(run.status, 0);
  const out = run.stdout.toString().trim().split('\n');
  assert.equal(JSON.parse(out.at(-1)).lines, 2);
});

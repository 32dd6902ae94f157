// `ernie-slim augment` end to end on generated fixtures: output shape, determinism, pairs, plain text, bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { segmentWords } from '../dist/data/segmenter.js';
import { joinWords, spacesBetween } from '../dist/augment/word-spacing.js';
import { augment } from '../dist/index.js';
import { makeTexts, readOutput, runCli, strayFiles, tempDir, writeLabeledTsv } from './augment-helpers.js';

const dir = tempDir();
const labeled = writeLabeledTsv(dir, 'labeled.tsv', 40);
const pairs = writeLabeledTsv(dir, 'pairs.tsv', 30, { pairs: true, salt: 21 });

function isSpanOf(text, source) {
  const words = segmentWords(source);
  const spaces = spacesBetween(words);
  for (let s = 0; s < words.length; s++)
    for (let e = s + 1; e <= words.length; e++) if (joinWords(words, spaces, s, e) === text) return true;
  return false;
}

test('the output has the input columns plus aug, --times lines per row, grouped in input order', () => {
  const out = path.join(dir, 'out.tsv');
  const run = runCli([
    'augment',
    '--input',
    labeled.file,
    '--output',
    out,
    '--times',
    '3',
    '--keep-original',
    '--threads',
    '1',
    '--json',
  ]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.json.input_rows, 40);
  assert.equal(run.json.new_lines, 120);
  assert.equal(run.json.lines_written, 1 + 40 * 4);
  const { header, rows } = readOutput(out);
  assert.deepEqual(header, ['id', 'label', 'text_a', 'aug']);
  assert.equal(rows.length, 40 * 4);
  rows.forEach((row, i) => {
    const source = labeled.lines[Math.floor(i / 4)].split('\t');
    assert.equal(row.fields.length, 4);
    assert.equal(row.fields[0], source[0], `line ${i + 2} out of order`);
    assert.equal(row.fields[1], source[1], 'label carried');
    if (i % 4 === 0) {
      assert.equal(row.aug, 'orig');
      assert.equal(row.line, `${labeled.lines[i / 4]}\torig`);
    } else {
      assert.ok(['unk', 'pos', 'nsample'].includes(row.aug), row.aug);
    }
    if (row.aug === 'nsample')
      assert.ok(isSpanOf(row.fields[2], source[2]), `${row.fields[2]} not a span of ${source[2]}`);
  });
  assert.deepEqual(new Set(rows.map((r) => r.aug)), new Set(['orig', 'unk', 'pos', 'nsample']));
  assert.deepEqual(strayFiles(dir), []);
});

test('the same seed gives byte-identical output, with any thread count; another seed differs', () => {
  const file = (name) => path.join(dir, name);
  const common = ['augment', '--input', labeled.file, '--times', '4'];
  for (const [name, extra] of [
    ['s1a.tsv', ['--seed', '42', '--threads', '1']],
    ['s1b.tsv', ['--seed', '42', '--threads', '1']],
    ['s1c.tsv', ['--seed', '42', '--threads', '2']],
    ['s2.tsv', ['--seed', '43', '--threads', '1']],
  ]) {
    const run = runCli([...common, '--output', file(name), ...extra]);
    assert.equal(run.status, 0, run.stderr);
  }
  const a = fs.readFileSync(file('s1a.tsv'));
  assert.ok(a.equals(fs.readFileSync(file('s1b.tsv'))), 'same seed, different bytes');
  assert.ok(a.equals(fs.readFileSync(file('s1c.tsv'))), '--threads 2 differs from --threads 1');
  assert.ok(!a.equals(fs.readFileSync(file('s2.tsv'))), 'another seed, same bytes');
  for (const name of ['s1a.tsv', 's1b.tsv', 's1c.tsv', 's2.tsv']) fs.rmSync(file(name));
});

test('over many lines the [UNK] rate matches --unk', async () => {
  const out = path.join(dir, 'unk.tsv');
  const result = await augment({ input: labeled.file, output: out, unk: 0.25, times: 20, threads: 1 });
  assert.equal(result.byStrategy.unk, 800);
  const sources = new Map(labeled.lines.map((line) => line.split('\t')).map((f) => [f[0], segmentWords(f[2]).length]));
  let words = 0;
  let unks = 0;
  for (const row of readOutput(out).rows) {
    assert.equal(row.aug, 'unk');
    words += sources.get(row.fields[0]);
    unks += row.fields[2].split('[UNK]').length - 1;
  }
  assert.ok(words > 10000, `${words} words`);
  assert.ok(Math.abs(unks / words - 0.25) < 0.015, `[UNK] rate ${(unks / words).toFixed(4)} for --unk 0.25`);
  fs.rmSync(out);
});

test('pairs augment both sides with the same strategy', () => {
  const out = path.join(dir, 'pairs-out.tsv');
  const run = runCli([
    'augment',
    '-i',
    pairs.file,
    '-o',
    out,
    '--times',
    '6',
    '--threads',
    '1',
    '--unk',
    '0.5',
    '--nsample',
    '--json',
  ]);
  assert.equal(run.status, 0, run.stderr);
  const { header, rows } = readOutput(out);
  assert.deepEqual(header, ['id', 'label', 'text_a', 'text_b', 'aug']);
  let unkBoth = 0;
  let shorterBoth = 0;
  rows.forEach((row, i) => {
    const source = pairs.lines[Math.floor(i / 6)].split('\t');
    if (row.aug === 'unk') {
      if (row.fields[2].includes('[UNK]') && row.fields[3].includes('[UNK]')) unkBoth++;
    } else {
      assert.equal(row.aug, 'nsample');
      assert.ok(isSpanOf(row.fields[2], source[2]), 'text_a span');
      assert.ok(isSpanOf(row.fields[3], source[3]), 'text_b span');
      if (row.fields[2].length < source[2].length && row.fields[3].length < source[3].length) shorterBoth++;
    }
  });
  assert.ok(unkBoth > 30, `${unkBoth} unk lines change both sides`);
  assert.ok(shorterBoth > 30, `${shorterBoth} nsample lines cut both sides`);
});

test('plain text (one text a line) gives a text_a<TAB>aug TSV; stdin works with pos', () => {
  const texts = makeTexts(25, 99);
  const plain = path.join(dir, 'plain.txt');
  fs.writeFileSync(plain, texts.join('\n'));
  const out = path.join(dir, 'plain-out.tsv');
  const run = runCli(['augment', '-i', plain, '-o', out, '--times', '2', '--keep-original', '--threads', '1']);
  assert.equal(run.status, 0, run.stderr);
  const { header, rows } = readOutput(out);
  assert.deepEqual(header, ['text_a', 'aug']);
  assert.equal(rows.length, 75);
  assert.deepEqual(
    rows.filter((r) => r.aug === 'orig').map((r) => r.fields[0]),
    texts,
  );

  const fromStdin = path.join(dir, 'stdin-out.tsv');
  const piped = runCli(['augment', '-i', '-', '-o', fromStdin, '--times', '2', '--keep-original', '--threads', '1'], {
    input: texts.join('\n'),
  });
  assert.equal(piped.status, 0, piped.stderr);
  assert.ok(fs.readFileSync(out).equals(fs.readFileSync(fromStdin)), 'stdin and file inputs differ');
  for (const name of ['plain.txt', 'plain-out.tsv', 'stdin-out.tsv']) fs.rmSync(path.join(dir, name));
});

test('bad rows fail with file:line and exit 1, leaving no output; --skip-bad-lines skips and counts them', () => {
  const bad = path.join(dir, 'bad.tsv');
  const good = labeled.lines.slice(0, 4).map((line) => Buffer.from(line + '\n'));
  const header = Buffer.from('id\tlabel\ttext_a\n');
  const wrongColumns = Buffer.from('r-cols\t1\n');
  const emptyText = Buffer.from('r-empty\t0\t  \n');
  const invalidUtf8 = Buffer.concat([Buffer.from('r-utf8\t1\t'), Buffer.from([0xff, 0xfe]), Buffer.from('坏\n')]);
  const out = path.join(dir, 'bad-out.tsv');
  const cases = [
    [wrongColumns, 'columns'],
    [emptyText, 'empty'],
    [invalidUtf8, 'UTF-8'],
  ];
  for (const [badRow, words] of cases) {
    // The bad row is line 4: header, two good rows before it, one after.
    fs.writeFileSync(bad, Buffer.concat([header, good[0], good[1], badRow, good[2]]));
    for (const strategy of [[], ['--nsample']]) {
      const run = runCli(['augment', '-i', bad, '-o', out, '--threads', '1', ...strategy]);
      assert.equal(run.status, 1, `${words}: ${run.stderr}`);
      const stderr = run.stderr.trim().split('\n');
      assert.equal(stderr.length, 1, run.stderr);
      assert.ok(stderr[0].includes(`${bad}:4`) && stderr[0].includes(words), stderr[0]);
      assert.ok(!fs.existsSync(out), 'output left behind');
      assert.deepEqual(strayFiles(dir, ['bad-out.tsv']), []);
    }
  }
  fs.writeFileSync(
    bad,
    Buffer.concat([header, good[0], wrongColumns, good[1], emptyText, good[2], invalidUtf8, good[3]]),
  );
  const run = runCli(['augment', '-i', bad, '-o', out, '--times', '2', '--threads', '1', '--skip-bad-lines', '--json']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.json.skipped_lines, 3);
  assert.equal(run.json.input_rows, 4);
  assert.ok(run.stderr.includes('skipped 3') && run.stderr.includes(`${bad}:3`), run.stderr);
  assert.equal(readOutput(out).rows.length, 8);
  fs.rmSync(out);
  fs.rmSync(bad);
});

test('a failure leaves an existing output untouched', () => {
  const out = path.join(dir, 'existing.tsv');
  fs.writeFileSync(out, 'keep me\n');
  const bad = path.join(dir, 'bad2.tsv');
  fs.writeFileSync(bad, `id\tlabel\ttext_a\n${labeled.lines[0]}\nonly-one-column\n`);
  for (const threads of ['1', '2']) {
    const run = runCli(['augment', '-i', bad, '-o', out, '--threads', threads]);
    assert.equal(run.status, 1, run.stderr);
    assert.ok(run.stderr.includes(`${bad}:3`), run.stderr);
    assert.equal(fs.readFileSync(out, 'utf8'), 'keep me\n');
  }
  fs.rmSync(bad);
  fs.rmSync(out);
  assert.deepEqual(strayFiles(dir), []);
});

test('bad flags exit 2 with one line naming the flag, and write nothing', () => {
  const out = path.join(dir, 'flag-out.tsv');
  for (const [flags, name] of [
    [['--unk', '2'], '--unk'],
    [['--pos-replace', 'abc'], '--pos-replace'],
    [['--mix', 'bogus=1'], '--mix'],
    [['--times', '-1'], '--times'],
    [['--nsample', '--mix', 'unk=1'], '--mix'],
    [['--seed', '0.5'], '--seed'],
  ]) {
    const run = runCli(['augment', '-i', labeled.file, '-o', out, ...flags]);
    assert.equal(run.status, 2, `${flags.join(' ')}: ${run.stderr}`);
    const lines = run.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('(see'));
    assert.equal(lines.length, 1, run.stderr);
    assert.ok(lines[0].includes(name), lines[0]);
    assert.ok(!fs.existsSync(out));
  }
  const missing = runCli(['augment', '-i', labeled.file]);
  assert.equal(missing.status, 2);
  assert.ok(missing.stderr.includes('output'), missing.stderr);
  const notThere = runCli(['augment', '-i', path.join(dir, 'nope.tsv'), '-o', out]);
  assert.equal(notThere.status, 1);
  assert.ok(notThere.stderr.includes('nope.tsv'), notThere.stderr);
  assert.ok(!fs.existsSync(out));
});

test('--help documents the strategies, defaults and the plain-text output', () => {
  const run = runCli(['augment', '--help']);
  assert.equal(run.status, 0);
  for (const words of [
    '--unk',
    '0.1',
    '--pos-replace',
    '--nsample',
    '--mix',
    '--keep-original',
    'text_a<TAB>aug',
    'orig',
  ]) {
    assert.ok(run.stdout.includes(words), `--help lacks ${words}`);
  }
});

test('cleanup', () => fs.rmSync(dir, { recursive: true, force: true }));

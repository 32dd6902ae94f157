// Readers (labeled, teacher-labeled, unlabeled), their file:line errors and --skip-bad-lines; atomic writes; label maps.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  readLabeledTsv,
  readTexts,
  BadLinePolicy,
  writeFileAtomic,
  AtomicFileWriter,
  LabelMap,
  InputError,
} from '../dist/index.js';
import { tempDir } from './student-fixtures.js';

const dir = tempDir('ernie-slim-data-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name, content) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

async function collect(iterable) {
  const out = [];
  for await (const x of iterable) out.push(x);
  return out;
}

test('labeled TSV: columns in any order, extra columns ignored, CRLF and a missing final newline', async () => {
  const file = write('a.tsv', 'id\ttext_b\tlabel\ttext_a\r\n7\t第二句\tpositive\t第一句\r\n8\tb2\tnegative\ta2');
  const rows = await collect(readLabeledTsv(file));
  assert.deepEqual(rows, [
    { line: 2, textA: '第一句', textB: '第二句', label: 'positive' },
    { line: 3, textA: 'a2', textB: 'b2', label: 'negative' },
  ]);
});

test('teacher-labeled TSV: logits parsed as float32', async () => {
  const file = write('t.tsv', 'text_a\tlabel\tlogits\n好\t1\t-1.5,2.25\n');
  const [row] = await collect(readLabeledTsv(file));
  assert.equal(row.label, '1');
  assert.deepEqual([...row.logits], [-1.5, 2.25]);
});

test('malformed rows are errors naming file:line', async () => {
  const cases = [
    ['cols.tsv', 'label\ttext_a\n1\tok\n1\ttoo\tmany\n', 3, /expected 2 tab-separated columns, found 3/],
    ['empty.tsv', 'label\ttext_a\n1\tok\n0\t  \n', 3, /empty text/],
    ['nolabel.tsv', 'label\ttext_a\n\tok\n', 2, /empty label/],
    ['logits.tsv', 'text_a\tlabel\tlogits\nok\t1\t1,abc\n', 2, /logits/],
  ];
  for (const [name, content, line, pattern] of cases) {
    const file = write(name, content);
    await assert.rejects(collect(readLabeledTsv(file)), (err) => {
      assert.ok(err instanceof InputError);
      assert.ok(err.message.startsWith(`${file}:${line}: `), err.message);
      assert.match(err.message, pattern);
      return true;
    });
  }
});

test('invalid UTF-8 is an error with its line; --skip-bad-lines skips and counts it', async () => {
  const bytes = Buffer.concat([
    Buffer.from('label\ttext_a\n1\t好\n0\tbad'),
    Buffer.from([0xff, 0xfe]),
    Buffer.from('\n1\t行\n'),
  ]);
  const file = write('utf8.tsv', bytes);
  await assert.rejects(
    collect(readLabeledTsv(file)),
    new RegExp(`^InputError: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: invalid UTF-8`),
  );
  const policy = new BadLinePolicy(true);
  const rows = await collect(readLabeledTsv(file, { policy }));
  assert.deepEqual(
    rows.map((r) => r.line),
    [2, 4],
  );
  assert.equal(policy.skipped, 1);
});

test('unknown label at eval time is a bad row', async () => {
  const file = write('eval.tsv', 'label\ttext_a\n1\ta\n9\tb\n');
  await assert.rejects(
    collect(readLabeledTsv(file, { knownLabels: new Set(['0', '1']) })),
    /eval\.tsv:3: unknown label "9"/,
  );
});

test('header problems name line 1', async () => {
  await assert.rejects(
    collect(readLabeledTsv(write('h1.tsv', 'text\tlabel\nx\t1\n'))),
    /h1\.tsv:1: header must name a text_a column/,
  );
  await assert.rejects(
    collect(readLabeledTsv(write('h2.tsv', 'text_a\nx\n'))),
    /h2\.tsv:1: header must name a label column/,
  );
  await assert.rejects(collect(readLabeledTsv(path.join(dir, 'missing.tsv'))), /missing\.tsv: cannot read \(ENOENT\)/);
});

test('unlabeled text: one text a line, or a TSV with text_a (and text_b)', async () => {
  const plain = await collect(readTexts(write('plain.txt', '第一条\n第二条\n')));
  assert.deepEqual(plain, [
    { line: 1, textA: '第一条' },
    { line: 2, textA: '第二条' },
  ]);
  // A tab where plain text is expected is most likely a TSV without its header: refused, with the fix.
  const tabbed = write('tabbed.txt', '第一条\n第二\t条\n');
  await assert.rejects(
    collect(readTexts(tabbed)),
    /tabbed\.txt:2: a tab in a plain text line \(for a TSV, give a header naming text_a\)/,
  );
  await assert.rejects(
    collect(readTexts(write('headerless.tsv', '1\t很差\n'))),
    /headerless\.tsv:1: a tab in a plain text line/,
  );
  const tsv = await collect(readTexts(write('u.tsv', 'text_b\ttext_a\nb\ta\n')));
  assert.deepEqual(tsv, [{ line: 2, textA: 'a', textB: 'b' }]);
  await assert.rejects(collect(readTexts(write('blank.txt', 'a\n\nb\n'))), /blank\.txt:2: empty text/);
});

test('writeFileAtomic replaces the file whole and leaves no temporary behind', async () => {
  const target = path.join(dir, 'out.bin');
  fs.writeFileSync(target, 'old');
  await writeFileAtomic(target, 'new content');
  assert.equal(fs.readFileSync(target, 'utf8'), 'new content');
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
  );
  await assert.rejects(writeFileAtomic(path.join(dir, 'no-such-dir', 'x'), 'y'), /no-such-dir\/x: cannot write/);
});

test('AtomicFileWriter: nothing under the name until commit; abort leaves the old file', async () => {
  const target = path.join(dir, 'stream.txt');
  fs.writeFileSync(target, 'previous');
  const w = await AtomicFileWriter.open(target);
  await w.write('partial ');
  assert.equal(fs.readFileSync(target, 'utf8'), 'previous');
  await w.abort();
  assert.equal(fs.readFileSync(target, 'utf8'), 'previous');
  const w2 = await AtomicFileWriter.open(target);
  await w2.write('all ');
  await w2.write('of it');
  await w2.commit();
  assert.equal(fs.readFileSync(target, 'utf8'), 'all of it');
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
  );
});

test('LabelMap: numeric labels sort numerically, others by code point', () => {
  assert.deepEqual(LabelMap.fromLabels(['10', '2', '1', '2']).labels, ['1', '2', '10']);
  const m = LabelMap.fromLabels(['news_edu', 'news_car']);
  assert.deepEqual(m.labels, ['news_car', 'news_edu']);
  assert.equal(m.idOf('news_edu'), 1);
  assert.equal(m.idOf('other'), -1);
});

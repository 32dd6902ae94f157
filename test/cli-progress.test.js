// Progress off a terminal: a plain `Progress:` line every few seconds with the percentage (never one per item);
// Ctrl-C (SIGINT) during a long command: one line saying what was kept, exit code 130, no stray files.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { cliMain, generateReviews, tempDir, writeLabeledTsv } from './student-fixtures.js';
import { writeFixtureVocabs } from './tokenizer-reference.js';
import { tinyTeacher } from './teacher-fixtures.js';

let dir;
let vocabs;
let teacher;
before(() => {
  dir = tempDir('ernie-slim-progress-');
  vocabs = writeFixtureVocabs();
  teacher = path.join(dir, 'teacher.onnx');
  fs.writeFileSync(teacher, tinyTeacher(vocabs.tokens.length, { layers: 2, hidden: 32, intermediate: 64 }));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(vocabs.dir, { recursive: true, force: true });
});

function writeTexts(name, n) {
  const file = path.join(dir, name);
  const words = ['hello', 'world', '中国', 'playing', '的', '好', 'tokenizers'];
  fs.writeFileSync(
    file,
    Array.from({ length: n }, (_, i) =>
      Array.from({ length: 3 + (i % 20) }, (_, k) => words[(i * 7 + k) % words.length]).join(' '),
    ).join('\n') + '\n',
  );
  return file;
}

/** Runs the CLI; `until(stderr)` true sends SIGINT once. Resolves to { code, signal, stdout, stderr }. */
function runUntil(args, env, until) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliMain, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (until && !sent && until(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

test('off a terminal: periodic Progress lines with percentage, rate and ETA', async () => {
  const input = writeTexts('some.txt', 600);
  const out = path.join(dir, 'some-labels.tsv');
  const args = [
    'label',
    '--teacher',
    teacher,
    '--vocab',
    vocabs.bert,
    '--input',
    input,
    '--output',
    out,
    '--window',
    '100',
    '--batch-size',
    '25',
    '--threads',
    '1',
  ];
  const every = await runUntil(args, { ERNIE_SLIM_PROGRESS_SECONDS: '0' });
  assert.equal(every.code, 0, every.stderr);
  const lines = every.stderr.trim().split('\n');
  assert.equal(lines.length, 6, every.stderr);
  lines.forEach((line, i) =>
    assert.match(
      line,
      new RegExp(`^label: Progress: [\\d.]+% ${(i + 1) * 100}/600 lines, [\\d.]+ lines/s, ETA \\d+:\\d\\d$`),
    ),
  );
  assert.match(lines.at(-1), /Progress: 100\.0% 600\/600 lines, .*, ETA 0:00$/);
  // At most one line a minute: a short run prints none.
  const quiet = await runUntil(args, { ERNIE_SLIM_PROGRESS_SECONDS: '60' });
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
});

test('Ctrl-C during label: one line naming the labels kept in the .partial file, exit 130', async () => {
  const input = writeTexts('many.txt', 200000);
  const out = path.join(dir, 'many-labels.tsv');
  const args = [
    'label',
    '--teacher',
    teacher,
    '--vocab',
    vocabs.bert,
    '--input',
    input,
    '--output',
    out,
    '--window',
    '256',
    '--batch-size',
    '64',
    '--threads',
    '1',
  ];
  const run = await runUntil(args, { ERNIE_SLIM_PROGRESS_SECONDS: '0' }, (stderr) => /Progress: .* 512\//.test(stderr));
  assert.equal(run.code, 130, run.stderr);
  const last = run.stderr.trim().split('\n').at(-1);
  const kept = /^ernie-slim: interrupted; (\d+) labeled lines kept in (.*) \(rerun with --resume to continue\)$/.exec(
    last,
  );
  assert.ok(kept, last);
  assert.equal(kept[2], `${out}.partial`);
  assert.ok(!fs.existsSync(out));
  const partialLines = fs.readFileSync(`${out}.partial`, 'utf8').split('\n').length - 2;
  assert.ok(
    partialLines >= Number(kept[1]) && Number(kept[1]) >= 512,
    `${partialLines} lines in the partial file, ${kept[1]} said kept`,
  );
  assert.equal(run.stdout, '');
});

test('Ctrl-C during train: one line saying nothing was kept, exit 130, no model and no temporary file', async () => {
  const trainFile = writeLabeledTsv(dir, 'train.tsv', generateReviews(4000, 8));
  const model = path.join(dir, 'interrupted.bin');
  const run = await runUntil(
    ['train', '--train', trainFile, '--model', 'cnn', '--epochs', '200', '--threads', '1', '--out', model],
    {},
    (stderr) => /epoch 1\/200/.test(stderr),
  );
  assert.equal(run.code, 130, run.stderr);
  assert.equal(
    run.stderr.trim().split('\n').at(-1),
    'ernie-slim: interrupted; nothing: the model is written when training ends',
  );
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('interrupted')),
    [],
  );
});

test('Ctrl-C during augment: no output and no temporary files left, exit 130', async () => {
  const input = writeLabeledTsv(dir, 'aug-in.tsv', generateReviews(60000, 9));
  const out = path.join(dir, 'aug-out.tsv');
  const args = ['augment', '-i', input, '-o', out, '--times', '4', '--threads', '1'];
  const run = await runUntil(args, { ERNIE_SLIM_PROGRESS_SECONDS: '0' }, (stderr) =>
    /^augment: Progress: .* rows/m.test(stderr),
  );
  assert.equal(run.code, 130, run.stderr);
  assert.equal(
    run.stderr.trim().split('\n').at(-1),
    `ernie-slim: interrupted; nothing: ${out} is written only when complete`,
  );
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.startsWith('.') || f.startsWith('aug-out')),
    [],
  );
});

// README.md's TypeScript example, extracted as written and run against dist/ (and type-checked against its
// declarations) on files the test makes, so that the README cannot drift from the API.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { train } from '../dist/index.js';
import { writeFixtureVocabs } from './tokenizer-reference.js';
import { tinyTeacher } from './teacher-fixtures.js';
import { generateReviews, tempDir, writeLabeledTsv } from './student-fixtures.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let dir;
let vocabs;

/** The README's ```ts blocks, in order. */
function readmeTypeScript() {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

before(async () => {
  dir = tempDir('ernie-slim-readme-');
  vocabs = writeFixtureVocabs();
  fs.copyFileSync(vocabs.bert, path.join(dir, 'vocab.txt'));
  const teacher = tinyTeacher(vocabs.tokens.length);
  fs.writeFileSync(path.join(dir, 'ernie.onnx'), teacher);
  const rows = generateReviews(200, 5).map((r) => ({ label: r.label === 'pos' ? '1' : '0', text: r.text }));
  fs.mkdirSync(path.join(dir, 'out'));
  await train({
    train: writeLabeledTsv(dir, 'train.tsv', rows),
    model: 'bow',
    epochs: 1,
    threads: 1,
    out: path.join(dir, 'out', 'student.bin'),
  });
  // `from 'ernie-slim'` resolves to this checkout, as it would to the installed package.
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(root, path.join(dir, 'node_modules', 'ernie-slim'), 'dir');
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(vocabs.dir, { recursive: true, force: true });
});

test('README: the TypeScript example runs as written', () => {
  const blocks = readmeTypeScript();
  assert.ok(blocks.length >= 1, 'README.md has a ```ts block');
  // One probe line after the example reports what it made.
  const probe =
    `\nconsole.log(JSON.stringify({ batchSize: batch.batchSize, seqLen: batch.seqLen, types: Array.from(batch.tokenTypeIds, Number), ` +
    `logits: logits.map((l) => l.length), prediction: student.predict('房间干净，服务热情') }));\n`;
  const script = path.join(dir, 'example.mjs');
  fs.writeFileSync(script, blocks.join('\n') + probe);
  const run = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' });
  assert.equal(run.stderr, '');
  assert.equal(run.status, 0);
  const seen = JSON.parse(run.stdout.trim().split('\n').at(-1));
  assert.equal(seen.batchSize, 2);
  // Row 2 is the pair: its second text has token type 1; row 1 is a single text, all type 0.
  assert.ok(seen.types.slice(0, seen.seqLen).every((t) => t === 0));
  assert.ok(seen.types.slice(seen.seqLen).includes(1));
  assert.deepEqual(seen.logits, [2]);
  assert.ok(['0', '1'].includes(seen.prediction.label));
  assert.equal(seen.prediction.probs.length, 2);
});

test("README: the TypeScript example type-checks against the package's declarations", () => {
  fs.writeFileSync(path.join(dir, 'example.mts'), readmeTypeScript().join('\n') + '\nexport {};\n');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [
    '--noEmit',
    '--strict',
    '--skipLibCheck',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
    '--types',
    'node',
    '--typeRoots',
    path.join(root, 'node_modules', '@types'),
    'example.mts',
  ];
  const run = spawnSync(process.execPath, [tsc, ...args], { cwd: dir, encoding: 'utf8' });
  assert.equal(run.stdout + run.stderr, '');
  assert.equal(run.status, 0);
});

// Streaming commands answer each line as it comes: a child gets one line on stdin and its answer arrives while
// stdin is still open (fastText's `predict model.bin -` habit), in a pipe as in a terminal.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { train } from '../dist/index.js';
import { cli, cliMain, generateReviews, tempDir, writeLabeledTsv } from './student-fixtures.js';
import { writeFixtureVocabs } from './tokenizer-reference.js';

let dir;
let model;
let vocabs;
before(async () => {
  dir = tempDir('ernie-slim-stream-');
  vocabs = writeFixtureVocabs();
  model = path.join(dir, 'model.bin');
  await train({
    train: writeLabeledTsv(dir, 'train.tsv', generateReviews(300, 3)),
    model: 'bow',
    epochs: 2,
    threads: 1,
    out: model,
  });
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(vocabs.dir, { recursive: true, force: true });
});

/** Starts the CLI; `answer(line)` writes one line and resolves to the next stdout line, stdin left open. */
function interactive(args) {
  const child = spawn(process.execPath, [cliMain, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let buffered = '';
  let waiting = null;
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => {
    buffered += d;
    const nl = buffered.indexOf('\n');
    if (nl >= 0 && waiting) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const resolve = waiting;
      waiting = null;
      resolve(line);
    }
  });
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  return {
    answer(line) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no answer to ${JSON.stringify(line)} while stdin is open; stderr: ${stderr}`)),
          20000,
        );
        waiting = (l) => {
          clearTimeout(timer);
          resolve(l);
        };
        child.stdin.write(line + '\n');
      });
    },
    async close() {
      child.stdin.end();
      const code = await exited;
      return { code, stderr, rest: buffered };
    },
  };
}

test('predict answers each line before stdin closes', async () => {
  const expected = cli(['predict', '--model', model, '--probs'], '很好，喜欢\n很差，失望\n').stdout.split('\n');
  const run = interactive(['predict', '--model', model, '--probs']);
  assert.equal(await run.answer('很好，喜欢'), expected[0]);
  assert.equal(await run.answer('很差，失望'), expected[1]);
  const { code, stderr, rest } = await run.close();
  assert.equal(code, 0, stderr);
  assert.equal(rest, '');
});

test('segment answers each line before stdin closes', async () => {
  const run = interactive(['segment']);
  assert.equal(await run.answer('我们喜欢这家酒店'), cli(['segment'], '我们喜欢这家酒店\n').stdout.trim());
  assert.equal(await run.answer('房间很干净'), cli(['segment'], '房间很干净\n').stdout.trim());
  const { code, stderr } = await run.close();
  assert.equal(code, 0, stderr);
});

test('tokenize answers each line before stdin closes', async () => {
  const run = interactive(['tokenize', '--vocab', vocabs.bert]);
  assert.equal(
    await run.answer('hello world'),
    cli(['tokenize', '--vocab', vocabs.bert], 'hello world\n').stdout.trim(),
  );
  assert.equal(await run.answer('中国'), cli(['tokenize', '--vocab', vocabs.bert], '中国\n').stdout.trim());
  const { code, stderr } = await run.close();
  assert.equal(code, 0, stderr);
});

test('from a regular file, predict writes the same answers in large writes', () => {
  const input = path.join(dir, 'texts.txt');
  const texts = generateReviews(3000, 9).map((r) => r.text);
  fs.writeFileSync(input, texts.join('\n') + '\n');
  const fromPipe = cli(['predict', '--model', model], texts.join('\n') + '\n');
  const fd = fs.openSync(input, 'r');
  const fromFile = spawnSync(process.execPath, [cliMain, 'predict', '--model', model], {
    stdio: [fd, 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  fs.closeSync(fd);
  assert.equal(fromFile.status, 0, fromFile.stderr);
  assert.equal(fromPipe.status, 0, fromPipe.stderr);
  assert.equal(fromPipe.stdout.split('\n').length, texts.length + 1);
  assert.equal(fromFile.stdout, fromPipe.stdout);
});

// Shared fixtures for the student tests: a small generated sentiment data set (no ../shared needed).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rng } from './student-native-helpers.js';

export const cliMain = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli', 'main.js');

/** Runs the CLI; returns { status, stdout, stderr } as strings. */
export function cli(args, input) {
  const run = spawnSync(process.execPath, [cliMain, ...args], { input, maxBuffer: 1 << 28 });
  return { status: run.status, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
}

export function tempDir(prefix = 'ernie-slim-student-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const POSITIVE = ['很好', '喜欢', '满意', '推荐', '不错', '舒服', '干净', '漂亮', 'great'];
const NEGATIVE = ['很差', '失望', '糟糕', '退货', '垃圾', '难吃', '吵闹', '肮脏', 'terrible'];
const NEUTRAL = ['酒店', '房间', '服务', '价格', '这本书', '电脑', '早餐', '我们', '前台', '质量', '屏幕', '今天'];

/** Reviews whose label ('pos'/'neg') follows their sentiment words; `sep` joins the words. */
export function generateReviews(n, seed, sep = '，') {
  const rand = rng(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const rows = [];
  for (let i = 0; i < n; i++) {
    const positive = rand() < 0.5;
    const words = [];
    const len = 3 + Math.floor(rand() * 6);
    for (let t = 0; t < len; t++) {
      const r = rand();
      words.push(
        r < 0.45
          ? pick(NEUTRAL)
          : r < 0.9
            ? pick(positive ? POSITIVE : NEGATIVE)
            : pick(positive ? NEGATIVE : POSITIVE),
      );
    }
    rows.push({ label: positive ? 'pos' : 'neg', text: words.join(sep) });
  }
  return rows;
}

/** Writes a labeled TSV (header label, text_a) and returns its path. */
export function writeLabeledTsv(dir, name, rows) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, 'label\ttext_a\n' + rows.map((r) => `${r.label}\t${r.text}\n`).join(''));
  return file;
}

const OBJECTS = ['手机', '电脑', '护照', '信用卡', '快递', '发票', '银行卡', '驾照'];
const ACTIONS = ['怎么办理', '在哪里买', '多少钱', '怎么退货', '丢了怎么办', '怎么激活'];
const OPENERS = ['', '请问', '我想知道', '谁知道', '求助'];
const CLOSERS = ['', '？', '呢', '啊'];

/**
 * Question pairs (LCQMC-like): label '1' when both ask the same action about the same object, with one label in
 * ten flipped (so that no model is perfect). Each query (text_a) gets 2-3 candidates with both labels, so the
 * positive/negative order ratio is defined.
 */
export function generatePairs(queries, seed) {
  const rand = rng(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const ask = (o, a) => `${pick(OPENERS)}${OBJECTS[o]}${ACTIONS[a]}${pick(CLOSERS)}`;
  const rows = [];
  for (let q = 0; q < queries; q++) {
    const o = Math.floor(rand() * OBJECTS.length);
    const a = Math.floor(rand() * ACTIONS.length);
    const query = ask(o, a);
    rows.push({ label: '1', a: query, b: ask(o, a) });
    const other = (n, k) => (k + 1 + Math.floor(rand() * (n - 1))) % n;
    rows.push({
      label: '0',
      a: query,
      b: rand() < 0.5 ? ask(o, other(ACTIONS.length, a)) : ask(other(OBJECTS.length, o), a),
    });
    if (rand() < 0.5) rows.push({ label: '0', a: query, b: ask(other(OBJECTS.length, o), other(ACTIONS.length, a)) });
  }
  for (const row of rows) if (rand() < 0.1) row.label = row.label === '1' ? '0' : '1';
  return rows;
}

/** Writes a pair TSV (LCQMC's header: text_a, text_b, label) and returns its path. */
export function writePairTsv(dir, name, rows) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, 'text_a\ttext_b\tlabel\n' + rows.map((r) => `${r.a}\t${r.b}\t${r.label}\n`).join(''));
  return file;
}

/** The last line of a command's stdout, as JSON (the `--json` summary). */
export const lastJson = (stdout) => JSON.parse(stdout.trim().split('\n').at(-1));

/**
 * Generated reviews in dir (400 to train on, from seed; 100 to pick epochs with, from seed + 1) and `train()`, which
 * trains a small bigram bow student on them into `model` by the CLI (one thread): the compact tests' float student.
 */
export function smallBigramStudent(dir, seed) {
  const trainFile = writeLabeledTsv(dir, 'train.tsv', generateReviews(400, seed));
  const devFile = writeLabeledTsv(dir, 'dev.tsv', generateReviews(100, seed + 1));
  const model = path.join(dir, 'm.bin');
  const flags = ['--epochs', '3', '--lr', '0.01', '--emb-dim', '16', '--hidden', '8', '--ngrams', '2'];
  const train = () =>
    cli([
      'train',
      '--train',
      trainFile,
      '--dev',
      devFile,
      '--out',
      model,
      ...flags,
      '--buckets',
      '5000',
      '--threads',
      '1',
      '--json',
    ]);
  return { trainFile, devFile, model, train };
}

// Fixtures and a CLI runner for the augment tests (no ../shared needed).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const cliPath = path.join(repoRoot, 'dist', 'cli', 'main.js');
export const sharedData = path.resolve(repoRoot, '..', 'shared', 'data');

/** Short reviews written for these tests; two have Latin words, to check the spacing rule. */
export const sentences = [
  '这家酒店的服务很好，房间也很干净。',
  '电脑的屏幕太小了，键盘手感一般。',
  '我们在北京住了三天，交通非常方便。',
  '早餐种类不多，但是味道还不错。',
  '这本书写得很精彩，值得推荐给朋友。',
  '手机电池不耐用，一天要充两次电。',
  '前台的工作人员态度冷淡，让人失望。',
  '价格便宜，质量也可以，下次还会再买。',
  '快递很快，包装完好，商品和描述一致。',
  '酒店位置偏远，周围没有什么吃饭的地方。',
  'iPhone 5 的 screen 很清楚，battery life 一般。',
  '这个 laptop 很轻，适合出差带着用。',
];

/** `count` texts of 1 to 3 sentences, the same every run. */
export function makeTexts(count, salt = 7) {
  let state = salt >>> 0;
  const next = (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
  const texts = [];
  for (let i = 0; i < count; i++) {
    const parts = 1 + next(3);
    let text = '';
    for (let p = 0; p < parts; p++) text += sentences[next(sentences.length)];
    texts.push(text);
  }
  return texts;
}

export function tempDir(prefix = 'augment-test-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A labeled TSV with an `id` column (to follow rows through the output). */
export function writeLabeledTsv(dir, name, count, { pairs = false, salt = 7 } = {}) {
  const a = makeTexts(count, salt);
  const b = makeTexts(count, salt + 1);
  const header = pairs ? 'id\tlabel\ttext_a\ttext_b' : 'id\tlabel\ttext_a';
  const lines = a.map((text, i) => (pairs ? `r${i}\t${i % 2}\t${text}\t${b[i]}` : `r${i}\t${i % 2}\t${text}`));
  const file = path.join(dir, name);
  fs.writeFileSync(file, [header, ...lines].join('\n') + '\n');
  return { file, header, lines };
}

/** Runs `node dist/cli/main.js args...`; `input` goes to stdin. */
export function runCli(args, { input, env } = {}) {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 1 << 28,
  });
  const stdoutLines = result.stdout.trim().split('\n');
  let json = null;
  try {
    json = JSON.parse(stdoutLines[stdoutLines.length - 1]);
  } catch {}
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, json };
}

/** The output TSV as { header, rows: [{ fields, aug }] }. */
export function readOutput(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const header = lines[0].split('\t');
  const rows = lines.slice(1).map((line) => {
    const fields = line.split('\t');
    return { fields, aug: fields[fields.length - 1], line };
  });
  return { header, rows };
}

/** Leftover temporary outputs or spill files in `dir` (and any file named `unexpected`). */
export function strayFiles(dir, unexpected = []) {
  return fs.readdirSync(dir).filter((name) => /\.(tmp|spill)$/.test(name) || unexpected.includes(name));
}

// Tokenizer speed, side by side with Hugging Face tokenizers (the parity reference), on 2 cores:
// (1) encodeBatch in the same process on ChnSentiCorp train; (2) the whole `tokenize` command against a
// Node script doing the same job with tokenizers, on 100k lines of ChnSentiCorp and TNEWS text.
// Usage: node bench/tokenizer.js [--lines 100000] [--rounds 5]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WordPieceTokenizer } from '../dist/index.js';
import { bertVocab, hasShared, readTsvTexts, referenceTokenizer, sharedDir } from '../test/tokenizer-reference.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const LINES = arg('--lines', 100000);
const ROUNDS = arg('--rounds', 5);
const MAX_LEN = 512;

if (!hasShared) {
  console.log(`bench/tokenizer: skipped, no ${bertVocab}`);
  process.exit(0);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;

// (1) encodeBatch, same process, same texts, alternating so that both see the same machine state.
const texts = readTsvTexts(path.join(sharedDir, 'data/chnsenticorp/train.tsv'));
const ours = WordPieceTokenizer.fromFile(bertVocab);
const reference = await referenceTokenizer(bertVocab, { maxLength: MAX_LEN });
await ours.encodeBatch(texts.slice(0, 100), { maxLength: MAX_LEN });
await reference.encodeBatch(texts.slice(0, 100));
const oursTimes = [];
const referenceTimes = [];
// CPU seconds of all the process's threads: steadier than wall time when other work shares the cores.
const oursCpu = [];
const referenceCpu = [];
const cpuSeconds = (start) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};
for (let r = 0; r < ROUNDS; r++) {
  let start = process.hrtime.bigint();
  let cpu = process.cpuUsage();
  await ours.encodeBatch(texts, { maxLength: MAX_LEN });
  oursTimes.push(seconds(start));
  oursCpu.push(cpuSeconds(cpu));
  start = process.hrtime.bigint();
  cpu = process.cpuUsage();
  await reference.encodeBatch(texts);
  referenceTimes.push(seconds(start));
  referenceCpu.push(cpuSeconds(cpu));
}
const oursRate = texts.length / median(oursTimes);
const referenceRate = texts.length / median(referenceTimes);
// Other work on the machine slows both sides, not always alike: say how busy it was.
const load = () => os.loadavg()[0].toFixed(2);
console.log(`load average before: ${load()}`);
console.log(
  `encodeBatch, ChnSentiCorp train (${texts.length} lines, max ${MAX_LEN}, ${os.cpus().length} cpus, median of ${ROUNDS})`,
);
console.log(`  ernie-slim  ${Math.round(oursRate).toLocaleString('en')} lines/s`);
console.log(`  tokenizers  ${Math.round(referenceRate).toLocaleString('en')} lines/s`);
console.log(`  ratio       ${(oursRate / referenceRate).toFixed(1)}x`);
console.log(
  `  cpu time    ernie-slim ${(median(oursCpu) * 1000).toFixed(0)} ms, tokenizers ${(median(referenceCpu) * 1000).toFixed(0)} ms: ${(median(referenceCpu) / median(oursCpu)).toFixed(1)}x`,
);

// (2) The whole command, each a fresh process reading the same file on stdin.
const corpus = [...texts, ...readTsvTexts(path.join(sharedDir, 'data/tnews/train.tsv'))];
const input = [];
for (let i = 0; i < LINES; i++) input.push(corpus[i % corpus.length]);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-bench-'));
const inputFile = path.join(dir, 'lines.txt');
fs.writeFileSync(inputFile, input.join('\n') + '\n');
const run = (args) => {
  const fdIn = fs.openSync(inputFile, 'r');
  const outFile = path.join(dir, 'out.txt');
  const fdOut = fs.openSync(outFile, 'w');
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: [fdIn, fdOut, 'pipe'] });
  const elapsed = seconds(start);
  fs.closeSync(fdIn);
  fs.closeSync(fdOut);
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return { elapsed, output: fs.readFileSync(outFile, 'utf8') };
};
const commandTimes = [];
const scriptTimes = [];
let same = true;
for (let r = 0; r < Math.max(1, Math.min(ROUNDS, 3)); r++) {
  const a = run([path.join(root, 'dist/cli/main.js'), 'tokenize', '--vocab', bertVocab, '--max-len', String(MAX_LEN)]);
  const b = run([path.join(root, 'bench/tokenize-reference.js'), bertVocab, String(MAX_LEN)]);
  commandTimes.push(a.elapsed);
  scriptTimes.push(b.elapsed);
  same &&= a.output === b.output;
}
fs.rmSync(dir, { recursive: true, force: true });
console.log(
  `tokenize command, ${LINES.toLocaleString('en')} lines of ChnSentiCorp + TNEWS, stdin to a file (median of ${commandTimes.length})`,
);
console.log(
  `  ernie-slim tokenize         ${median(commandTimes).toFixed(2)} s  ${Math.round(LINES / median(commandTimes)).toLocaleString('en')} lines/s`,
);
console.log(
  `  node + tokenizers script    ${median(scriptTimes).toFixed(2)} s  ${Math.round(LINES / median(scriptTimes)).toLocaleString('en')} lines/s`,
);
console.log(
  `  ratio                       ${(median(scriptTimes) / median(commandTimes)).toFixed(1)}x  (outputs identical: ${same})`,
);
console.log(`load average after: ${load()}`);

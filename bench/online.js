// Online distillation's teacher service, side by side in one run (issue 7's figures):
//  service throughput with 10 concurrent KServe v2 clients vs calling the same teacher in-process.
// Usage: node bench/online.js [--lines 1024] [--clients 10] [--rows-per-request 16]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Teacher, WordPieceTokenizer, makeTeacher } from '../dist/index.js';
import { KServeClient } from '../dist/teacher/kserve-client.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = path.resolve(root, '..', 'shared');
const vocab = path.join(shared, 'vocab', 'bert-base-chinese.txt');
const data = path.join(shared, 'data', 'chnsenticorp', 'train.tsv');
if (!fs.existsSync(data) || !fs.existsSync(vocab)) {
  console.log(`skipped: ${data} or ${vocab} is missing (the bench reads ../shared)`);
  process.exit(0);
}
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const LINES = arg('lines', 1024);
const CLIENTS = arg('clients', 10);
const PER_REQUEST = arg('rows-per-request', 16);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-bench-online-'));
const tokenizer = WordPieceTokenizer.fromFile(vocab);
const model = path.join(tmp, 'teacher.onnx');
fs.writeFileSync(model, makeTeacher({ vocabSize: tokenizer.vocabSize, padId: 0, layers: 4, hidden: 256, heads: 4, intermediate: 1024, maxPositions: 512, typeVocabSize: 2, labels: 2, style: 'ernie', idType: 'int64', seed: 1 }));
const texts = fs.readFileSync(data, 'utf8').trimEnd().split('\n').slice(1, LINES + 1).map((l) => l.split('\t')[1]);

// In-process: the same teacher, length-bucketed batches of 64.
const teacher = await Teacher.open(model, { vocab, maxLength: 128 });
await teacher.score(texts.slice(0, 64));
let started = performance.now();
await teacher.score(texts, { batchSize: 64 });
const inProcess = texts.length / ((performance.now() - started) / 1000);
await teacher.close();

// The service in its own process; clients send text requests of PER_REQUEST rows, CLIENTS at a time.
const server = spawn(process.execPath, [path.join(root, 'dist', 'cli', 'main.js'), 'serve', '--teacher', model, '--vocab', vocab, '--port', '0', '--max-batch', '64'], { stdio: ['ignore', 'ignore', 'pipe'] });
const url = await new Promise((resolve, reject) => {
  let err = '';
  server.stderr.on('data', (d) => {
    err += d;
    const m = /at (http:\S+)/.exec(err);
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
});
const client = new KServeClient([url], { concurrency: CLIENTS });
const requests = [];
for (let i = 0; i < texts.length; i += PER_REQUEST) requests.push(texts.slice(i, i + PER_REQUEST));
const send = (rows) => client.infer([{ name: 'text', shape: [rows.length], datatype: 'BYTES', data: rows }]);
await send(texts.slice(0, 8));
started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: CLIENTS }, async () => {
    while (next < requests.length) await send(requests[next++]);
  }),
);
const service = texts.length / ((performance.now() - started) / 1000);
await client.close();
server.kill('SIGTERM');
fs.rmSync(tmp, { recursive: true, force: true });

console.log(`teacher 4 x 256, ${texts.length} ChnSentiCorp lines, max-len 128, ${os.cpus().length} cores`);
console.log(`  in-process Teacher.score, batches of 64       ${inProcess.toFixed(1)} lines/s`);
console.log(`  ernie-slim serve, ${CLIENTS} clients x ${PER_REQUEST} rows    ${service.toFixed(1)} lines/s  -> ${((service / inProcess) * 100).toFixed(1)}% of in-process (goal >= 80%)`);
console.log(JSON.stringify({ lines: texts.length, clients: CLIENTS, rowsPerRequest: PER_REQUEST, inProcessLinesPerSecond: inProcess, serviceLinesPerSecond: service, ratio: service / inProcess }));

// Online distillation, side by side in one run (issue 7's figures):
//  1. service throughput with 10 concurrent KServe v2 clients vs calling the same teacher in-process;
//  2. student training speed online (a teacher service labels batches on demand) vs offline (labels on disk),
//     with a teacher that keeps up (an exported ernie-slim student served by `ernie-slim serve`).
// Usage: node bench/online.js [--lines 1024] [--clients 10] [--rows-per-request 16] [--distill-lines 20000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Teacher, WordPieceTokenizer, makeTeacher, train, exportOnnx, label } from '../dist/index.js';
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
const DISTILL_LINES = arg('distill-lines', 20000);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-bench-online-'));
const tokenizer = WordPieceTokenizer.fromFile(vocab);
const model = path.join(tmp, 'teacher.onnx');
fs.writeFileSync(
  model,
  makeTeacher({
    vocabSize: tokenizer.vocabSize,
    padId: 0,
    layers: 4,
    hidden: 256,
    heads: 4,
    intermediate: 1024,
    maxPositions: 512,
    typeVocabSize: 2,
    labels: 2,
    style: 'ernie',
    idType: 'int64',
    seed: 1,
  }),
);
const texts = fs
  .readFileSync(data, 'utf8')
  .trimEnd()
  .split('\n')
  .slice(1, LINES + 1)
  .map((l) => l.split('\t')[1]);

// In-process: the same teacher called with the same requests (CLIENTS callers at a time), and, as an upper
// bound, all lines at once in length-bucketed batches of 64.
const teacher = await Teacher.open(model, { vocab, maxLength: 128 });
await teacher.score(texts.slice(0, 64));
const requestsInProcess = [];
for (let i = 0; i < texts.length; i += PER_REQUEST) requestsInProcess.push(texts.slice(i, i + PER_REQUEST));
let started = performance.now();
let nextInProcess = 0;
await Promise.all(
  Array.from({ length: CLIENTS }, async () => {
    while (nextInProcess < requestsInProcess.length) await teacher.score(requestsInProcess[nextInProcess++]);
  }),
);
const inProcess = texts.length / ((performance.now() - started) / 1000);
started = performance.now();
await teacher.score(texts, { batchSize: 64 });
const inProcessAllAtOnce = texts.length / ((performance.now() - started) / 1000);
await teacher.close();

// The service in its own process; clients send text requests of PER_REQUEST rows, CLIENTS at a time.
function serve(teacherFile, extra = []) {
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'dist', 'cli', 'main.js'),
      'serve',
      '--teacher',
      teacherFile,
      '--port',
      '0',
      '--max-batch',
      '64',
      ...extra,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
      const m = /at (http:\S+)/.exec(err);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}
const { child: server, url } = await serve(model, ['--vocab', vocab]);
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

if (process.argv.includes('--skip-training')) {
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(
    `in-process ${inProcess.toFixed(1)} lines/s (all at once ${inProcessAllAtOnce.toFixed(1)}), service ${service.toFixed(1)} lines/s: ${((service / inProcess) * 100).toFixed(1)}%`,
  );
  process.exit(0);
}
// 2. Training online vs offline: ChnSentiCorp train + online_shopping texts, a bow student, one thread each.
const reviews = path.join(shared, 'data', 'online_shopping_10_cats', 'reviews.tsv');
const unlabeled = path.join(tmp, 'unlabeled.txt');
fs.writeFileSync(
  unlabeled,
  fs
    .readFileSync(reviews, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(1, DISTILL_LINES + 1)
    .map((l) => l.split('\t')[2])
    .join('\n') + '\n',
);
// A teacher that keeps up: a 1-layer, 32-wide BERT-architecture model; the native tokenizer feeds it.
const fastTeacher = path.join(tmp, 'fast-teacher.onnx');
fs.writeFileSync(
  fastTeacher,
  makeTeacher({
    vocabSize: tokenizer.vocabSize,
    padId: 0,
    layers: 1,
    hidden: 32,
    heads: 2,
    intermediate: 64,
    maxPositions: 512,
    typeVocabSize: 2,
    labels: 2,
    style: 'ernie',
    idType: 'int64',
    seed: 2,
  }),
);
const labeled = path.join(tmp, 'labeled.tsv');
await label({ teacher: fastTeacher, vocab, input: unlabeled, output: labeled, soft: true, maxLength: 64 });
// The service's model runs on one thread and the trainer on one: on two cores neither waits for a core.
const { child: fastServer, url: fastUrl } = await serve(fastTeacher, [
  '--threads',
  '1',
  '--vocab',
  vocab,
  '--max-len',
  '64',
]);
const remote = await Teacher.open(fastUrl, { concurrency: 4, maxLength: 64 });
const allRows = fs
  .readFileSync(unlabeled, 'utf8')
  .trimEnd()
  .split('\n')
  .map((textA, i) => ({ line: i + 1, textA }));
const training = [];
for (const [kind, count, epochs] of [
  ['bow', allRows.length, 3],
  ['cnn', Math.min(allRows.length, 4000), 1],
]) {
  const rows = allRows.slice(0, count);
  const subset = path.join(tmp, `labeled-${kind}.tsv`);
  fs.writeFileSync(
    subset,
    fs
      .readFileSync(labeled, 'utf8')
      .split('\n')
      .slice(0, count + 1)
      .join('\n') + '\n',
  );
  const common = { train: data, model: kind, epochs, threads: 1, seed: 1 };
  started = performance.now();
  const offline = await train({ ...common, distill: [subset] });
  const offlineSeconds = (performance.now() - started) / 1000;
  const online = {
    rows,
    label: async (batch) =>
      Float32Array.from(
        (
          await remote.score(
            batch.map((r) => r.textA),
            { batchSize: 64 },
          )
        ).flatMap((l) => Array.from(l)),
      ),
  };
  started = performance.now();
  const onlineRun = await train({ ...common, online });
  const onlineSeconds = (performance.now() - started) / 1000;
  training.push({
    kind,
    rows: count,
    epochs,
    offlineSeconds,
    onlineSeconds,
    offlineTrainSeconds: offline.trainSeconds,
    onlineTrainSeconds: onlineRun.trainSeconds,
    ratio: offlineSeconds / onlineSeconds,
  });
}
await remote.close();
fastServer.kill('SIGTERM');
fs.rmSync(tmp, { recursive: true, force: true });

console.log(`teacher 4 x 256, ${texts.length} ChnSentiCorp lines, max-len 128, ${os.cpus().length} cores`);
console.log(
  `  in-process Teacher.score, ${CLIENTS} callers x ${PER_REQUEST} rows       ${inProcess.toFixed(1)} lines/s`,
);
console.log(`  in-process, all lines at once, bucketed batches of 64   ${inProcessAllAtOnce.toFixed(1)} lines/s`);
console.log(
  `  ernie-slim serve, ${CLIENTS} clients x ${PER_REQUEST} rows           ${service.toFixed(1)} lines/s  -> ${((service / inProcess) * 100).toFixed(1)}% of in-process with the same requests (goal >= 80%), ${((service / inProcessAllAtOnce) * 100).toFixed(1)}% of all at once`,
);
console.log(
  `\nstudents on ChnSentiCorp train + online_shopping texts, 1 training thread; teacher: a 1-layer 32-wide BERT-architecture model behind ernie-slim serve (1 thread, max-len 64)`,
);
for (const t of training) {
  console.log(
    `  ${t.kind}, ${t.rows} texts, ${t.epochs} epoch(s): offline (labels on disk) ${t.offlineSeconds.toFixed(1)} s, online (labeled while training) ${t.onlineSeconds.toFixed(1)} s -> ${(t.ratio * 100).toFixed(1)}% of offline speed (goal >= 70% with a teacher that keeps up)`,
  );
}
console.log(
  JSON.stringify({
    lines: texts.length,
    clients: CLIENTS,
    rowsPerRequest: PER_REQUEST,
    inProcessLinesPerSecond: inProcess,
    inProcessAllAtOnceLinesPerSecond: inProcessAllAtOnce,
    serviceLinesPerSecond: service,
    ratio: service / inProcess,
    training,
  }),
);

// The KServe v2 teacher service and its client: bodies per the protocol, bad requests, dynamic batching
// under concurrency, parity with the in-process teacher, and a service restarted mid-run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Teacher, makeTeacher, label } from '../dist/index.js';
import { TeacherService } from '../dist/server/teacher-service.js';
import { DynamicBatcher } from '../dist/server/dynamic-batcher.js';
import { freePort, startService } from './service-helpers.js';

const CHARS = '酒店服务环境房间好差很不错一般便宜贵干净早餐位置交通方便安静吵设施旧新热情冷淡推荐失望满意';
let dir;
let vocab;
let model;
let service;
let base;

function texts(n, seed) {
  let x = seed;
  const rnd = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 4294967296;
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: 3 + ((i * 11) % 40) }, () => CHARS[Math.floor(rnd() * CHARS.length)]).join(''),
  );
}

async function post(url, body, raw = false) {
  const res = await fetch(url, {
    method: 'POST',
    body: raw ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.status, body: await res.json() };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-server-'));
  const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...new Set(CHARS)];
  vocab = path.join(dir, 'vocab.txt');
  fs.writeFileSync(vocab, tokens.join('\n') + '\n');
  model = path.join(dir, 'teacher.onnx');
  fs.writeFileSync(
    model,
    makeTeacher({
      vocabSize: tokens.length,
      padId: 0,
      layers: 2,
      hidden: 32,
      heads: 4,
      intermediate: 64,
      maxPositions: 128,
      typeVocabSize: 2,
      labels: 2,
      style: 'bert',
      idType: 'int64',
      seed: 3,
    }),
  );
  service = await TeacherService.start({ teacher: model, vocab, port: 0, maxBatch: 16 });
  base = `http://127.0.0.1:${service.address.port}`;
});

after(async () => {
  await service?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('health, server and model metadata as the KServe v2 protocol describes them', async () => {
  assert.equal((await fetch(`${base}/v2/health/live`)).status, 200);
  assert.equal((await fetch(`${base}/v2/health/ready`)).status, 200);
  const server = await (await fetch(`${base}/v2`)).json();
  assert.equal(server.name, 'ernie-slim');
  assert.ok(Array.isArray(server.extensions));
  const meta = await (await fetch(`${base}/v2/models/teacher`)).json();
  assert.equal(meta.name, 'teacher');
  assert.deepEqual(
    meta.inputs.map((i) => [i.name, i.datatype]),
    [
      ['input_ids', 'INT64'],
      ['token_type_ids', 'INT64'],
      ['attention_mask', 'INT64'],
      ['text', 'BYTES'],
      ['text_pair', 'BYTES'],
    ],
  );
  assert.deepEqual(meta.outputs, [{ name: 'logits', datatype: 'FP32', shape: [-1, 2] }]);
  assert.equal((await fetch(`${base}/v2/models/teacher/ready`)).status, 200);
});

test("infer: an INT64 id request (the protocol's example shape) and a BYTES text request agree with the in-process teacher", async () => {
  const teacher = await Teacher.open(model, { vocab });
  const sample = texts(3, 1);
  const local = await teacher.score(sample);
  // Ids request, nested row-major data and a request id echoed back, as in the specification's examples.
  const { WordPieceTokenizer } = await import('../dist/index.js');
  const tok = WordPieceTokenizer.fromFile(vocab);
  const enc = await tok.encodeBatch(sample, { maxLength: 128 });
  const rows = (a) =>
    Array.from({ length: enc.batchSize }, (_, r) =>
      Array.from(a.subarray(r * enc.seqLen, (r + 1) * enc.seqLen), Number),
    );
  const req = {
    id: '42',
    inputs: [
      { name: 'input_ids', shape: [enc.batchSize, enc.seqLen], datatype: 'INT64', data: rows(enc.inputIds) },
      { name: 'token_type_ids', shape: [enc.batchSize, enc.seqLen], datatype: 'INT64', data: rows(enc.tokenTypeIds) },
      { name: 'attention_mask', shape: [enc.batchSize, enc.seqLen], datatype: 'INT64', data: rows(enc.attentionMask) },
    ],
    outputs: [{ name: 'logits' }],
  };
  const ids = await post(`${base}/v2/models/teacher/infer`, req);
  assert.equal(ids.status, 200, JSON.stringify(ids.body));
  assert.equal(ids.body.id, '42');
  assert.equal(ids.body.model_name, 'teacher');
  const [out] = ids.body.outputs;
  assert.deepEqual([out.name, out.datatype, out.shape], ['logits', 'FP32', [3, 2]]);
  const text = await post(`${base}/v2/models/teacher/infer`, {
    inputs: [{ name: 'text', shape: [3, 1], datatype: 'BYTES', data: sample }],
  });
  assert.equal(text.status, 200, JSON.stringify(text.body));
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 2; c++) {
      assert.ok(Math.abs(out.data[r * 2 + c] - local[r][c]) < 1e-4);
      assert.ok(Math.abs(text.body.outputs[0].data[r * 2 + c] - local[r][c]) < 1e-4);
    }
  }
  await teacher.close();
});

test('bad requests get 4xx with {"error": ...} and the service lives on', async () => {
  const infer = `${base}/v2/models/teacher/infer`;
  const cases = [
    [await post(infer, '{"inputs": [', true), 400, /malformed JSON/],
    [await post(infer, { inputs: [] }), 400, /inputs/],
    [
      await post(infer, { inputs: [{ name: 'input_ids', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] }),
      400,
      /datatype/,
    ],
    [
      await post(infer, { inputs: [{ name: 'input_ids', shape: [1, 3], datatype: 'INT64', data: [1, 2] }] }),
      400,
      /needs 3 values/,
    ],
    [
      await post(infer, { inputs: [{ name: 'input_ids', shape: [3], datatype: 'INT64', data: [1, 2, 3] }] }),
      400,
      /shape/,
    ],
    [
      await post(infer, { inputs: [{ name: 'pixels', shape: [1], datatype: 'FP32', data: [1] }] }),
      400,
      /unknown input pixels/,
    ],
    [
      await post(infer, { inputs: [{ name: 'input_ids', shape: [1, 3], datatype: 'INT64', data: [2, 99999, 3] }] }),
      400,
      /cannot run this input/,
    ],
    [await post(`${base}/v2/models/nobody/infer`, { inputs: [] }), 404, /unknown model nobody/],
  ];
  for (const [res, status, pattern] of cases) {
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.match(res.body.error, pattern);
  }
  const big = await fetch(infer, { method: 'POST', body: 'x'.repeat(33 * 1024 * 1024) });
  assert.equal(big.status, 413);
  assert.equal((await fetch(`${base}/v2/health/live`)).status, 200);
});

test('concurrent clients are batched together and each gets its own rows back', async () => {
  const teacher = await Teacher.open(model, { vocab });
  const before = { ...service.stats };
  const requests = Array.from({ length: 20 }, (_, i) => texts(1 + (i % 7), 100 + i));
  const answers = await Promise.all(
    requests.map((sample) =>
      post(`${base}/v2/models/teacher/infer`, {
        inputs: [{ name: 'text', shape: [sample.length], datatype: 'BYTES', data: sample }],
      }),
    ),
  );
  const batches = service.stats.batches - before.batches;
  assert.ok(batches < requests.length, `20 concurrent requests ran as ${batches} batches`);
  for (let i = 0; i < requests.length; i++) {
    const local = await teacher.score(requests[i]);
    assert.equal(answers[i].status, 200);
    local.forEach((row, r) =>
      row.forEach((v, c) => assert.ok(Math.abs(v - answers[i].body.outputs[0].data[r * 2 + c]) < 1e-4)),
    );
  }
  await teacher.close();
});

test('a request larger than --max-batch is split and reassembled in order', async () => {
  const sample = texts(50, 7);
  const before = service.stats.batches;
  const res = await post(`${base}/v2/models/teacher/infer`, {
    inputs: [{ name: 'text', shape: [50], datatype: 'BYTES', data: sample }],
  });
  assert.equal(res.status, 200);
  assert.ok(service.stats.batches - before >= 4, 'max-batch 16 needs at least 4 runs for 50 rows');
  const teacher = await Teacher.open(model, { vocab });
  const local = await teacher.score(sample);
  local.forEach((row, r) => row.forEach((v, c) => assert.ok(Math.abs(v - res.body.outputs[0].data[r * 2 + c]) < 1e-4)));
  await teacher.close();
});

test('the batcher isolates a failing request from the ones batched with it', async () => {
  const batcher = new DynamicBatcher(
    async (rows) => {
      if (rows.includes(-1)) throw new Error('bad row');
      return { values: Float32Array.from(rows), width: 1 };
    },
    { maxBatch: 8, maxQueueDelayMs: 5 },
  );
  const results = await Promise.allSettled([batcher.submit([1, 2]), batcher.submit([3, -1]), batcher.submit([4])]);
  assert.deepEqual(Array.from(results[0].value.values), [1, 2]);
  assert.equal(results[1].status, 'rejected');
  assert.deepEqual(Array.from(results[2].value.values), [4]);
});

test('label against the service matches in-process labeling, across replicas, with or without the vocabulary', async () => {
  const input = path.join(dir, 'in.txt');
  const sample = texts(300, 9);
  fs.writeFileSync(input, sample.join('\n') + '\n');
  const local = path.join(dir, 'local.tsv');
  await label({ teacher: model, vocab, input, output: local, soft: true });
  const second = await TeacherService.start({ teacher: model, vocab, port: 0, maxBatch: 16 });
  try {
    const urls = `${base}/v2/models/teacher,http://127.0.0.1:${second.address.port}/v2/models/teacher`;
    for (const withVocab of [true, false]) {
      const remote = path.join(dir, `remote-${withVocab}.tsv`);
      await label({
        teacher: urls,
        vocab: withVocab ? vocab : undefined,
        input,
        output: remote,
        soft: true,
        concurrency: 4,
        serverBatchSize: 8,
      });
      const a = fs.readFileSync(local, 'utf8').trimEnd().split('\n');
      const b = fs.readFileSync(remote, 'utf8').trimEnd().split('\n');
      assert.equal(b.length, a.length);
      for (let i = 1; i < a.length; i++) {
        const [ta, la, xa] = a[i].split('\t');
        const [tb, lb, xb] = b[i].split('\t');
        assert.equal(tb, ta);
        const va = xa.split(',').map(Number);
        const vb = xb.split(',').map(Number);
        va.forEach((v, j) => assert.ok(Math.abs(v - vb[j]) < 1e-4, `line ${i}`));
        if (Math.abs(va[0] - va[1]) > 1e-4) assert.equal(lb, la);
      }
    }
    assert.ok(second.stats.rows > 0, 'both replicas took work');
  } finally {
    await second.close();
  }
});

test('the service killed and restarted mid-run: labeling retries and loses or repeats no line', async () => {
  const port = await freePort();
  const start = () => startService(['--teacher', model, '--vocab', vocab], port);
  let server = await start();
  const input = path.join(dir, 'restart.txt');
  const sample = texts(3000, 21);
  fs.writeFileSync(input, sample.join('\n') + '\n');
  const output = path.join(dir, 'restart.tsv');
  let rowsSeen = 0;
  const run = label({
    teacher: `http://127.0.0.1:${port}/v2/models/teacher`,
    input,
    output,
    soft: true,
    concurrency: 2,
    serverBatchSize: 16,
    batchSize: 16,
    window: 64,
    backoffMs: 50,
    timeoutMs: 30_000,
    onProgress: (n) => (rowsSeen = n),
  });
  while (rowsSeen < 300) await new Promise((r) => setTimeout(r, 10));
  server.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  server = await start();
  const result = await run;
  server.kill('SIGTERM');
  assert.equal(result.rows, 3000);
  const lines = fs.readFileSync(output, 'utf8').trimEnd().split('\n').slice(1);
  assert.deepEqual(
    lines.map((l) => l.split('\t')[0]),
    sample,
  );
});

test('all services down longer than --teacher-timeout: one clear error', async () => {
  const port = await freePort();
  const input = path.join(dir, 'down.txt');
  fs.writeFileSync(input, '好\n');
  await assert.rejects(
    label({
      teacher: `http://127.0.0.1:${port}/v2/models/teacher`,
      input,
      output: path.join(dir, 'down.tsv'),
      timeoutMs: 500,
      backoffMs: 50,
    }),
    /no teacher service answered for 1 s \(--teacher-timeout\)/,
  );
});

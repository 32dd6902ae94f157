// Labeling on a fleet: `label --teacher URL1,URL2,URL3` over several `ernie-slim serve` processes (what a Triton fleet
// speaks), one killed mid-run, all of them down; every row labeled once, in order, as the local teacher labels it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { label } from '../dist/index.js';
import { demoLabeledTsv, demoRows, demoTextLines } from '../dist/distill/demo-data.js';
import { cli } from './student-fixtures.js';
import { writeCharacterTeacher } from './teacher-fixtures.js';
import { freePort, startService } from './service-helpers.js';

// Machines this busy can take seconds over these small jobs: no periodic progress lines here.
process.env.ERNIE_SLIM_PROGRESS_SECONDS = '3600';

const ROWS = 400;
const WINDOW = 64;

let dir;
let input;
let teacher;
let vocab;
let local;
const fleets = [];

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-fleet-'));
  input = path.join(dir, 'texts.txt');
  const text = demoTextLines(demoRows(ROWS, 41));
  fs.writeFileSync(input, text);
  ({ teacher, vocab } = writeCharacterTeacher(
    dir,
    text
      .trimEnd()
      .split('\n')
      .map((t) => ({ text: t })),
  ));
  local = path.join(dir, 'local.tsv');
  await label({ teacher, vocab, input, output: local, soft: true, batchSize: 16, window: WINDOW, threads: 1 });
});

after(() => {
  for (const fleet of fleets) for (const s of fleet.services) s.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `count` teacher services on free ports (or on `ports`); `extra` flags for each. */
async function startFleet(count, extra = ['--vocab', vocab], ports = null) {
  ports ??= await Promise.all(Array.from({ length: count }, () => freePort()));
  const services = await Promise.all(
    ports.map((port) => startService(['--teacher', teacher, '--threads', '1', ...extra], port)),
  );
  const fleet = { ports, services, urls: ports.map((p) => `http://127.0.0.1:${p}/v2/models/teacher`) };
  fleets.push(fleet);
  return fleet;
}

/** Kills every service; resolves once they are gone (their ports free again). */
const stopFleet = (fleet) =>
  Promise.all(
    fleet.services.map(
      (s) =>
        new Promise((resolve) =>
          s.exitCode !== null || s.signalCode !== null ? resolve() : (s.once('exit', resolve), s.kill('SIGKILL')),
        ),
    ),
  );

/** The rows of a label TSV: [text, label, logits[]]. */
function readLabeled(file) {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.equal(header, 'text_a\tlabel\tlogits');
  return lines.map((line) => {
    const [text, name, logits] = line.split('\t');
    return [text, name, logits.split(',').map(Number)];
  });
}

/** Every input row once, in order, with the local teacher's label and (to the printed digits) its logits. */
function assertSameAsLocal(file) {
  const expected = readLabeled(local);
  const got = readLabeled(file);
  assert.equal(expected.length, ROWS);
  assert.equal(got.length, ROWS, 'no row lost or doubled');
  got.forEach(([text, name, logits], i) => {
    assert.equal(text, expected[i][0], `row ${i + 1} in input order`);
    assert.equal(name, expected[i][1], `row ${i + 1}'s label`);
    logits.forEach((x, j) => assert.ok(Math.abs(x - expected[i][2][j]) <= 2e-6, `row ${i + 1} logit ${j}: ${x}`));
  });
}

test('three services, one killed mid-run: every row labeled once, in order, as the local teacher labels it', async () => {
  const fleet = await startFleet(3);
  const output = path.join(dir, 'fleet.tsv');
  let killedAt = null;
  const result = await label({
    teacher: fleet.urls.join(','),
    vocab,
    input,
    output,
    soft: true,
    batchSize: 16,
    window: WINDOW,
    serverBatchSize: 8,
    concurrency: 4,
    backoffMs: 50,
    timeoutMs: 30_000,
    onProgress: (rows) => {
      if (killedAt === null) {
        killedAt = rows;
        fleet.services[1].kill('SIGKILL');
      }
    },
  });
  await stopFleet(fleet);
  assert.ok(killedAt !== null && killedAt < ROWS, `killed after ${killedAt} of ${ROWS} rows`);
  assert.equal(result.rows, ROWS);
  assertSameAsLocal(output);
});

test('the whole fleet down mid-run: one clear error, the complete windows kept; --resume on the restarted fleet finishes it', async () => {
  const fleet = await startFleet(2);
  const output = path.join(dir, 'resumed.tsv');
  const common = { vocab, input, output, soft: true, batchSize: 16, window: WINDOW, serverBatchSize: 8, backoffMs: 50 };
  let kept = null;
  await assert.rejects(
    label({
      ...common,
      teacher: fleet.urls.join(','),
      timeoutMs: 1000,
      onProgress: (rows) => {
        if (kept === null) {
          kept = rows;
          void stopFleet(fleet);
        }
      },
    }),
    /^InputError: no teacher service answered for 1 s \(--teacher-timeout\); last error: http:\/\/127\.0\.0\.1:\d+\/v2\/models\/teacher: /,
  );
  assert.ok(!fs.existsSync(output), 'no complete-looking output');
  const partial = fs.readFileSync(`${output}.partial`, 'utf8').trimEnd().split('\n');
  assert.equal(partial.length - 1, kept, 'the windows written before the fleet went down, whole');
  assert.equal(kept % WINDOW, 0);
  // The fleet comes back at the same addresses (a resumed run must name the same teacher).
  await stopFleet(fleet);
  const next = await startFleet(2, ['--vocab', vocab], fleet.ports);
  const result = await label({ ...common, teacher: next.urls.join(','), resume: true, timeoutMs: 30_000 });
  await stopFleet(next);
  assert.equal(result.resumedRows, kept);
  assertSameAsLocal(output);
});

test('label against a fleet that is all down: one line, exit 1, nothing written', async () => {
  const ports = [await freePort(), await freePort()];
  const output = path.join(dir, 'down.tsv');
  const urls = ports.map((p) => `http://127.0.0.1:${p}/v2/models/teacher`).join(',');
  const run = cli([
    'label',
    '--teacher',
    urls,
    '--vocab',
    vocab,
    '--input',
    input,
    '--output',
    output,
    '--teacher-timeout',
    '1',
  ]);
  assert.equal(run.status, 1);
  assert.match(
    run.stderr,
    /^ernie-slim: no teacher service answered for 1 s \(--teacher-timeout\); last error: http:\/\/127\.0\.0\.1:\d+\/v2\/models\/teacher: [^\n]*ECONNREFUSED[^\n]*\n$/,
  );
  assert.equal(run.stdout, '');
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.startsWith('down') || f.startsWith('.down')),
    [],
    'no output, partial or temporary file',
  );
});

test('a service that, like Triton, serves only tensors: the client asks for --vocab, and --teacher-labels names the labels (label, distill)', async () => {
  const fleet = await startFleet(1, []);
  try {
    const output = path.join(dir, 'named.tsv');
    const withoutVocab = cli(['label', '--teacher', fleet.urls[0], '--input', input, '--output', output]);
    assert.equal(withoutVocab.status, 1);
    assert.equal(
      withoutVocab.stderr,
      `ernie-slim: ${fleet.urls[0]}: the service takes token ids, not text (its inputs: input_ids, token_type_ids), and does not send the teacher's vocabulary: give --vocab the teacher's vocab.txt (serve --triton-repo writes one beside the model)\n`,
    );
    assert.ok(!fs.existsSync(output) && !fs.existsSync(`${output}.partial`));

    const names = path.join(dir, 'labels.txt');
    fs.writeFileSync(names, 'negative\npositive\n');
    const run = cli([
      'label',
      '--teacher',
      fleet.urls[0],
      '--vocab',
      vocab,
      '--teacher-labels',
      names,
      '--input',
      input,
      '--output',
      output,
      '--soft',
    ]);
    assert.equal(run.status, 0, run.stderr);
    const expected = readLabeled(local);
    readLabeled(output).forEach(([text, name], i) => {
      assert.equal(text, expected[i][0]);
      assert.equal(name, ['negative', 'positive'][Number(expected[i][1])]);
    });

    // distill takes the names too: logits are matched to the training labels by them, and a mismatch is refused.
    const train = path.join(dir, 'train.tsv');
    fs.writeFileSync(train, demoLabeledTsv(demoRows(60, 42)));
    const distilled = cli([
      'distill',
      '--teacher-url',
      fleet.urls[0],
      '--vocab',
      vocab,
      '--teacher-labels',
      names,
      '--train',
      train,
      '--dev',
      train,
      '--augment-times',
      '1',
      '--out',
      path.join(dir, 'distilled'),
    ]);
    assert.equal(distilled.status, 1);
    assert.equal(
      distilled.stderr.trimEnd().split('\n').at(-1),
      `ernie-slim: ${fleet.urls[0]}: the teacher has 2 labels (negative, positive); the training set has 0, 1`,
    );

    fs.writeFileSync(names, 'negative\nneutral\npositive\n');
    const wrongCount = cli(['label', '--teacher', fleet.urls[0], '--vocab', vocab, '--teacher-labels', names]);
    assert.equal(wrongCount.status, 1);
    assert.equal(
      wrongCount.stderr,
      `ernie-slim: ${fleet.urls[0]}: --teacher-labels names 3 labels; the teacher has 2\n`,
    );
  } finally {
    await stopFleet(fleet);
  }
});

/**
 * A stand-in for Triton in front of a tensors-only service: it answers GET .../config with max_batch_size, and, as
 * Triton does, refuses a request of more rows, of another datatype than declared, or lacking one of the model's inputs.
 */
async function tritonLike(backendUrl, maxBatchSize, datatype) {
  const metadata = await (await fetch(backendUrl)).json();
  // The model's ids as an int32 graph declares them (the service behind takes either).
  metadata.inputs = metadata.inputs.map((i) => ({ ...i, datatype }));
  const seen = [];
  const server = http.createServer(async (req, res) => {
    const send = (status, body) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'GET' && req.url.endsWith('/config'))
      return send(200, { name: 'teacher', backend: 'onnxruntime', max_batch_size: maxBatchSize });
    if (req.method === 'GET') return send(200, metadata);
    let body = '';
    for await (const chunk of req) body += chunk;
    const request = JSON.parse(body);
    for (const declared of metadata.inputs) {
      const input = request.inputs.find((i) => i.name === declared.name);
      if (!input)
        return send(400, { error: `expected ${metadata.inputs.length} inputs but got ${request.inputs.length}` });
      if (input.datatype !== declared.datatype)
        return send(400, { error: `unexpected datatype ${input.datatype} for inference input '${input.name}'` });
      if (input.shape[0] > maxBatchSize)
        return send(400, { error: `inference request batch-size must be <= ${maxBatchSize} for 'teacher'` });
    }
    seen.push(request.inputs[0].shape[0]);
    const answer = await fetch(`${backendUrl}/infer`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    send(answer.status, await answer.json());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, seen, url: `http://127.0.0.1:${server.address().port}/v2/models/teacher` };
}

test('a Triton-like service of INT32 ids and max_batch_size 4: the client sends INT32, and no request of more rows', async () => {
  const fleet = await startFleet(1, []);
  const triton = await tritonLike(fleet.urls[0], 4, 'INT32');
  try {
    const output = path.join(dir, 'triton.tsv');
    // In process: the stand-in shares this event loop, which a synchronous child would block.
    await label({ teacher: triton.url, vocab, input, output, soft: true });
    assertSameAsLocal(output);
    assert.ok(triton.seen.length >= ROWS / 4, `${triton.seen.length} requests`);
    assert.ok(
      triton.seen.every((rows) => rows <= 4),
      `rows per request: ${[...new Set(triton.seen)]}`,
    );
  } finally {
    triton.server.close();
    await stopFleet(fleet);
  }
});

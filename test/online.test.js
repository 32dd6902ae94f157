// Online distillation: the student trains while a KServe v2 teacher service labels its batches on demand.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Teacher, train, exportOnnx } from '../dist/index.js';
import { distill } from '../dist/distill/pipeline.js';
import { demoRows, demoLabeledTsv, demoTextLines } from '../dist/distill/demo-data.js';
import { freePort, startService } from './service-helpers.js';

let dir;
let files;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-online-'));
  const write = (name, text) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  files = {
    train: write('train.tsv', demoLabeledTsv(demoRows(300, 31))),
    dev: write('dev.tsv', demoLabeledTsv(demoRows(200, 32))),
    unlabeled: write('unlabeled.txt', demoTextLines(demoRows(1500, 33))),
    teacherTrain: write('teacher-train.tsv', demoLabeledTsv(demoRows(1500, 34))),
  };
  // A teacher that knows more than the student: a bow trained on more labeled data, exported to ONNX.
  const teacher = await train({
    train: files.teacherTrain,
    dev: files.dev,
    model: 'bow',
    epochs: 4,
    threads: 1,
    seed: 1,
  });
  files.teacher = path.join(dir, 'teacher.onnx');
  await exportOnnx(teacher.student.toData(), files.teacher);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

const startTeacherService = (port) => startService(['--teacher', files.teacher], port);

test('distill --online against a service matches offline distillation within noise', async () => {
  const common = {
    train: files.train,
    dev: files.dev,
    unlabeled: files.unlabeled,
    augmentTimes: 0,
    epochs: 3,
    threads: 1,
    seed: 5,
    baseline: false,
    ernieBaseSpeedup: false,
  };
  const offline = await distill({ ...common, teacher: [files.teacher], out: path.join(dir, 'offline') });
  const port = await freePort();
  const service = await startTeacherService(port);
  try {
    const online = await distill({
      ...common,
      teacherUrl: [`http://127.0.0.1:${port}/v2/models/teacher`],
      online: true,
      concurrency: 4,
      out: path.join(dir, 'online'),
    });
    assert.equal(online.metrics.teacher.online, true);
    assert.equal(
      fs.readdirSync(path.join(dir, 'online', 'cache')).filter((f) => f.startsWith('labels-')).length,
      0,
      'online writes no teacher labels',
    );
    assert.ok(
      Math.abs(online.metrics.student_accuracy - offline.metrics.student_accuracy) <= 0.04,
      `online ${online.metrics.student_accuracy} vs offline ${offline.metrics.student_accuracy}`,
    );
    assert.equal(online.metrics.teacher_accuracy, offline.metrics.teacher_accuracy);
  } finally {
    service.kill('SIGTERM');
  }
});

test('the service killed and restarted mid-training: training continues, no batch lost or counted twice', async () => {
  const port = await freePort();
  let service = await startTeacherService(port);
  const url = `http://127.0.0.1:${port}/v2/models/teacher`;
  const teacher = await Teacher.open(url, { backoffMs: 50, timeoutMs: 30_000, concurrency: 2 });
  const rows = fs
    .readFileSync(files.unlabeled, 'utf8')
    .trimEnd()
    .split('\n')
    .map((textA, i) => ({ line: i + 1, textA }));
  let requested = 0;
  let delivered = 0;
  let restarted = false;
  const online = {
    rows,
    segmentBatches: 4,
    label: async (batch) => {
      requested += batch.length;
      if (requested > rows.length / 2 && !restarted) {
        restarted = true;
        service.kill('SIGKILL');
        setTimeout(async () => (service = await startTeacherService(port)), 300);
      }
      const logits = await teacher.score(
        batch.map((r) => r.textA),
        { batchSize: 16 },
      );
      delivered += logits.length;
      assert.equal(logits.length, batch.length);
      return Float32Array.from(logits.flatMap((l) => Array.from(l)));
    },
  };
  const epochs = 2;
  // 20 divides both sets, so each epoch holds every row exactly once (no batch topped up from the start).
  const result = await train({
    train: files.train,
    dev: files.dev,
    model: 'bow',
    epochs,
    batchSize: 20,
    threads: 1,
    seed: 2,
    online,
  });
  await teacher.close();
  service.kill('SIGTERM');
  assert.ok(restarted, 'the service was restarted mid-training');
  // Every distillation row is labeled once per epoch: none lost, none twice.
  assert.equal(requested, rows.length * epochs);
  assert.equal(delivered, rows.length * epochs);
  assert.equal(result.epochs, epochs);
  assert.ok(result.devAccuracy > 0.6, `dev accuracy ${result.devAccuracy}`);
});

test('all services down longer than --teacher-timeout: one clear error and a saved partial student', async () => {
  const port = await freePort();
  const service = await startTeacherService(port);
  const url = `http://127.0.0.1:${port}/v2/models/teacher`;
  const out = path.join(dir, 'down', 'student.bin');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const teacher = await Teacher.open(url, { backoffMs: 50, timeoutMs: 800 });
  const rows = fs
    .readFileSync(files.unlabeled, 'utf8')
    .trimEnd()
    .split('\n')
    .map((textA, i) => ({ line: i + 1, textA }));
  let calls = 0;
  const online = {
    rows,
    segmentBatches: 4,
    label: async (batch) => {
      if (++calls === 3) service.kill('SIGKILL');
      const logits = await teacher.score(batch.map((r) => r.textA));
      return Float32Array.from(logits.flatMap((l) => Array.from(l)));
    },
  };
  await assert.rejects(
    train({ train: files.train, model: 'bow', epochs: 2, threads: 1, online, out }),
    /no teacher service answered .*saved as .*student\.partial\.bin/,
  );
  assert.ok(fs.existsSync(out.replace(/\.bin$/, '.partial.bin')));
  assert.ok(!fs.existsSync(out), 'no complete-looking student');
  await teacher.close();
});

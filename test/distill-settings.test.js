// resolveDistillSettings without files: defaults, and each check's exact message before any long step.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../dist/index.js';
import { resolveDistillSettings } from '../dist/distill/distill-settings.js';

const base = { trainTeacher: 'lstm', train: 'train.tsv', dev: 'dev.tsv', out: 'out' };

test('distill defaults: bow student, 10 augmented copies, all unlabeled lines, seed 1, the teacher batch 64, CPU', () => {
  const s = resolveDistillSettings(base);
  assert.deepEqual(
    { ...s, threads: undefined },
    {
      seed: 1,
      threads: undefined,
      kind: 'bow',
      augmentTimes: 10,
      unlabeledRatio: 1,
      out: path.resolve('out'),
      cacheDir: path.resolve('out', 'cache'),
      teacherBatchSize: 64,
      studentDevice: 'cpu',
    },
  );
  assert.ok(s.threads >= 1);
  assert.equal(
    resolveDistillSettings({ ...base, device: 'cuda' }).studentDevice,
    'auto',
    'a GPU teacher lets the students use it where they can',
  );
  assert.equal(
    resolveDistillSettings({ ...base, device: 'auto', threads: 3, student: 'cnn', batchSize: 8 }).teacherBatchSize,
    8,
  );
});

test('distill checks: one teacher source, whole augment times, a ratio in (0, 1], something to label', () => {
  const cases = [
    [{ trainTeacher: undefined }, 'give exactly one of --teacher, --teacher-url and --train-teacher'],
    [{ teacher: ['t.onnx'] }, 'give exactly one of --teacher, --teacher-url and --train-teacher'],
    [
      { pretrained: 'ckpt' },
      '--pretrained fine-tunes the teacher: give no --teacher, --teacher-url or --train-teacher with it',
    ],
    [{ augmentTimes: 1.5 }, '--augment-times must be a whole number (got 1.5)'],
    [{ augmentTimes: -1 }, '--augment-times must be a whole number (got -1)'],
    [{ unlabeledRatio: 0 }, '--unlabeled-ratio must be within (0, 1] (got 0)'],
    [{ augmentTimes: 0 }, 'nothing for the teacher to label: give --unlabeled or --augment-times above 0'],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => resolveDistillSettings({ ...base, ...options }),
      (err) => err instanceof UsageError && err.message === message,
      message,
    );
  }
  assert.equal(
    resolveDistillSettings({ ...base, augmentTimes: 0, unlabeled: 'u.txt', unlabeledRatio: 0.5 }).unlabeledRatio,
    0.5,
  );
  assert.equal(
    resolveDistillSettings({ ...base, trainTeacher: undefined, pretrained: 'ckpt', quantizeTeacher: true }).seed,
    1,
  );
});

test("distill checks every flag before its first step: its own numbers, and its students' by train's checks", () => {
  const cases = [
    [{ epochs: 0 }, '--epochs must be a positive integer, got 0'],
    [{ lr: -1 }, '--lr must be a positive number, got -1'],
    [{ temperature: 0 }, '--temperature must be a positive number, got 0'],
    [{ alpha: 1.5 }, '--alpha must be within [0, 1], got 1.5'],
    [{ student: 'gru' }, '--model must be bow, cnn or lstm, got gru'],
    [{ ngrams: 2, student: 'cnn' }, '--ngrams 2 applies to --model bow only'],
    [{ teacherEpochs: 0 }, '--teacher-epochs must be a positive integer (got 0)'],
    [{ batchSize: 2.5 }, '--batch-size must be a positive integer (got 2.5)'],
    [{ maxLength: 2 }, '--max-len must be an integer from 3 to 8192 (got 2)'],
    [{ concurrency: 0 }, '--concurrency must be an integer from 1 to 1024 (got 0)'],
    [{ serverBatchSize: 0 }, '--server-batch-size must be a positive integer (got 0)'],
    [{ teacherTimeoutMs: -1 }, '--teacher-timeout must be a positive number (got -1)'],
    [{ threads: 0 }, '--threads must be an integer from 1 to 1024 (got 0)'],
    [{ seed: -1 }, '--seed must be an integer from 0 to 4294967295 (got -1)'],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => resolveDistillSettings({ ...base, ...options }),
      (err) => err instanceof UsageError && err.message === message,
      message,
    );
  }
  assert.equal(
    resolveDistillSettings({ ...base, epochs: 2, lr: 0.01, temperature: 2, alpha: 0.3, ngrams: 2 }).kind,
    'bow',
  );
});

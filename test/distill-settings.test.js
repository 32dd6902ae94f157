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
    { seed: 1, threads: undefined, kind: 'bow', augmentTimes: 10, unlabeledRatio: 1, out: path.resolve('out'), cacheDir: path.resolve('out', 'cache'), teacherBatchSize: 64, studentDevice: 'cpu' },
  );
  assert.ok(s.threads >= 1);
  assert.equal(resolveDistillSettings({ ...base, device: 'cuda' }).studentDevice, 'auto', 'a GPU teacher lets the students use it where they can');
  assert.equal(resolveDistillSettings({ ...base, device: 'auto', threads: 3, student: 'cnn', batchSize: 8 }).teacherBatchSize, 8);
});

test('distill checks: one teacher source, whole augment times, a ratio in (0, 1], something to label', () => {
  const cases = [
    [{ trainTeacher: undefined }, 'give exactly one of --teacher, --teacher-url and --train-teacher'],
    [{ teacher: ['t.onnx'] }, 'give exactly one of --teacher, --teacher-url and --train-teacher'],
    [{ pretrained: 'ckpt' }, '--pretrained fine-tunes the teacher: give no --teacher, --teacher-url or --train-teacher with it'],
    [{ augmentTimes: 1.5 }, '--augment-times must be a whole number (got 1.5)'],
    [{ augmentTimes: -1 }, '--augment-times must be a whole number (got -1)'],
    [{ unlabeledRatio: 0 }, '--unlabeled-ratio must be within (0, 1] (got 0)'],
    [{ augmentTimes: 0 }, 'nothing for the teacher to label: give --unlabeled or --augment-times above 0'],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => resolveDistillSettings({ ...base, ...options }), (err) => err instanceof UsageError && err.message === message, message);
  }
  assert.equal(resolveDistillSettings({ ...base, augmentTimes: 0, unlabeled: 'u.txt', unlabeledRatio: 0.5 }).unlabeledRatio, 0.5);
  assert.equal(resolveDistillSettings({ ...base, trainTeacher: undefined, pretrained: 'ckpt', quantizeTeacher: true }).seed, 1);
});

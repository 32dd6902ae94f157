// distill()'s settings: defaults and the checks of its flags, before any file is read.
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { StudentKind } from '../student/native-api.js';
import { resolveTrainSettings } from '../student/train-settings.js';
import {
  COUNT_RANGE,
  MAX_LEN_RANGE,
  SEED_RANGE,
  THREADS_RANGE,
  numberFlagProblem,
  type NumberRange,
} from '../util/number-range.js';
import type { DistillOptions } from './distill-options.js';

export interface DistillSettings {
  seed: number;
  threads: number;
  kind: StudentKind;
  augmentTimes: number;
  unlabeledRatio: number;
  /** The output folder (absolute) and its label cache. */
  out: string;
  cacheDir: string;
  /** The teacher's batch size when it labels and scores. */
  teacherBatchSize: number;
  /** --device cuda|auto puts the teacher on the GPU, and the students too where the addon can train them there. */
  studentDevice: 'cpu' | 'auto';
}

/** distill's own numeric options, by flag; the students' (epochs, lr, temperature, alpha) are train's. */
const NUMBER_FLAGS: readonly [keyof DistillOptions, string, NumberRange][] = [
  ['augmentTimes', 'augment-times', { integer: true, min: 0 }],
  ['unlabeledRatio', 'unlabeled-ratio', { above: 0, max: 1 }],
  ['teacherEpochs', 'teacher-epochs', COUNT_RANGE],
  ['teacherLr', 'teacher-lr', { above: 0 }],
  ['concurrency', 'concurrency', { integer: true, min: 1, max: 1024 }],
  ['serverBatchSize', 'server-batch-size', COUNT_RANGE],
  ['teacherTimeoutMs', 'teacher-timeout', { above: 0 }],
  ['maxLength', 'max-len', MAX_LEN_RANGE],
  ['batchSize', 'batch-size', COUNT_RANGE],
  ['threads', 'threads', THREADS_RANGE],
  ['seed', 'seed', SEED_RANGE],
];

/** Every flag is checked here, before the teacher, augmentation or labeling: a wrong one costs no hours of labeling. */
export function resolveDistillSettings(options: DistillOptions): DistillSettings {
  const augmentTimes = options.augmentTimes ?? 10;
  const unlabeledRatio = options.unlabeledRatio ?? 1;
  const sources = [
    options.teacher?.length ? 'teacher' : null,
    options.teacherUrl?.length ? 'teacher-url' : null,
    options.trainTeacher ? 'train-teacher' : null,
  ].filter(Boolean);
  if (options.pretrained && sources.length > 0)
    throw new UsageError(
      '--pretrained fine-tunes the teacher: give no --teacher, --teacher-url or --train-teacher with it',
    );
  if (!options.pretrained && sources.length !== 1)
    throw new UsageError('give exactly one of --teacher, --teacher-url and --train-teacher');
  for (const [option, flag, range] of NUMBER_FLAGS) {
    const message = options[option] === undefined ? null : numberFlagProblem(flag, options[option], range);
    if (message) throw new UsageError(message);
  }
  // The students' flags, by train's own checks (those that need the data wait for train()).
  const { student: model, ngrams, segmenter, epochs, lr, temperature, alpha, threads, seed } = options;
  resolveTrainSettings(
    { train: options.train, out: options.out, model, ngrams, segmenter, epochs, lr, temperature, alpha, threads, seed },
    null,
  );
  if (options.quantizeTeacher && !options.teacher?.length && !options.trainTeacher && !options.pretrained)
    throw new UsageError(
      '--quantize-teacher needs ONNX teacher files (--teacher or --train-teacher; a teacher service runs the model it was given)',
    );
  checkQuantizeFlags(options);
  if (augmentTimes === 0 && !options.unlabeled)
    throw new UsageError('nothing for the teacher to label: give --unlabeled or --augment-times above 0');
  const out = path.resolve(options.out);
  return {
    seed: options.seed ?? 1,
    threads: options.threads ?? os.availableParallelism(),
    kind: options.student ?? 'bow',
    augmentTimes,
    unlabeledRatio,
    out,
    cacheDir: path.join(out, 'cache'),
    teacherBatchSize: options.batchSize ?? 64,
    studentDevice: (options.device ?? 'cpu') === 'cpu' ? 'cpu' : 'auto',
  };
}

// --quantize's flags: the compact student is bow only, and its settings mean nothing without it.
function checkQuantizeFlags(options: DistillOptions): void {
  const { cutoff, dsub, qnorm, qout, retrain } = options;
  if (!options.quantize) {
    if ([cutoff, dsub, qnorm, qout, retrain].some((v) => v !== undefined))
      throw new UsageError('--cutoff, --dsub, --qnorm, --qout and --retrain go with --quantize');
    return;
  }
  const kind = options.student ?? 'bow';
  if (kind !== 'bow')
    throw new UsageError(`--quantize makes compact bow students; a ${kind} student keeps its float embeddings`);
  const problem =
    (cutoff === undefined ? null : numberFlagProblem('cutoff', cutoff, { integer: true, min: 0 })) ??
    (dsub === undefined ? null : numberFlagProblem('dsub', dsub, COUNT_RANGE));
  if (problem) throw new UsageError(problem);
}

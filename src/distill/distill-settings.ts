// distill()'s settings: defaults and the checks of its flags, before any file is read.
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { StudentKind } from '../student/native-api.js';
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

export function resolveDistillSettings(options: DistillOptions): DistillSettings {
  const augmentTimes = options.augmentTimes ?? 10;
  const unlabeledRatio = options.unlabeledRatio ?? 1;
  const sources = [options.teacher?.length ? 'teacher' : null, options.teacherUrl?.length ? 'teacher-url' : null, options.trainTeacher ? 'train-teacher' : null].filter(Boolean);
  if (options.pretrained && sources.length > 0) throw new UsageError('--pretrained fine-tunes the teacher: give no --teacher, --teacher-url or --train-teacher with it');
  if (!options.pretrained && sources.length !== 1) throw new UsageError('give exactly one of --teacher, --teacher-url and --train-teacher');
  if (!Number.isInteger(augmentTimes) || augmentTimes < 0) throw new UsageError(`--augment-times must be a whole number (got ${options.augmentTimes})`);
  if (!(unlabeledRatio > 0 && unlabeledRatio <= 1)) throw new UsageError(`--unlabeled-ratio must be within (0, 1] (got ${options.unlabeledRatio})`);
  if (options.quantizeTeacher && !options.teacher?.length && !options.trainTeacher && !options.pretrained) throw new UsageError('--quantize-teacher needs ONNX teacher files (--teacher or --train-teacher; a teacher service runs the model it was given)');
  if (augmentTimes === 0 && !options.unlabeled) throw new UsageError('nothing for the teacher to label: give --unlabeled or --augment-times above 0');
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

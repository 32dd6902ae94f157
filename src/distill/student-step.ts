// distill()'s step 3: the student on the training set interleaved with the teacher's labels, a baseline
// without them, and the student exported to ONNX.
import path from 'node:path';
import { train, type TrainResult } from '../student/train.js';
import { exportOnnx } from '../student/onnx-export.js';
import { readModelFile } from '../student/model-file.js';
import { Student } from '../student/student.js';
import type { QuantizeStudentResult } from '../student/quantize-student.js';
import type { DistillOptions } from './distill-options.js';
import type { DistillSettings } from './distill-settings.js';
import type { TeacherLabels } from './label-step.js';
import { epochFigures, type EpochFigures } from './report-figures.js';

export interface TrainedStudents {
  baseline: TrainResult | null;
  student: TrainResult;
  /** The student written to student.bin: the distilled one, or its compact form with --quantize. */
  shipped: Student;
  /** --quantize: what quantizing did (null without it). */
  compact: QuantizeStudentResult | null;
  files: { student: string; onnx: string };
  /** Dev figures after each epoch, for the report's pictures. */
  devByEpoch: { baseline: EpochFigures[]; student: EpochFigures[] };
}

type Time = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/** Trains the baseline (timed as `baseline`, unless --no-baseline) and the distilled student (as `train`). */
export async function trainStudents(
  options: DistillOptions,
  settings: DistillSettings,
  labels: TeacherLabels,
  time: Time,
  say: (l: string) => void,
): Promise<TrainedStudents> {
  const { kind, threads, seed } = settings;
  const common = {
    train: options.train,
    dev: options.dev,
    model: kind,
    ngrams: options.ngrams,
    segmenter: options.segmenter,
    epochs: options.epochs,
    lr: options.lr,
    threads,
    seed,
    device: settings.studentDevice,
  };
  let baseline: TrainResult | null = null;
  const devByEpoch: TrainedStudents['devByEpoch'] = { baseline: [], student: [] };
  if (options.baseline !== false) {
    say(`step 3: baseline ${kind} student (no distillation)`);
    baseline = await time('baseline', () =>
      train({
        ...common,
        onEpoch: (e) => {
          devByEpoch.baseline.push(epochFigures(e));
          options.onProgress?.('step 3: baseline', e.epoch, e.epochs, 'epochs');
        },
      }),
    );
  }
  say(`step 3: ${kind} student with ${labels.teacherLabeled} teacher-labeled lines`);
  const studentFile = path.join(settings.out, 'student.bin');
  const student = await time('train', () =>
    train({
      ...common,
      distill: labels.distillFiles,
      online: labels.online,
      temperature: options.temperature,
      alpha: options.alpha,
      // With --quantize only the compact student is written.
      out: options.quantize ? undefined : studentFile,
      onEpoch: (e) => {
        devByEpoch.student.push(epochFigures(e));
        options.onProgress?.('step 3: student', e.epoch, e.epochs, 'epochs');
      },
    }),
  );
  let compact: QuantizeStudentResult | null = null;
  let shipped = student.student;
  if (options.quantize) {
    say(`step 3: the compact student${options.retrain ? ', its kept rows retrained on the same data' : ''}`);
    const { writeCompactStudent } = await import('../student/quantize-student.js');
    compact = await time('quantize', () =>
      writeCompactStudent(student.student.toData(), {
        out: studentFile,
        dev: options.dev,
        threads,
        cutoff: options.cutoff,
        dsub: options.dsub,
        qnorm: options.qnorm,
        qout: options.qout,
        ...(options.retrain ? { retrain: { train: options.train, distill: labels.distillFiles } } : {}),
      }),
    );
    shipped = Student.fromData(readModelFile(studentFile));
  }
  const onnxFile = path.join(settings.out, 'student.onnx');
  await exportOnnx(shipped.toData(), onnxFile);
  return { baseline, student, shipped, compact, files: { student: studentFile, onnx: onnxFile }, devByEpoch };
}

// `distill`: ERNIE Slim's three steps in one job. Everything is checked before any long step; teacher labels
// are cached in the output folder, so a rerun with the same inputs skips the labeling already done.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../errors.js';
import { LabelMap } from '../data/label-map.js';
import { countTexts, readLabeledTsv, type LabeledRow } from '../data/tsv-reader.js';
import { ensureWritableFolder, refuseOutputOverInput } from '../data/output-guard.js';
import { writeFileAtomic } from '../data/atomic-file.js';
import type { LogitScores } from '../student/score-logits.js';
import { Teacher } from '../teacher/teacher.js';
import type { CompactFigures, DistillMetrics, DistillOptions, DistillResult } from './distill-options.js';
import type { QuantizeStudentResult } from '../student/quantize-student.js';
import { resolveDistillSettings, type DistillSettings } from './distill-settings.js';
import {
  checkTeacherLabels,
  finetuneTeacher,
  scoreTeacher,
  teacherIdentity,
  teacherOptionsOf,
  teacherTexts,
  trainTeacher,
  type FinetunedTeacher,
} from './teacher-step.js';
import { labelTexts, textsToLabel, type TeacherLabels } from './label-step.js';
import { trainStudents, type TrainedStudents } from './student-step.js';
import { measureSpeedup, type SpeedupMeasurement } from './speedup.js';
import { measureErnieBaseSpeed, type ErnieBaseSpeed } from './ernie-base-speed.js';
import { writeReport } from './report.js';
import { int8Teachers, type Int8TeacherSummary } from './int8-teacher.js';

export type { DistillMetrics, DistillOptions, DistillResult } from './distill-options.js';

/** The checked inputs: training and dev rows, the training labels, and the unlabeled line count. */
interface DistillInputs {
  trainRows: LabeledRow[];
  devRows: LabeledRow[];
  labels: LabelMap;
  unlabeledRows: number;
}

export async function distill(options: DistillOptions): Promise<DistillResult> {
  const started = performance.now();
  const timings: Record<string, number> = {};
  const say = options.onStep ?? (() => {});
  const time = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      timings[`${name}_seconds`] = (performance.now() - t) / 1000;
    }
  };
  const settings = resolveDistillSettings(options);

  // Check everything before any long step.
  const inputs = await time('check', () => readInputs(options, settings));
  const { trainRows, devRows, labels, unlabeledRows } = inputs;
  say(
    `checked: ${trainRows.length} training rows, ${devRows.length} dev rows, labels ${labels.labels.join(', ')}${options.unlabeled ? `, ${unlabeledRows} unlabeled lines` : ''}`,
  );

  // Step 1: the teacher.
  const teacherOptions = teacherOptionsOf(options, settings);
  let sources: string[];
  let trainedTeacher: string | null = null;
  let finetuned: FinetunedTeacher | null = null;
  if (options.pretrained) {
    finetuned = await time('teacher', () => finetuneTeacher(options, settings, say));
    sources = [finetuned.file];
  } else if (options.trainTeacher) {
    trainedTeacher = await time('teacher', () => trainTeacher(options, settings, say));
    sources = [trainedTeacher];
  } else {
    sources = options.teacher?.length ? options.teacher : [options.teacherUrl!.join(',')];
  }
  let int8: Int8TeacherSummary | null = null;
  if (options.quantizeTeacher) {
    int8 = await time('quantize_teacher', () => int8Teachers(sources, settings.cacheDir, say));
    sources = int8.files;
  }
  const teacher = await time('teacher_open', () => Teacher.open(sources, teacherOptions));
  try {
    const labelNames = checkTeacherLabels(teacher, labels, sources);
    say(`teacher: ${sources.join(', ')} on ${teacher.device}`);

    // Step 2: augmented copies and unlabeled text, labeled by the teacher (soft logits), cached.
    // The int8 teacher's labels are cached apart from the fp32 teacher's.
    const identity = [...(await teacherIdentity(sources, options.vocab)), ...(int8 ? ['int8'] : [])];
    const toLabel = await textsToLabel(
      options,
      settings,
      { train: trainRows.length, unlabeled: unlabeledRows },
      time,
      say,
    );
    const teacherLabels = await labelTexts(
      toLabel,
      { teacher, sources, labelNames, identity, options: teacherOptions },
      options,
      settings,
      time,
      say,
    );

    // Step 3: the students.
    const students = await trainStudents(options, settings, teacherLabels, time, say);

    // The teacher on the dev set, and the speed-up on this machine.
    const teacherScores = await time('teacher_eval', () =>
      scoreTeacher(teacher, labelNames, devRows, labels, settings.teacherBatchSize),
    );
    const speedTexts = teacherTexts(devRows).slice(0, 256);
    const speed = await time('speed', () => measureSpeedup(teacher, students.shipped, speedTexts));
    let ernieBase: ErnieBaseSpeed | null = null;
    if (options.ernieBaseSpeedup !== false) {
      say('timing an ERNIE-base-size teacher (12 layers, 768 hidden, random weights) for the speed-up against it');
      // An extra figure: a failure to measure it costs the run nothing but that figure.
      ernieBase = await time('speed_ernie_base', () => measureErnieBaseSpeed(speedTexts, teacherOptions)).catch(
        (err: Error) => {
          say(
            `could not time the ERNIE-base-size teacher (${err.message.split('\n')[0]}); the report leaves that speed-up out`,
          );
          return null;
        },
      );
    }
    timings.total_seconds = (performance.now() - started) / 1000;

    const metrics = distillMetrics({
      options,
      settings,
      inputs,
      teacher: {
        sources: int8?.sources ?? sources,
        device: teacher.device,
        trained: trainedTeacher !== null,
        finetuned,
        int8,
      },
      teacherScores,
      teacherLabels,
      students,
      speed,
      ernieBase,
      timings,
    });
    const metricsFile = path.join(settings.out, 'metrics.json');
    await writeFileAtomic(metricsFile, JSON.stringify(metrics, null, 2) + '\n');
    const written = await writeReport(settings.out, metrics, { train: options.train, dev: options.dev });
    const files = {
      ...students.files,
      metrics: metricsFile,
      report: written.report,
      figures: written.figures,
      labels: teacherLabels.distillFiles,
    };
    return { out: settings.out, files, metrics };
  } finally {
    await teacher.close();
  }
}

/** The check step: the output folder writable, every input read once, the dev labels among the training labels. */
async function readInputs(options: DistillOptions, settings: DistillSettings): Promise<DistillInputs> {
  ensureWritableFolder(settings.out);
  const inputFiles = {
    '--train': options.train,
    '--dev': options.dev,
    '--unlabeled': options.unlabeled,
    '--teacher': options.teacher,
    '--teacher-train': options.teacherTrain,
    '--vocab': options.vocab,
    '--pretrained': options.pretrained,
  };
  for (const name of ['student.bin', 'student.onnx', 'metrics.json', 'report.md']) {
    refuseOutputOverInput({ flag: '--out', file: path.join(settings.out, name) }, inputFiles);
  }
  fs.mkdirSync(settings.cacheDir, { recursive: true });
  const trainRows = await readAll(options.train);
  if (trainRows.length === 0) throw new InputError('the training set is empty', options.train);
  const labels = LabelMap.fromLabels(trainRows.map((r) => r.label));
  const devRows = await readAll(options.dev, labels);
  if (devRows.length === 0) throw new InputError('the dev set is empty', options.dev);
  if (options.teacherTrain) await readAll(options.teacherTrain);
  let unlabeledRows = 0;
  if (options.unlabeled) unlabeledRows = await countTexts(options.unlabeled, '--unlabeled');
  return { trainRows, devRows, labels, unlabeledRows };
}

async function readAll(file: string, knownLabels?: LabelMap): Promise<LabeledRow[]> {
  const rows: LabeledRow[] = [];
  for await (const row of readLabeledTsv(file, knownLabels ? { knownLabels } : {})) rows.push(row);
  return rows;
}

/** metrics.json: every model scored on dev by scoreLogits (the students during training, the teacher here). */
function distillMetrics(run: {
  options: DistillOptions;
  settings: DistillSettings;
  inputs: DistillInputs;
  teacher: {
    sources: string[];
    device: string;
    trained: boolean;
    finetuned: FinetunedTeacher | null;
    int8: Int8TeacherSummary | null;
  };
  teacherScores: LogitScores;
  teacherLabels: TeacherLabels;
  students: TrainedStudents;
  speed: SpeedupMeasurement;
  ernieBase: ErnieBaseSpeed | null;
  timings: Record<string, number>;
}): DistillMetrics {
  const { options, inputs, teacherScores, teacherLabels, speed } = run;
  const { baseline, student } = run.students;
  return {
    teacher_accuracy: teacherScores.accuracy,
    teacher_macro_f1: teacherScores.macroF1,
    baseline_accuracy: baseline?.devAccuracy ?? null,
    baseline_macro_f1: baseline?.devMacroF1 ?? null,
    student_accuracy: student.devAccuracy!,
    student_macro_f1: student.devMacroF1!,
    teacher_pos_neg_ratio: teacherScores.posNeg?.ratio ?? null,
    baseline_pos_neg_ratio: baseline?.devPosNegRatio ?? null,
    student_pos_neg_ratio: student.devPosNegRatio,
    speedup: speed.speedup,
    speed: { ...speed, cores: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown' },
    speedup_vs_ernie_base: run.ernieBase
      ? run.ernieBase.teacherMicrosecondsPerSentence / speed.studentMicrosecondsPerSentence
      : null,
    ernie_base_speed: run.ernieBase,
    dev_by_epoch: run.students.devByEpoch,
    teacher: {
      source: run.teacher.sources.join(', '),
      device: run.teacher.device,
      trained: run.teacher.trained ? options.trainTeacher! : null,
      finetuned: run.teacher.finetuned && {
        pretrained: options.pretrained!,
        dev_accuracy: run.teacher.finetuned.devAccuracy,
      },
      online: options.online === true,
      int8: run.teacher.int8 && {
        weights: run.teacher.int8.weights,
        per_channel: run.teacher.int8.perChannel,
        reduce_range: run.teacher.int8.reduceRange,
      },
    },
    student: {
      kind: run.settings.kind,
      pair: student.pair,
      ngrams: options.ngrams ?? 1,
      segmenter: options.segmenter ?? 'jieba',
      vocab_size: student.vocabSize,
      best_epoch: student.bestEpoch,
      tokens_per_second: student.tokensPerSecond,
      device: student.device,
    },
    data: {
      train_rows: inputs.trainRows.length,
      dev_rows: inputs.devRows.length,
      augmented_rows: teacherLabels.toLabel.find((t) => t.name === 'augmented')?.rows ?? 0,
      unlabeled_rows: teacherLabels.toLabel.find((t) => t.name === 'unlabeled')?.rows ?? 0,
      teacher_labeled_rows: teacherLabels.teacherLabeled,
      labels: [...inputs.labels.labels],
    },
    cache: { labels_reused: teacherLabels.reused, labels_made: teacherLabels.made },
    compact: compactFigures(run.students.compact),
    timings: run.timings,
  };
}

function compactFigures(r: QuantizeStudentResult | null): CompactFigures | null {
  if (!r) return null;
  return {
    float_bytes: r.inputBytes,
    compact_bytes: r.outputBytes,
    float_accuracy: r.inputAccuracy,
    compact_accuracy: r.outputAccuracy,
    kept_rows: r.keptRows,
    embedding_rows: r.embeddingRows,
    cutoff: r.options.cutoff,
    dsub: r.options.dsub,
    qnorm: r.options.qnorm,
    qout: r.options.qout,
    retrain_epochs: r.retrain?.epochs ?? null,
  };
}

// distill()'s step 1, and the teacher's dev scores for the report: the teacher trained (cached) or opened,
// its labels checked against the training labels.
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { LabelMap } from '../data/label-map.js';
import type { LabeledRow } from '../data/tsv-reader.js';
import { train } from '../student/train.js';
import { finetune } from '../transformer/finetune.js';
import { exportOnnx } from '../student/onnx-export.js';
import { alignLogits, scoreLogits, type LogitScores } from '../student/score-logits.js';
import { Teacher, type TeacherOptions, type TeacherText } from '../teacher/teacher.js';
import type { DistillOptions } from './distill-options.js';
import type { DistillSettings } from './distill-settings.js';
import { cacheKey, fileDigest } from './file-digest.js';

/** How the teacher is opened, for scoring here and for `label` in step 2. */
export function teacherOptionsOf(
  options: DistillOptions,
  settings: DistillSettings,
): TeacherOptions & { maxLength: number } {
  return {
    vocab: options.vocab,
    lowercase: options.lowercase,
    maxLength: options.maxLength ?? 128,
    device: options.device,
    threads: settings.threads,
    concurrency: options.concurrency,
    serverBatchSize: options.serverBatchSize,
    timeoutMs: options.teacherTimeoutMs,
    labelNames: options.teacherLabels,
  };
}

/** With --train-teacher: a native model trained on the teacher's data, exported to ONNX, cached, published in `out`. */
export async function trainTeacher(
  options: DistillOptions,
  settings: DistillSettings,
  say: (l: string) => void,
): Promise<string> {
  const { seed, threads, cacheDir } = settings;
  const data = options.teacherTrain ?? options.train;
  const key = cacheKey([
    await fileDigest(data),
    await fileDigest(options.dev),
    options.trainTeacher,
    options.teacherEpochs ?? null,
    options.segmenter ?? 'jieba',
    seed,
  ]);
  const file = path.join(cacheDir, `teacher-${options.trainTeacher}-${key}.onnx`);
  if (fs.existsSync(file)) {
    say(`step 1: teacher reused from ${path.relative(process.cwd(), file)}`);
  } else {
    say(`step 1: training a ${options.trainTeacher} teacher on ${data}`);
    const result = await train({
      train: data,
      dev: options.dev,
      model: options.trainTeacher,
      segmenter: options.segmenter,
      epochs: options.teacherEpochs,
      threads,
      seed,
      onEpoch: (e) => options.onProgress?.('step 1: teacher', e.epoch, e.epochs, 'epochs'),
    });
    await exportOnnx(result.student.toData(), file);
    say(`step 1: teacher dev accuracy ${((result.devAccuracy ?? 0) * 100).toFixed(2)}%`);
  }
  const published = path.join(settings.out, 'teacher.onnx');
  fs.copyFileSync(file, published);
  return published;
}

export interface FinetunedTeacher {
  /** OUTDIR/teacher.onnx, published in `out`. */
  file: string;
  /** The fine-tuning's best dev accuracy (null when it was reused without one). */
  devAccuracy: number | null;
}

/**
 * With --pretrained: the checkpoint fine-tuned natively on the teacher's data (`finetune`), kept in the cache
 * (the checkpoint folder and teacher.onnx) so a rerun reuses it, its teacher.onnx published in `out`.
 */
export async function finetuneTeacher(
  options: DistillOptions,
  settings: DistillSettings,
  say: (l: string) => void,
): Promise<FinetunedTeacher> {
  const { seed, threads, cacheDir } = settings;
  const pretrained = options.pretrained!;
  const data = options.teacherTrain ?? options.train;
  const checkpointParts = await Promise.all(
    ['config.json', 'model.safetensors', 'vocab.txt'].map((f) => fileDigest(path.join(pretrained, f)).catch(() => f)),
  );
  const key = cacheKey([
    ...checkpointParts,
    await fileDigest(data),
    await fileDigest(options.dev),
    options.teacherEpochs ?? null,
    options.teacherLr ?? null,
    options.maxLength ?? null,
    seed,
  ]);
  const folder = path.join(cacheDir, `teacher-finetuned-${key}`);
  const summary = path.join(folder, 'finetune.json');
  let devAccuracy: number | null;
  if (fs.existsSync(summary)) {
    devAccuracy = (JSON.parse(fs.readFileSync(summary, 'utf8')) as { dev_accuracy: number | null }).dev_accuracy;
    say(`step 1: fine-tuned teacher reused from ${path.relative(process.cwd(), folder)}`);
  } else {
    say(`step 1: fine-tuning ${pretrained} on ${data}`);
    const result = await finetune({
      pretrained,
      train: data,
      dev: options.dev,
      out: folder,
      epochs: options.teacherEpochs,
      lr: options.teacherLr,
      maxLen: options.maxLength,
      threads,
      seed,
      onProgress: (done, total) => options.onProgress?.('step 1: teacher', done, total, 'lines'),
    });
    devAccuracy = result.devAccuracy ?? null;
    // Written last: its presence says the folder is whole.
    fs.writeFileSync(
      summary,
      JSON.stringify({ pretrained, dev_accuracy: devAccuracy, best_epoch: result.bestEpoch }) + '\n',
    );
    say(
      `step 1: fine-tuned teacher dev accuracy ${((devAccuracy ?? 0) * 100).toFixed(2)}% (epoch ${result.bestEpoch})`,
    );
  }
  const published = path.join(settings.out, 'teacher.onnx');
  fs.copyFileSync(path.join(folder, 'teacher.onnx'), published);
  return { file: published, devAccuracy };
}

/** The teacher's label names, which must be the training labels (in any order). */
export function checkTeacherLabels(
  teacher: Pick<Teacher, 'labels' | 'labelNames'>,
  labels: LabelMap,
  sources: readonly string[],
): string[] {
  const names = teacher.labelNames ?? [...labels.labels];
  if (teacher.labels !== labels.size || !labels.labels.every((l) => names.includes(l))) {
    throw new InputError(
      `the teacher has ${teacher.labels} labels (${names.join(', ')}); the training set has ${labels.labels.join(', ')}`,
      sources.join(', '),
    );
  }
  return names;
}

/** What the teacher's labels depend on: model bytes (or service URLs) and the vocabulary. */
export async function teacherIdentity(sources: readonly string[], vocab: string | undefined): Promise<string[]> {
  const parts: string[] = [];
  for (const s of sources) parts.push(/^https?:\/\//.test(s) ? s : await fileDigest(s));
  if (vocab) parts.push(await fileDigest(vocab));
  return parts;
}

/** The dev rows as the teacher reads them: a text, or a pair. */
export function teacherTexts(rows: readonly LabeledRow[]): TeacherText[] {
  return rows.map((r) => (r.textB !== undefined ? [r.textA, r.textB] : r.textA));
}

/** The teacher's dev scores, its logits put in the training labels' order and scored as train and eval score. */
export async function scoreTeacher(
  teacher: Pick<Teacher, 'score'>,
  labelNames: readonly string[],
  devRows: readonly LabeledRow[],
  labels: LabelMap,
  batchSize: number,
): Promise<LogitScores> {
  const logits = await teacher.score(teacherTexts(devRows), { batchSize });
  const gold = Int32Array.from(devRows, (r) => labels.idOf(r.label));
  const pairs = devRows[0]!.textB !== undefined;
  return scoreLogits(alignLogits(logits, labelNames, labels.labels), labels.size, gold, {
    queries: pairs ? devRows.map((r) => r.textA) : null,
  });
}

// `distill`: ERNIE Slim's three steps in one job. Everything is checked before any long step; teacher labels
// are cached in the output folder, so a rerun with the same inputs skips the labeling already done.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { LabelMap } from '../data/label-map.js';
import { readLabeledTsv, readTexts, type LabeledRow, type TextRow } from '../data/tsv-reader.js';
import { writeFileAtomic } from '../data/atomic-file.js';
import { augment } from '../augment/index.js';
import { train, type TrainResult } from '../student/train.js';
import type { OnlineTeacher } from '../student/online-epoch.js';
import { exportOnnx } from '../student/onnx-export.js';
import { classificationMetrics, argmax, posNegRatio, softmax } from '../student/metrics.js';
import type { StudentKind } from '../student/native-api.js';
import { Teacher, type TeacherText } from '../teacher/teacher.js';
import { label } from '../teacher/label.js';
import type { TeacherDevice } from '../teacher/onnx-teacher.js';
import { SeededRandom } from '../util/random.js';
import { cacheKey, fileDigest } from './file-digest.js';
import { measureSpeedup, type SpeedupMeasurement } from './speedup.js';
import { renderReport } from './report.js';
import { int8Teachers, type Int8TeacherSummary } from './int8-teacher.js';

export interface DistillOptions {
  /** ONNX teachers (their logits averaged). */
  teacher?: string[];
  /** KServe v2 teacher services (`http://host:port/v2/models/NAME`), load spread over them. */
  teacherUrl?: string[];
  /** With no ERNIE at hand: train this stronger native model as the teacher and export it to ONNX. */
  trainTeacher?: 'lstm' | 'cnn';
  /** Quantize the ONNX teacher(s) to int8 before labeling (as `quantize --teacher`; faster on CPUs). */
  quantizeTeacher?: boolean;
  /** The teacher's training data (default: --train). */
  teacherTrain?: string;
  vocab?: string;
  lowercase?: boolean;
  train: string;
  dev: string;
  /** Same-source unlabeled text: one a line, or a TSV with text_a (and text_b). */
  unlabeled?: string;
  /** Fraction of the unlabeled lines to use, drawn at random with --seed (default 1: all). */
  unlabeledRatio?: number;
  /** Augmented lines per training line (default 10, as ERNIE Slim; 0 turns augmentation off). */
  augmentTimes?: number;
  student?: StudentKind;
  ngrams?: 1 | 2;
  /** How the students (and a trained teacher) cut text into words: jieba (default) or each Chinese character. */
  segmenter?: 'jieba' | 'char';
  epochs?: number;
  teacherEpochs?: number;
  lr?: number;
  temperature?: number;
  alpha?: number;
  /** Train a baseline student without distillation too (default true). */
  baseline?: boolean;
  online?: boolean;
  concurrency?: number;
  serverBatchSize?: number;
  teacherTimeoutMs?: number;
  maxLength?: number;
  batchSize?: number;
  device?: TeacherDevice;
  threads?: number;
  seed?: number;
  out: string;
  /** One line per step, for the user. */
  onStep?: (line: string) => void;
}

export interface DistillMetrics {
  teacher_accuracy: number;
  teacher_macro_f1: number;
  baseline_accuracy: number | null;
  baseline_macro_f1: number | null;
  student_accuracy: number;
  student_macro_f1: number;
  /** Text pairs with two labels: each model's positive/negative order ratio on dev (null when not pairs). */
  teacher_pos_neg_ratio: number | null;
  baseline_pos_neg_ratio: number | null;
  student_pos_neg_ratio: number | null;
  speedup: number;
  speed: SpeedupMeasurement & { cores: number; cpu: string };
  teacher: { source: string; device: string; trained: string | null; online: boolean; int8: { weights: number; per_channel: boolean; reduce_range: boolean } | null };
  student: { kind: StudentKind; pair: boolean; ngrams: 1 | 2; segmenter: 'jieba' | 'char'; vocab_size: number; best_epoch: number; tokens_per_second: number; device: 'cpu' | 'cuda' };
  data: { train_rows: number; dev_rows: number; augmented_rows: number; unlabeled_rows: number; teacher_labeled_rows: number; labels: string[] };
  cache: { labels_reused: number; labels_made: number };
  timings: Record<string, number>;
}

export interface DistillResult {
  out: string;
  /** `labels`: the teacher-labeled TSVs the student trained on (in the cache; none when online). */
  files: { student: string; onnx: string; metrics: string; report: string; labels: string[] };
  metrics: DistillMetrics;
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
  const seed = options.seed ?? 1;
  const threads = options.threads ?? os.availableParallelism();
  const kind = options.student ?? 'bow';
  const augmentTimes = options.augmentTimes ?? 10;
  const unlabeledRatio = options.unlabeledRatio ?? 1;
  const sources = [options.teacher?.length ? 'teacher' : null, options.teacherUrl?.length ? 'teacher-url' : null, options.trainTeacher ? 'train-teacher' : null].filter(Boolean);
  if (sources.length !== 1) throw new UsageError('give exactly one of --teacher, --teacher-url and --train-teacher');
  if (!Number.isInteger(augmentTimes) || augmentTimes < 0) throw new UsageError(`--augment-times must be a whole number (got ${options.augmentTimes})`);
  if (!(unlabeledRatio > 0 && unlabeledRatio <= 1)) throw new UsageError(`--unlabeled-ratio must be within (0, 1] (got ${options.unlabeledRatio})`);
  if (augmentTimes === 0 && !options.unlabeled) throw new UsageError('nothing for the teacher to label: give --unlabeled or --augment-times above 0');

  // Check everything before any long step.
  const out = path.resolve(options.out);
  const cacheDir = path.join(out, 'cache');
  const { trainRows, devRows, labels, unlabeledRows } = await time('check', async () => {
    checkWritable(out);
    fs.mkdirSync(cacheDir, { recursive: true });
    const trainRows = await readAll(options.train);
    if (trainRows.length === 0) throw new InputError('the training set is empty', options.train);
    const labels = LabelMap.fromLabels(trainRows.map((r) => r.label));
    const devRows = await readAll(options.dev, labels);
    if (devRows.length === 0) throw new InputError('the dev set is empty', options.dev);
    if (options.teacherTrain) await readAll(options.teacherTrain);
    let unlabeledRows = 0;
    if (options.unlabeled) for await (const _ of readTexts(options.unlabeled)) unlabeledRows++;
    return { trainRows, devRows, labels, unlabeledRows };
  });
  say(`checked: ${trainRows.length} training rows, ${devRows.length} dev rows, labels ${labels.labels.join(', ')}${options.unlabeled ? `, ${unlabeledRows} unlabeled lines` : ''}`);

  // Step 1: the teacher.
  const teacherOptions = {
    vocab: options.vocab,
    lowercase: options.lowercase,
    maxLength: options.maxLength ?? 128,
    device: options.device,
    threads,
    concurrency: options.concurrency,
    serverBatchSize: options.serverBatchSize,
    timeoutMs: options.teacherTimeoutMs,
  };
  let teacherSources: string[];
  let trainedTeacher: string | null = null;
  if (options.trainTeacher) {
    trainedTeacher = await time('teacher', () => trainTeacher(options, out, cacheDir, seed, threads, say));
    teacherSources = [trainedTeacher];
  } else {
    teacherSources = options.teacher?.length ? options.teacher : [options.teacherUrl!.join(',')];
  }
  let int8: Int8TeacherSummary | null = null;
  if (options.quantizeTeacher) {
    int8 = await time('quantize_teacher', () => int8Teachers(teacherSources, cacheDir, say));
    teacherSources = int8.files;
  }
  const teacher = await time('teacher_open', () => Teacher.open(teacherSources, teacherOptions));
  try {
    const teacherLabelNames = teacher.labelNames ?? labels.labels;
    if (teacher.labels !== labels.size || !labels.labels.every((l) => teacherLabelNames.includes(l))) {
      throw new InputError(`the teacher has ${teacher.labels} labels (${teacherLabelNames.join(', ')}); the training set has ${labels.labels.join(', ')}`, teacherSources.join(', '));
    }
    say(`teacher: ${teacherSources.join(', ')} on ${teacher.device}`);

    // Step 2: augmented copies and unlabeled text, labeled by the teacher (soft logits), cached.
    const teacherKey = await teacherIdentity(teacherSources, options.vocab);
    const toLabel: { name: string; file: string; rows: number }[] = [];
    if (augmentTimes > 0) {
      const augmented = await time('augment', () => augmentOnce(options.train, cacheDir, augmentTimes, seed, say));
      toLabel.push({ name: 'augmented', ...augmented });
    }
    if (options.unlabeled) {
      const sampled = await sampleUnlabeled(options.unlabeled, cacheDir, unlabeledRatio, seed, unlabeledRows);
      toLabel.push({ name: 'unlabeled', ...sampled });
    }
    const distillFiles: string[] = [];
    let reused = 0;
    let made = 0;
    let teacherLabeled = 0;
    let online: OnlineTeacher | undefined;
    if (options.online) {
      // Online: no labels are stored; the teacher scores each segment of batches when training reaches it.
      const rows: TextRow[] = [];
      for (const item of toLabel) for await (const row of readTexts(item.file)) rows.push(row);
      teacherLabeled = rows.length;
      online = { rows, label: (batch) => scoreFlat(teacher, batch, options.batchSize ?? 64) };
      say(`step 2: online — the teacher labels ${rows.length} lines on demand while the student trains`);
    } else {
      await time('label', async () => {
        for (const item of toLabel) {
          const key = cacheKey([teacherKey, await fileDigest(item.file), teacherOptions.maxLength, teacherLabelNames, ...(int8 ? ['int8'] : [])]);
          const output = path.join(cacheDir, `labels-${item.name}-${key}.tsv`);
          if (fs.existsSync(output)) {
            reused++;
            say(`step 2: teacher labels for ${item.rows} ${item.name} lines reused from ${path.relative(process.cwd(), output)}`);
          } else {
            say(`step 2: the teacher labels ${item.rows} ${item.name} lines`);
            await label({ ...teacherOptions, teacher: teacherSources, input: item.file, output, soft: true, resume: true, batchSize: options.batchSize ?? 64, labelNames: teacherLabelNames });
            made++;
          }
          teacherLabeled += item.rows;
          distillFiles.push(output);
        }
      });
    }

    // Step 3: the student on the training set interleaved with the teacher's labels, and a baseline without.
    // --device cuda|auto puts the teacher on the GPU, and the student too where the addon can train it there.
    const studentDevice = (options.device ?? 'cpu') === 'cpu' ? ('cpu' as const) : ('auto' as const);
    const common = { train: options.train, dev: options.dev, model: kind, ngrams: options.ngrams, segmenter: options.segmenter, epochs: options.epochs, lr: options.lr, threads, seed, device: studentDevice };
    let baseline: TrainResult | null = null;
    if (options.baseline !== false) {
      say(`step 3: baseline ${kind} student (no distillation)`);
      baseline = await time('baseline', () => train(common));
    }
    say(`step 3: ${kind} student with ${teacherLabeled} teacher-labeled lines`);
    const studentFile = path.join(out, 'student.bin');
    const student = await time('train', () =>
      train({ ...common, distill: distillFiles, online, temperature: options.temperature, alpha: options.alpha, out: studentFile }),
    );
    const onnxFile = path.join(out, 'student.onnx');
    await exportOnnx(student.student.toData(), onnxFile);

    // The teacher on the dev set, and the speed-up on this machine.
    const devTexts: TeacherText[] = devRows.map((r) => (r.textB !== undefined ? [r.textA, r.textB] : r.textA));
    const pairData = devRows[0]!.textB !== undefined && labels.size === 2;
    const teacherEval = await time('teacher_eval', async () => {
      const logits = await teacher.score(devTexts, { batchSize: options.batchSize ?? 64 });
      const gold = Int32Array.from(devRows, (r) => labels.idOf(r.label));
      const predicted = Int32Array.from(logits, (l) => labels.idOf(teacherLabelNames[argmax(l)]!));
      const metrics = classificationMetrics(gold, predicted, labels.size);
      if (!pairData) return { ...metrics, posNegRatio: null };
      // The matching label is the second of the two (`1` for 0/1 labels), as `eval` takes it.
      const positive = teacherLabelNames.indexOf(labels.labels[1]!);
      const scores = logits.map((l) => softmax(l)[positive]!);
      return { ...metrics, posNegRatio: posNegRatio(devRows.map((r) => r.textA), Array.from(gold, (g) => g === 1), scores).ratio };
    });
    const speedTexts: TeacherText[] = devTexts.slice(0, 256);
    const speed = await time('speed', () => measureSpeedup(teacher, student.student, speedTexts));
    timings.total_seconds = (performance.now() - started) / 1000;

    const metrics: DistillMetrics = {
      teacher_accuracy: teacherEval.accuracy,
      teacher_macro_f1: teacherEval.macroF1,
      baseline_accuracy: baseline?.devAccuracy ?? null,
      baseline_macro_f1: baseline?.devMacroF1 ?? null,
      student_accuracy: student.devAccuracy!,
      student_macro_f1: student.devMacroF1!,
      teacher_pos_neg_ratio: teacherEval.posNegRatio,
      baseline_pos_neg_ratio: baseline?.devPosNegRatio ?? null,
      student_pos_neg_ratio: student.devPosNegRatio,
      speedup: speed.speedup,
      speed: { ...speed, cores: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown' },
      teacher: { source: (int8?.sources ?? teacherSources).join(', '), device: teacher.device, trained: trainedTeacher ? options.trainTeacher! : null, online: options.online === true, int8: int8 && { weights: int8.weights, per_channel: int8.perChannel, reduce_range: int8.reduceRange } },
      student: { kind, pair: student.pair, ngrams: options.ngrams ?? 1, segmenter: options.segmenter ?? 'jieba', vocab_size: student.vocabSize, best_epoch: student.bestEpoch, tokens_per_second: student.tokensPerSecond, device: student.device },
      data: {
        train_rows: trainRows.length,
        dev_rows: devRows.length,
        augmented_rows: toLabel.find((t) => t.name === 'augmented')?.rows ?? 0,
        unlabeled_rows: toLabel.find((t) => t.name === 'unlabeled')?.rows ?? 0,
        teacher_labeled_rows: teacherLabeled,
        labels: [...labels.labels],
      },
      cache: { labels_reused: reused, labels_made: made },
      timings,
    };
    const files = { student: studentFile, onnx: onnxFile, metrics: path.join(out, 'metrics.json'), report: path.join(out, 'report.md'), labels: distillFiles };
    await writeFileAtomic(files.metrics, JSON.stringify(metrics, null, 2) + '\n');
    await writeFileAtomic(files.report, renderReport(metrics, { train: options.train, dev: options.dev }));
    return { out, files, metrics };
  } finally {
    await teacher.close();
  }
}

async function readAll(file: string, knownLabels?: LabelMap): Promise<LabeledRow[]> {
  const rows: LabeledRow[] = [];
  for await (const row of readLabeledTsv(file, knownLabels ? { knownLabels } : {})) rows.push(row);
  return rows;
}

function checkWritable(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.write-check-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (err) {
    throw new InputError(`the output folder is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, dir);
  }
}

/** What the teacher's labels depend on: model bytes (or service URLs) and the vocabulary. */
async function teacherIdentity(sources: string[], vocab: string | undefined): Promise<string[]> {
  const parts: string[] = [];
  for (const s of sources) parts.push(/^https?:\/\//.test(s) ? s : await fileDigest(s));
  if (vocab) parts.push(await fileDigest(vocab));
  return parts;
}

async function trainTeacher(options: DistillOptions, out: string, cacheDir: string, seed: number, threads: number, say: (l: string) => void): Promise<string> {
  const data = options.teacherTrain ?? options.train;
  const key = cacheKey([await fileDigest(data), await fileDigest(options.dev), options.trainTeacher, options.teacherEpochs ?? null, options.segmenter ?? 'jieba', seed]);
  const file = path.join(cacheDir, `teacher-${options.trainTeacher}-${key}.onnx`);
  if (fs.existsSync(file)) {
    say(`step 1: teacher reused from ${path.relative(process.cwd(), file)}`);
  } else {
    say(`step 1: training a ${options.trainTeacher} teacher on ${data}`);
    const result = await train({ train: data, dev: options.dev, model: options.trainTeacher, segmenter: options.segmenter, epochs: options.teacherEpochs, threads, seed });
    await exportOnnx(result.student.toData(), file);
    say(`step 1: teacher dev accuracy ${((result.devAccuracy ?? 0) * 100).toFixed(2)}%`);
  }
  const published = path.join(out, 'teacher.onnx');
  fs.copyFileSync(file, published);
  return published;
}

async function augmentOnce(trainFile: string, cacheDir: string, times: number, seed: number, say: (l: string) => void): Promise<{ file: string; rows: number }> {
  const key = cacheKey([await fileDigest(trainFile), times, seed]);
  const file = path.join(cacheDir, `augmented-${key}.tsv`);
  const countFile = `${file}.rows`;
  if (fs.existsSync(file) && fs.existsSync(countFile)) return { file, rows: Number(fs.readFileSync(countFile, 'utf8')) };
  say(`step 2: augmenting the training set ${times}x`);
  const result = await augment({ input: trainFile, output: file, times, seed });
  fs.writeFileSync(countFile, String(result.newLines));
  return { file, rows: result.newLines };
}

/** The unlabeled file itself, or a seeded random share of its lines. */
async function sampleUnlabeled(file: string, cacheDir: string, ratio: number, seed: number, rows: number): Promise<{ file: string; rows: number }> {
  if (ratio >= 1) return { file, rows };
  const key = cacheKey([await fileDigest(file), ratio, seed]);
  const sampled = path.join(cacheDir, `unlabeled-${key}.tsv`);
  const random = new SeededRandom(seed);
  const lines: string[] = [];
  let hasPairs = false;
  for await (const row of readTexts(file)) {
    if (random.next() >= ratio) continue;
    hasPairs ||= row.textB !== undefined;
    lines.push(row.textB !== undefined ? `${row.textA}\t${row.textB}` : row.textA);
  }
  await writeFileAtomic(sampled, (hasPairs ? 'text_a\ttext_b\n' : 'text_a\n') + lines.join('\n') + '\n');
  return { file: sampled, rows: lines.length };
}

/** Teacher logits of rows, flattened (rows x labels), for online distillation. */
async function scoreFlat(teacher: Teacher, rows: readonly TextRow[], batchSize: number): Promise<Float32Array> {
  const logits = await teacher.score(rows.map((r) => (r.textB !== undefined ? ([r.textA, r.textB] as const) : r.textA)), { batchSize });
  const width = teacher.labels;
  const out = new Float32Array(rows.length * width);
  logits.forEach((row, i) => out.set(row, i * width));
  return out;
}

// `train`: step 3 of ERNIE Slim (or a plain supervised baseline): data -> vocabulary -> native epochs -> model.
import os from 'node:os';
import { InputError, UsageError } from '../errors.js';
import { BadLinePolicy } from '../data/bad-lines.js';
import { LabelMap } from '../data/label-map.js';
import { readLabeledTsv, type LabeledRow, type TextRow } from '../data/tsv-reader.js';
import type { EpochResult, NativeStudentModel, StudentConfig, StudentKind, TokenRows, TrainingSet } from './native-api.js';
import { createNativeModel } from './native-model.js';
import { writeModelFile, type ModelFileConfig, type StudentModelData, type Weights } from './model-file.js';
import { pairWordsMany, rowWordsMany, type SegmentationSettings } from './segmentation.js';
import { Vocabulary, WordCounter } from './vocabulary.js';
import { packStudentRows, type StudentRow } from './token-rows.js';
import { argmax, classificationMetrics, posNegRatio, softmax, type ClassificationMetrics } from './metrics.js';
import { SeededRandom } from '../util/random.js';
import { batchesPerEpoch, epochOrder } from './epoch-order.js';
import { Student } from './student.js';
import { trainOnlineEpoch, type OnlineTeacher } from './online-epoch.js';
import { resolveTrainingDevice, type TrainingDevice } from './training-device.js';

export interface TrainOptions {
  /** Labeled TSV (label, text_a[, text_b]). */
  train: string;
  /** Labeled TSV for choosing the best epoch. */
  dev?: string;
  /** Teacher-labeled TSVs (text_a[, text_b], label[, logits]). */
  distill?: string[];
  /** The encoder: bow, cnn or lstm (for text pairs, each tower's). */
  model?: StudentKind;
  /**
   * How text pairs (a training TSV with text_b) are read: `towers` (default) encodes text_a and text_b apart
   * with one shared encoder and compares them ([u, v, |u-v|, u*v]); `concat` appends text_b's words to text_a's.
   */
  pairs?: 'towers' | 'concat';
  /** Two-tower models: tanh units between the match features and the logits (0: none). */
  matchHidden?: number;
  /** Where to write the .bin model (atomically); omitted: nothing is written. */
  out?: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  embDim?: number;
  hidden?: number;
  /** 2 adds hashed word bigrams (bow only). */
  ngrams?: 1 | 2;
  /** Hash buckets for bigrams. */
  buckets?: number;
  temperature?: number;
  /** `constant` keeps T; `linear` anneals it from T at the first epoch to 1 at the last. */
  temperatureSchedule?: 'constant' | 'linear';
  alpha?: number;
  threads?: number;
  /** `cuda` trains a bow student on the GPU (addon built with CUDA); `auto` uses it when there is one. Default cpu. */
  device?: TrainingDevice;
  seed?: number;
  minCount?: number;
  maxVocab?: number;
  /** How text becomes words: `jieba` (default) or `char` (each Chinese character a word). */
  segmenter?: 'jieba' | 'char';
  /** The text is already space-separated words. */
  segmented?: boolean;
  /** Words past this many per row are dropped (0 = no limit). */
  maxWords?: number;
  skipBadLines?: boolean;
  weightDecay?: number;
  /** Warm-up as a fraction of all steps. */
  warmup?: number;
  clipNorm?: number;
  /** Each token of a training row is left out with this probability (word dropout, default 0). */
  wordDropout?: number;
  /** Each unit of the encoder's output is zeroed with this probability before the head (feature dropout). */
  featureDropout?: number;
  /** Hard labels become (1 - eps) on the label and eps / labels everywhere (label smoothing). */
  labelSmoothing?: number;
  /** Online distillation: rows the teacher labels on demand while the student trains (no --distill files needed). */
  online?: OnlineTeacher;
  /** Called after every epoch. */
  onEpoch?: (report: EpochReport) => void;
  /** Called for notes (skipped lines, divergence). */
  onNote?: (message: string) => void;
}

export interface EpochReport {
  epoch: number;
  epochs: number;
  loss: number;
  seconds: number;
  tokensPerSecond: number;
  devAccuracy?: number;
  devMacroF1?: number;
  /** Text pairs with two labels: the dev set's positive/negative order ratio. */
  devPosNegRatio?: number | null;
  best: boolean;
}

export interface TrainResult {
  student: Student;
  out: string | null;
  kind: StudentKind;
  epochs: number;
  bestEpoch: number;
  devAccuracy: number | null;
  devMacroF1: number | null;
  /** Text pairs with two labels: the best epoch's dev positive/negative order ratio. */
  devPosNegRatio: number | null;
  devN: number;
  /** The model reads text pairs with two towers. */
  pair: boolean;
  trainSeconds: number;
  tokensPerSecond: number;
  trainRows: number;
  distillRows: number;
  vocabSize: number;
  labels: string[];
  skippedLines: number;
  diverged: boolean;
  /** Where the epochs ran. */
  device: 'cpu' | 'cuda';
}

/**
 * Defaults per model kind (and bigrams), found on ChnSentiCorp dev with bench/student.js; two-tower pair models
 * (`pair`) change a few, found on LCQMC dev with bench/pairs.js.
 */
export function defaultHyperParameters(kind: StudentKind, ngrams: 1 | 2 = 1, pair = false) {
  const one = oneTextDefaults(kind, ngrams);
  if (!pair) return one;
  // 12,500 pairs overfit within a few epochs; words seen once still tell two texts apart (minCount 1).
  const epochs = kind === 'bow' ? 3 : kind === 'cnn' ? 10 : 4;
  // Label smoothing was measured on one-text cnn only; pair models keep plain hard labels.
  return { ...one, epochs, minCount: 1, matchHidden: 64, labelSmoothing: 0 };
}

function oneTextDefaults(kind: StudentKind, ngrams: 1 | 2) {
  const common = { embDim: 128, temperature: 1, alpha: 0.5, minCount: 2, maxVocab: 0, clipNorm: 5, warmup: 0.05, matchHidden: 0 };
  switch (kind) {
    case 'bow':
      // Hashed bigrams overfit fast (most occur once); word dropout and more epochs make up for it.
      return ngrams === 2
        ? // word dropout 0.4: ChnSentiCorp dev 90.75/90.92/91.08% at seeds 1-3 (0.3: 90.50/91.17/90.67%).
          { ...common, epochs: 10, batchSize: 16, lr: 3e-3, hidden: 64, weightDecay: 0, maxWords: 0, buckets: 200_000, wordDropout: 0.4, featureDropout: 0, labelSmoothing: 0 }
        : { ...common, epochs: 6, batchSize: 16, lr: 3e-3, hidden: 64, weightDecay: 0, maxWords: 0, buckets: 0, wordDropout: 0, featureDropout: 0, labelSmoothing: 0 };
    case 'cnn':
      // Word dropout 0.4 measured best on ChnSentiCorp dev (0.2: 90.9%; 0.4: 91.7, 91.7, 90.9% at seeds 1-3; 0.5: 91.0%).
      // Label smoothing 0.2: dev mean 91.76% over seeds 1-8 (0.1: 91.67%; none: 91.42%, lower on 6 of 8 seeds);
      // feature dropout 0.3-0.5 lowered it (91.0%).
      return { ...common, epochs: 8, batchSize: 16, lr: 2e-3, hidden: 128, weightDecay: 0.01, maxWords: 256, buckets: 0, wordDropout: 0.4, featureDropout: 0, labelSmoothing: 0.2 };
    case 'lstm':
      // 6 epochs: ChnSentiCorp dev 92.0% (best epoch 5) where 4 stopped at 89.9-90.9% while still improving.
      return { ...common, epochs: 6, batchSize: 32, lr: 2e-3, hidden: 128, weightDecay: 0.01, maxWords: 256, buckets: 0, wordDropout: 0.1, featureDropout: 0, labelSmoothing: 0 };
  }
}

/** A row's words: text_a's (with text_b's appended unless the model has two towers), and text_b's for two towers. */
interface RowWords {
  a: string[];
  b?: string[];
}

/** A teacher-labeled row and the file it came from (for file:line errors after loading). */
type DistillRow = LabeledRow & { file: string };

async function collect(file: string, policy: BadLinePolicy, knownLabels?: LabelMap): Promise<LabeledRow[]> {
  const rows: LabeledRow[] = [];
  const options = knownLabels ? { policy, knownLabels, knownLabelsName: 'the training labels' } : { policy };
  for await (const row of readLabeledTsv(file, options)) rows.push(row);
  return rows;
}

function checkPositive(name: string, value: number, integer = true): void {
  if (!(value > 0) || (integer && !Number.isInteger(value))) throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
}

function allFinite(weights: Weights): boolean {
  for (const tensor of Object.values(weights)) for (const v of tensor.data) if (!Number.isFinite(v)) return false;
  return true;
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const kind = options.model ?? 'bow';
  if (kind !== 'bow' && kind !== 'cnn' && kind !== 'lstm') throw new UsageError(`--model must be bow, cnn or lstm, got ${kind}`);
  const ngrams = options.ngrams ?? 1;
  if (ngrams !== 1 && ngrams !== 2) throw new UsageError(`--ngrams must be 1 or 2, got ${ngrams}`);
  if (ngrams === 2 && kind !== 'bow') throw new UsageError('--ngrams 2 applies to --model bow only');
  const d = defaultHyperParameters(kind, ngrams);
  const pairsMode = options.pairs ?? 'towers';
  if (pairsMode !== 'towers' && pairsMode !== 'concat') throw new UsageError(`--pairs must be towers or concat, got ${options.pairs}`);
  const h = {
    epochs: options.epochs ?? d.epochs,
    batchSize: options.batchSize ?? d.batchSize,
    lr: options.lr ?? d.lr,
    embDim: options.embDim ?? d.embDim,
    hidden: options.hidden ?? d.hidden,
    buckets: ngrams === 2 ? options.buckets ?? d.buckets : 0,
    temperature: options.temperature ?? d.temperature,
    alpha: options.alpha ?? d.alpha,
    threads: options.threads ?? Math.max(1, os.availableParallelism()),
    seed: options.seed ?? 1,
    minCount: options.minCount ?? d.minCount,
    maxVocab: options.maxVocab ?? d.maxVocab,
    weightDecay: options.weightDecay ?? d.weightDecay,
    warmup: options.warmup ?? d.warmup,
    clipNorm: options.clipNorm ?? d.clipNorm,
    wordDropout: options.wordDropout ?? d.wordDropout,
    featureDropout: options.featureDropout ?? d.featureDropout,
    labelSmoothing: options.labelSmoothing ?? d.labelSmoothing,
    matchHidden: options.matchHidden ?? d.matchHidden,
  };
  for (const name of ['epochs', 'batchSize', 'embDim', 'hidden', 'threads', 'minCount'] as const) checkPositive(name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()), h[name]);
  checkPositive('lr', h.lr, false);
  checkPositive('temperature', h.temperature, false);
  const schedule = options.temperatureSchedule ?? 'constant';
  if (schedule !== 'constant' && schedule !== 'linear') throw new UsageError(`--temperature-schedule must be constant or linear, got ${schedule}`);
  if (!(h.alpha >= 0 && h.alpha <= 1)) throw new UsageError(`--alpha must be within [0, 1], got ${h.alpha}`);
  if (!(h.wordDropout >= 0 && h.wordDropout < 1)) throw new UsageError(`--word-dropout must be within [0, 1), got ${h.wordDropout}`);
  if (!(h.featureDropout >= 0 && h.featureDropout < 1)) throw new UsageError(`--feature-dropout must be within [0, 1), got ${h.featureDropout}`);
  if (!(h.labelSmoothing >= 0 && h.labelSmoothing < 1)) throw new UsageError(`--label-smoothing must be within [0, 1), got ${h.labelSmoothing}`);
  if (!(h.warmup >= 0 && h.warmup < 1)) throw new UsageError(`--warmup must be a fraction within [0, 1), got ${h.warmup}`);
  if (ngrams === 2) checkPositive('buckets', h.buckets);
  if (!(Number.isInteger(h.matchHidden) && h.matchHidden >= 0)) throw new UsageError(`--match-hidden must be a whole number, got ${h.matchHidden}`);
  const note = options.onNote ?? (() => {});
  const segmenter = options.segmenter ?? 'jieba';
  if (segmenter !== 'jieba' && segmenter !== 'char') throw new UsageError(`--segmenter must be jieba or char, got ${options.segmenter}`);
  const segmentation: SegmentationSettings = {
    segmenter: options.segmented ? 'whitespace' : segmenter,
    hmm: false,
    lowercase: true,
    maxWords: options.maxWords ?? d.maxWords,
  };

  // Data: training rows, teacher-labeled rows, then dev (whose labels must all be known).
  const policy = new BadLinePolicy(options.skipBadLines === true);
  const trainRows = await collect(options.train, policy);
  if (trainRows.length === 0) throw new InputError('the training set is empty', options.train);
  const distillRows: DistillRow[] = [];
  for (const file of options.distill ?? []) {
    const rows = await collect(file, policy);
    if (rows.length === 0) throw new InputError('the distillation set is empty', file);
    for (const row of rows) distillRows.push({ ...row, file });
  }
  // Online rows come last, without labels: the teacher scores them when the training reaches them.
  const firstOnlineRow = distillRows.length;
  const onlineRows = options.online?.rows ?? [];
  const labelMap = LabelMap.fromLabels(trainRows.map((r) => r.label));
  const numLabels = labelMap.size;
  if (numLabels < 2) throw new InputError(`the training set has only one label (${labelMap.labels[0]}); a classifier needs two or more`, options.train);
  checkDistillRows(distillRows, labelMap);
  const devRows = options.dev ? await collect(options.dev, policy, labelMap) : [];
  if (options.dev && devRows.length === 0) throw new InputError('the dev set is empty', options.dev);
  if (policy.skipped > 0) note(`skipped ${policy.skipped} bad line(s); the first: ${policy.firstSkipped!.message}`);

  // A training TSV with text_b makes a pair task: two towers unless asked to append text_b to text_a.
  const pairData = trainRows[0]!.textB !== undefined;
  if (options.pairs !== undefined && !pairData) throw new UsageError(`--pairs applies to training data with a text_b column (${options.train} has none)`);
  const towers = pairData && pairsMode === 'towers';
  if (!towers && h.matchHidden > 0) throw new UsageError('--match-hidden applies to two-tower pair models only (training data with text_b)');
  if (towers) {
    checkPairRows(distillRows, onlineRows, devRows, options.dev);
    const p = defaultHyperParameters(kind, ngrams, true);
    h.epochs = options.epochs ?? p.epochs;
    h.minCount = options.minCount ?? p.minCount;
    h.matchHidden = options.matchHidden ?? p.matchHidden;
    h.labelSmoothing = options.labelSmoothing ?? p.labelSmoothing;
  }
  const cpuOnly = [
    ...(h.featureDropout > 0 ? [{ flag: '--feature-dropout', what: 'feature dropout' }] : []),
    ...(h.labelSmoothing > 0 ? [{ flag: '--label-smoothing', what: 'label smoothing' }] : []),
  ];
  const device = resolveTrainingDevice(options.device ?? 'cpu', kind, towers, cpuOnly);

  // Vocabulary from the words of all training text (labeled and teacher-labeled), both texts of a pair.
  const wordsOf = async (rows: readonly { textA: string; textB?: string }[]): Promise<RowWords[]> =>
    towers ? (await pairWordsMany(rows, segmentation)).map(([a, b]) => ({ a, b })) : (await rowWordsMany(rows, segmentation)).map((a) => ({ a }));
  const trainWords = await wordsOf(trainRows);
  const distillWords = await wordsOf([...distillRows, ...onlineRows]);
  const counter = new WordCounter();
  for (const words of trainWords.concat(distillWords)) {
    counter.add(words.a);
    if (words.b) counter.add(words.b);
  }
  const vocabulary = Vocabulary.build(counter, { minCount: h.minCount, maxVocab: h.maxVocab });
  const encode = (words: RowWords): StudentRow => (words.b ? { ids: vocabulary.encode(words.a), idsB: vocabulary.encode(words.b) } : { ids: vocabulary.encode(words.a) });

  const allWords = trainWords.concat(distillWords);
  const packed = packStudentRows(allWords.map(encode));
  const labels = new Int32Array(allWords.length);
  trainRows.forEach((row, i) => (labels[i] = labelMap.idOf(row.label)));
  let teacherLogits: Float32Array | null = null;
  if (distillRows.some((r) => r.logits) || onlineRows.length > 0) {
    teacherLogits = new Float32Array(allWords.length * numLabels).fill(NaN);
  }
  distillRows.forEach((row, j) => {
    const i = trainRows.length + j;
    labels[i] = labelMap.idOf(row.label);
    if (row.logits && teacherLogits) teacherLogits.set(row.logits, i * numLabels);
  });
  labels.fill(-1, trainRows.length + firstOnlineRow);
  const data: TrainingSet = { ...packed, labels, teacherLogits };
  const devPacked = packStudentRows((await wordsOf(devRows)).map(encode));
  const devGold = Int32Array.from(devRows, (r) => labelMap.idOf(r.label));
  // The order ratio needs queries with candidates of both labels: text pairs, two labels.
  const devQueries = pairData && numLabels === 2 ? devRows.map((r) => r.textA) : null;

  const config: StudentConfig = {
    kind,
    vocabSize: vocabulary.size,
    bigramBuckets: h.buckets,
    embDim: h.embDim,
    hidden: h.hidden,
    numLabels,
    seed: h.seed,
    ...(towers ? { pair: true, matchHidden: h.matchHidden } : {}),
  };
  const fileConfig: ModelFileConfig = {
    model: config,
    segmentation,
    training: { ...h, threads: undefined, ngrams, ...(pairData ? { pairs: pairsMode } : {}), trainRows: trainRows.length, distillRows: distillRows.length + onlineRows.length, online: onlineRows.length > 0 },
  };
  const model = createNativeModel(config);

  const supervised = Int32Array.from({ length: trainRows.length }, (_, i) => i);
  const distill = Int32Array.from({ length: distillRows.length + onlineRows.length }, (_, i) => trainRows.length + i);
  const stepsPerEpoch = batchesPerEpoch(supervised.length, distill.length, h.batchSize);
  const totalSteps = stepsPerEpoch * h.epochs;
  const random = new SeededRandom(h.seed);

  const started = performance.now();
  let best: { epoch: number; metrics: DevMetrics | null; weights: Weights } | null = null;
  let tokens = 0;
  let nativeSeconds = 0;
  let diverged = false;
  let epochsRun = 0;
  for (let epoch = 1; epoch <= h.epochs; epoch++) {
    const order = epochOrder(supervised, distill, h.batchSize, random);
    const epochOptions = {
      order,
      batchSize: h.batchSize,
      lr: h.lr,
      stepOffset: (epoch - 1) * stepsPerEpoch,
      totalSteps,
      warmupSteps: Math.round(h.warmup * totalSteps),
      weightDecay: h.weightDecay,
      clipNorm: h.clipNorm,
      temperature: schedule === 'linear' && h.epochs > 1 ? h.temperature + ((1 - h.temperature) * (epoch - 1)) / (h.epochs - 1) : h.temperature,
      alpha: h.alpha,
      threads: h.threads,
      seed: (h.seed + epoch) >>> 0,
      wordDropout: h.wordDropout,
      featureDropout: h.featureDropout,
      labelSmoothing: h.labelSmoothing,
      device,
    };
    let result: EpochResult;
    try {
      result = options.online
        ? await trainOnlineEpoch(model, data, numLabels, trainRows.length + firstOnlineRow, options.online, epochOptions)
        : await model.trainEpoch(data, epochOptions);
    } catch (err) {
      // The teacher service went away for good: keep what was learned so far, under a name that says so.
      if (!options.online || !options.out) throw err;
      const partial = options.out.replace(/(\.bin)?$/, '.partial.bin');
      const weights = model.getWeights();
      if (allFinite(weights)) await writeModelFile(partial, { config: fileConfig, vocabulary: vocabulary.words, labels: labelMap.labels, weights });
      throw new InputError(`${(err as Error).message.split('\n')[0]} (the student trained so far is saved as ${partial})`);
    }
    if (!result.finite || !Number.isFinite(result.loss)) {
      diverged = true;
      if (best) note(`epoch ${epoch} diverged (NaN/Inf loss); stopped and kept epoch ${best.epoch} (try a lower --lr)`);
      break;
    }
    epochsRun = epoch;
    tokens += result.tokens;
    nativeSeconds += result.seconds;
    const metrics = devRows.length ? await evaluateRows(model, devPacked, devGold, devQueries, numLabels, h.threads) : null;
    const isBest = !best || !best.metrics || (metrics !== null && metrics.accuracy > best.metrics.accuracy);
    // Without a dev set the last finite epoch is kept.
    if (isBest) best = { epoch, metrics, weights: model.getWeights() };
    const report: EpochReport = {
      epoch,
      epochs: h.epochs,
      loss: result.loss,
      seconds: result.seconds,
      tokensPerSecond: result.seconds > 0 ? result.tokens / result.seconds : 0,
      best: isBest,
    };
    if (metrics) {
      report.devAccuracy = metrics.accuracy;
      report.devMacroF1 = metrics.macroF1;
      if (devQueries) report.devPosNegRatio = metrics.posNegRatio;
    }
    options.onEpoch?.(report);
  }
  if (!best) throw new InputError(`training diverged in the first epoch (NaN/Inf loss); no model written (try a lower --lr)`, options.train);
  if (!allFinite(best.weights)) throw new Error('training produced non-finite weights; no model written (try a lower --lr)');
  model.setWeights(best.weights);
  const modelData: StudentModelData = { config: fileConfig, vocabulary: vocabulary.words, labels: labelMap.labels, weights: best.weights };
  if (options.out) await writeModelFile(options.out, modelData);
  const student = Student.fromNative({ config: fileConfig, vocabulary: vocabulary.words, labels: labelMap.labels }, model);
  return {
    student,
    out: options.out ?? null,
    kind,
    epochs: epochsRun,
    bestEpoch: best.epoch,
    devAccuracy: best.metrics?.accuracy ?? null,
    devMacroF1: best.metrics?.macroF1 ?? null,
    devPosNegRatio: best.metrics?.posNegRatio ?? null,
    devN: devRows.length,
    pair: towers,
    trainSeconds: (performance.now() - started) / 1000,
    tokensPerSecond: nativeSeconds > 0 ? tokens / nativeSeconds : 0,
    trainRows: trainRows.length,
    distillRows: distillRows.length + onlineRows.length,
    vocabSize: vocabulary.size,
    labels: [...labelMap.labels],
    skippedLines: policy.skipped,
    diverged,
    device,
  };
}

/** Teacher-labeled rows must use the training labels, and carry one logit per label. */
function checkDistillRows(rows: DistillRow[], labelMap: LabelMap): void {
  for (const row of rows) {
    const file = row.file;
    if (!labelMap.has(row.label)) {
      throw new InputError(`teacher label ${JSON.stringify(row.label)} is not among the training labels (${labelMap.labels.join(', ')})`, file, row.line);
    }
    if (row.logits && row.logits.length !== labelMap.size) {
      throw new InputError(`${row.logits.length} logits, but the training set has ${labelMap.size} labels`, file, row.line);
    }
  }
}

/** A two-tower model's rows need text_b everywhere: in teacher-labeled files, online rows and the dev set. */
function checkPairRows(distillRows: DistillRow[], onlineRows: readonly TextRow[], devRows: LabeledRow[], devFile: string | undefined): void {
  const missing = 'the training set has text pairs (text_b) but this row has no text_b';
  const distill = distillRows.find((r) => r.textB === undefined);
  if (distill) throw new InputError(missing, distill.file, distill.line);
  const dev = devRows.find((r) => r.textB === undefined);
  if (dev) throw new InputError(missing, devFile, dev.line);
  const online = onlineRows.find((r) => r.textB === undefined);
  if (online) throw new InputError(`${missing} (online distillation row ${online.line})`);
}

type DevMetrics = ClassificationMetrics & { posNegRatio: number | null };

async function evaluateRows(
  model: NativeStudentModel,
  rows: TokenRows,
  gold: Int32Array,
  queries: string[] | null,
  numLabels: number,
  threads: number,
): Promise<DevMetrics> {
  const logits = await model.predictRows(rows, threads);
  const predicted = Int32Array.from({ length: gold.length }, (_, r) => argmax(logits, r * numLabels, numLabels));
  let ratio: number | null = null;
  if (queries) {
    const scores = Float64Array.from({ length: gold.length }, (_, r) => softmax(logits, r * numLabels, numLabels)[1]!);
    ratio = posNegRatio(queries, Array.from(gold, (g) => g === 1), scores).ratio;
  }
  return { ...classificationMetrics(gold, predicted, numLabels), posNegRatio: ratio };
}

// train()'s data: the TSVs read and checked, then segmented, a vocabulary built, and encoded into packed rows.
import { InputError } from '../errors.js';
import { BadLinePolicy } from '../data/bad-lines.js';
import { LabelMap } from '../data/label-map.js';
import { readLabeledTsv, type LabeledRow, type TextRow } from '../data/tsv-reader.js';
import type { TokenRows, TrainingSet } from './native-api.js';
import { pairWordsMany, rowWordsMany, type SegmentationSettings } from './segmentation.js';
import { Vocabulary, WordCounter } from './vocabulary.js';
import { packStudentRows, type StudentRow } from './token-rows.js';

/** A teacher-labeled row and the file it came from (for file:line errors after loading). */
export type DistillRow = LabeledRow & { file: string };

/** Where train()'s rows come from. */
export interface TrainingFiles {
  train: string;
  dev?: string;
  distill?: string[];
  /** Online distillation's rows, texts only (the teacher labels them during training). */
  online?: readonly TextRow[];
}

/** The rows of a training run, checked: no set empty, every label known, two labels or more. */
export interface TrainingRows {
  train: LabeledRow[];
  distill: DistillRow[];
  online: readonly TextRow[];
  dev: LabeledRow[];
  labelMap: LabelMap;
  skippedLines: number;
}

async function collect(file: string, policy: BadLinePolicy, knownLabels?: LabelMap): Promise<LabeledRow[]> {
  const rows: LabeledRow[] = [];
  const options = knownLabels ? { policy, knownLabels, knownLabelsName: 'the training labels' } : { policy };
  for await (const row of readLabeledTsv(file, options)) rows.push(row);
  return rows;
}

/** Reads training rows, teacher-labeled rows, then dev (whose labels must all be known). */
export async function readTrainingRows(
  files: TrainingFiles,
  skipBadLines: boolean,
  note: (message: string) => void,
): Promise<TrainingRows> {
  const policy = new BadLinePolicy(skipBadLines);
  const train = await collect(files.train, policy);
  if (train.length === 0) throw new InputError('the training set is empty', files.train);
  const distill: DistillRow[] = [];
  for (const file of files.distill ?? []) {
    const rows = await collect(file, policy);
    if (rows.length === 0) throw new InputError('the distillation set is empty', file);
    for (const row of rows) distill.push({ ...row, file });
  }
  const labelMap = LabelMap.fromLabels(train.map((r) => r.label));
  if (labelMap.size < 2)
    throw new InputError(
      `the training set has only one label (${labelMap.labels[0]}); a classifier needs two or more`,
      files.train,
    );
  checkDistillRows(distill, labelMap);
  const dev = files.dev ? await collect(files.dev, policy, labelMap) : [];
  if (files.dev && dev.length === 0) throw new InputError('the dev set is empty', files.dev);
  if (policy.skipped > 0) note(`skipped ${policy.skipped} bad line(s); the first: ${policy.firstSkipped!.message}`);
  return { train, distill, online: files.online ?? [], dev, labelMap, skippedLines: policy.skipped };
}

/** A training TSV with text_b makes a pair task. */
export function hasPairs(rows: TrainingRows): boolean {
  return rows.train[0]!.textB !== undefined;
}

/** Teacher-labeled rows must use the training labels, and carry one logit per label. */
function checkDistillRows(rows: DistillRow[], labelMap: LabelMap): void {
  for (const row of rows) checkDistillRow(row, labelMap, row.file);
}

/** One teacher-labeled row of `file`: a training label, and one logit per label when it has logits. */
export function checkDistillRow(row: LabeledRow, labelMap: LabelMap, file: string): void {
  if (!labelMap.has(row.label)) {
    throw new InputError(
      `teacher label ${JSON.stringify(row.label)} is not among the training labels (${labelMap.labels.join(', ')})`,
      file,
      row.line,
    );
  }
  if (row.logits && row.logits.length !== labelMap.size) {
    throw new InputError(
      `${row.logits.length} logits, but the training set has ${labelMap.size} labels`,
      file,
      row.line,
    );
  }
}

/** A two-tower model's rows need text_b everywhere: in teacher-labeled files, online rows and the dev set. */
export function checkPairRows(rows: TrainingRows, devFile: string | undefined): void {
  const missing = 'the training set has text pairs (text_b) but this row has no text_b';
  const distill = rows.distill.find((r) => r.textB === undefined);
  if (distill) throw new InputError(missing, distill.file, distill.line);
  const dev = rows.dev.find((r) => r.textB === undefined);
  if (dev) throw new InputError(missing, devFile, dev.line);
  const online = rows.online.find((r) => r.textB === undefined);
  if (online) throw new InputError(`${missing} (online distillation row ${online.line})`);
}

/** The dev set as the epoch runner scores it. */
export interface DevSet {
  rows: TokenRows;
  gold: Int32Array;
  /** Text pairs: each row's text_a (the order ratio's queries); else null. */
  queries: string[] | null;
}

/** Rows encoded for the native trainer: labeled rows first, then teacher-labeled rows, then online ones. */
export interface EncodedTrainingData {
  vocabulary: Vocabulary;
  set: TrainingSet;
  /** Labeled rows: 0 .. supervisedRows-1. */
  supervisedRows: number;
  /** Teacher-labeled and online rows after them. */
  distillRows: number;
  /** The first online row's index in `set` (rows from there on have no labels until the teacher gives them). */
  firstOnlineRow: number;
  dev: DevSet | null;
}

/** Reads the dev set (whose labels must all be training labels); a file without rows is an error. */
export async function readDevRows(file: string, policy: BadLinePolicy, labelMap: LabelMap): Promise<LabeledRow[]> {
  const dev = await collect(file, policy, labelMap);
  if (dev.length === 0) throw new InputError('the dev set is empty', file);
  return dev;
}

/** The dev set encoded with the final vocabulary (null when there is none). */
export async function encodeDevSet(
  rows: readonly LabeledRow[],
  labelMap: LabelMap,
  vocabulary: Vocabulary,
  settings: { segmentation: SegmentationSettings; towers: boolean; pairData: boolean },
): Promise<DevSet | null> {
  if (rows.length === 0) return null;
  const encoded: StudentRow[] = settings.towers
    ? (await pairWordsMany(rows, settings.segmentation)).map(([a, b]) => ({
        ids: vocabulary.encode(a),
        idsB: vocabulary.encode(b),
      }))
    : (await rowWordsMany(rows, settings.segmentation)).map((a) => ({ ids: vocabulary.encode(a) }));
  return {
    rows: packStudentRows(encoded),
    gold: Int32Array.from(rows, (r) => labelMap.idOf(r.label)),
    queries: settings.pairData ? rows.map((r) => r.textA) : null,
  };
}

/** A row's words: text_a's (with text_b's appended unless the model has two towers), and text_b's for two towers. */
interface RowWords {
  a: string[];
  b?: string[];
}

/**
 * Segments every row, builds the vocabulary from the words of all training text (labeled and teacher-labeled,
 * both texts of a pair) and encodes the rows; `towers` keeps text_b apart.
 */
export async function encodeTrainingData(
  rows: TrainingRows,
  settings: { segmentation: SegmentationSettings; towers: boolean; minCount: number; maxVocab: number },
): Promise<EncodedTrainingData> {
  const { segmentation, towers } = settings;
  const numLabels = rows.labelMap.size;
  const wordsOf = async (texts: readonly { textA: string; textB?: string }[]): Promise<RowWords[]> =>
    towers
      ? (await pairWordsMany(texts, segmentation)).map(([a, b]) => ({ a, b }))
      : (await rowWordsMany(texts, segmentation)).map((a) => ({ a }));
  const trainWords = await wordsOf(rows.train);
  const distillWords = await wordsOf([...rows.distill, ...rows.online]);
  const counter = new WordCounter();
  for (const words of trainWords.concat(distillWords)) {
    counter.add(words.a);
    if (words.b) counter.add(words.b);
  }
  const vocabulary = Vocabulary.build(counter, { minCount: settings.minCount, maxVocab: settings.maxVocab });
  const encode = (words: RowWords): StudentRow =>
    words.b
      ? { ids: vocabulary.encode(words.a), idsB: vocabulary.encode(words.b) }
      : { ids: vocabulary.encode(words.a) };

  const allWords = trainWords.concat(distillWords);
  const packed = packStudentRows(allWords.map(encode));
  const labels = new Int32Array(allWords.length);
  rows.train.forEach((row, i) => (labels[i] = rows.labelMap.idOf(row.label)));
  let teacherLogits: Float32Array | null = null;
  if (rows.distill.some((r) => r.logits) || rows.online.length > 0) {
    teacherLogits = new Float32Array(allWords.length * numLabels).fill(NaN);
  }
  rows.distill.forEach((row, j) => {
    const i = rows.train.length + j;
    labels[i] = rows.labelMap.idOf(row.label);
    if (row.logits && teacherLogits) teacherLogits.set(row.logits, i * numLabels);
  });
  // Online rows come last, without labels: the teacher scores them when the training reaches them.
  const firstOnlineRow = rows.train.length + rows.distill.length;
  labels.fill(-1, firstOnlineRow);

  const dev = await encodeDevSet(rows.dev, rows.labelMap, vocabulary, { ...settings, pairData: hasPairs(rows) });
  return {
    vocabulary,
    set: { ...packed, labels, teacherLogits },
    supervisedRows: rows.train.length,
    distillRows: rows.distill.length + rows.online.length,
    firstOnlineRow,
    dev,
  };
}

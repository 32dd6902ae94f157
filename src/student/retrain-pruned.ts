// quantize --retrain (fastText's -retrain): after pruning, the kept embedding rows, the dense layers and the head
// are trained again on the given data, read with the student's own segmentation and vocabulary, while the pruned
// rows stay zero (as the compact student reads them); quantizing comes after.
import { InputError } from '../errors.js';
import { createNativeModel } from './native-model.js';
import type { StudentModelData } from './model-file.js';
import { Student } from './student.js';
import { readTrainingRows, hasPairs, checkPairRows, type EncodedTrainingData } from './train-data.js';
import { runEpochs } from './train-epochs.js';
import type { EpochReport } from './train-options.js';
import { resolveTrainSettings, type TrainHyperParameters } from './train-settings.js';
import { Vocabulary } from './vocabulary.js';
import { packStudentRows } from './token-rows.js';
import type { NativeStudentModel, TokenRows } from './native-api.js';

export interface RetrainOptions {
  /** Labeled TSV (label, text_a[, text_b]). */
  train: string;
  /** Teacher-labeled TSVs (text_a[, text_b], label[, logits]). */
  distill?: string[];
  /** Labeled TSV that picks the best epoch. */
  dev?: string;
  /** Default: the epochs the student was trained for. */
  epochs?: number;
  /** Default: the learning rate the student was trained with. */
  lr?: number;
  threads?: number;
  skipBadLines?: boolean;
  onEpoch?: (report: EpochReport) => void;
  note?: (message: string) => void;
}

export interface RetrainResult {
  model: StudentModelData;
  epochs: number;
  lr: number;
  bestEpoch: number;
  trainRows: number;
  distillRows: number;
}

/** `model` retrained with only the embedding rows `kept` (the others zero throughout). */
export async function retrainPruned(
  model: StudentModelData,
  kept: Int32Array,
  options: RetrainOptions,
): Promise<RetrainResult> {
  const r = await trainAgain(model, options, retrainHyperParameters(model, options), (n) => n.pruneEmbedding(kept));
  return { ...r, model: { ...model, weights: r.weights } };
}

/**
 * `model` trained again on `options`' data (read as its predict reads them) with `hyper`, its embedding held as
 * `hold` says (pruned rows at zero, or frozen); the best epoch's weights.
 */
export async function trainAgain(
  model: StudentModelData,
  options: RetrainOptions,
  hyper: TrainHyperParameters,
  hold: (native: NativeStudentModel) => void,
): Promise<Omit<RetrainResult, 'model'> & { weights: StudentModelData['weights'] }> {
  const { data, trainRows, distillRows } = await encodeStudentData(model, options);
  const native = createNativeModel(model.config.model);
  native.setWeights(model.weights);
  hold(native);
  const { quantized: _, weights: __, ...modelData } = model;
  const run = await runEpochs({
    model: native,
    data,
    numLabels: model.labels.length,
    settings: { hyper, temperatureSchedule: 'constant' },
    device: 'cpu',
    modelData,
    trainFile: options.train,
    onEpoch: options.onEpoch,
    note: options.note ?? (() => {}),
  });
  return {
    weights: run.best.weights,
    epochs: hyper.epochs,
    lr: hyper.lr,
    bestEpoch: run.best.epoch,
    trainRows,
    distillRows,
  };
}

/**
 * The training (and distill, dev) rows as `model`'s predict reads them: its segmentation, its vocabulary, its
 * empty-row handling; refused when the labels or the pairing are not the student's.
 */
export async function encodeStudentData(
  model: StudentModelData,
  options: Pick<RetrainOptions, 'train' | 'distill' | 'dev' | 'threads' | 'skipBadLines' | 'note'>,
): Promise<{ data: EncodedTrainingData; trainRows: number; distillRows: number }> {
  const note = options.note ?? (() => {});
  const rows = await readTrainingRows(
    { train: options.train, dev: options.dev, distill: options.distill },
    options.skipBadLines ?? false,
    note,
  );
  const labels = rows.labelMap.labels;
  if (labels.length !== model.labels.length || labels.some((l, i) => l !== model.labels[i])) {
    throw new InputError(
      `the labels (${labels.join(', ')}) are not the student's (${model.labels.join(', ')})`,
      options.train,
    );
  }
  const pair = model.config.model.pair === true;
  if (hasPairs(rows) !== pair) {
    throw new InputError(
      pair
        ? 'the student reads text pairs but this set has no text_b'
        : 'the student reads one text but this set has text_b',
      options.train,
    );
  }
  if (pair) checkPairRows(rows, options.dev);

  // The rows as the compact student's predict reads them: its segmentation, its vocabulary, its empty-row handling.
  const student = Student.fromData(model);
  const threads = options.threads ?? 2;
  const encode = async (texts: readonly { textA: string; textB?: string }[]): Promise<TokenRows> =>
    texts.length === 0 ? packStudentRows([]) : student.packedRows(texts, threads);
  const all = [...rows.train, ...rows.distill];
  const packed = await encode(all);
  const numLabels = model.labels.length;
  const labelIds = Int32Array.from(all, (r) => rows.labelMap.idOf(r.label));
  let teacherLogits: Float32Array | null = null;
  if (rows.distill.some((r) => r.logits)) {
    teacherLogits = new Float32Array(all.length * numLabels).fill(NaN);
    rows.distill.forEach((r, j) => r.logits && teacherLogits!.set(r.logits, (rows.train.length + j) * numLabels));
  }
  const data: EncodedTrainingData = {
    vocabulary: new Vocabulary(model.vocabulary),
    set: { ...packed, labels: labelIds, teacherLogits },
    supervisedRows: rows.train.length,
    distillRows: rows.distill.length,
    firstOnlineRow: all.length,
    dev:
      rows.dev.length > 0
        ? {
            rows: await encode(rows.dev),
            gold: Int32Array.from(rows.dev, (r) => rows.labelMap.idOf(r.label)),
            queries: pair ? rows.dev.map((r) => r.textA) : null,
          }
        : null,
  };

  return { data, trainRows: rows.train.length, distillRows: rows.distill.length };
}

// The student's own training settings (as its file records them), with the epochs and learning rate asked for.
export function retrainHyperParameters(
  model: StudentModelData,
  options: Pick<RetrainOptions, 'train' | 'epochs' | 'lr' | 'threads'>,
): TrainHyperParameters {
  const defaults = resolveTrainSettings({ train: options.train, model: model.config.model.kind }, null).hyper;
  const recorded = model.config.training ?? {};
  const hyper = { ...defaults };
  for (const key of Object.keys(defaults) as (keyof TrainHyperParameters)[]) {
    const value = recorded[key];
    if (typeof value === 'number' && Number.isFinite(value)) hyper[key] = value;
  }
  hyper.epochs = options.epochs ?? hyper.epochs;
  hyper.lr = options.lr ?? hyper.lr;
  hyper.threads = options.threads ?? defaults.threads;
  return hyper;
}

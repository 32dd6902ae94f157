// `quantize --model`: a float bow student file -> its compact form (compact-student.ts), retrained first with only
// the kept rows when asked (retrain-pruned.ts), with the sizes and, given a dev set, both accuracies.
import fs from 'node:fs';
import { refuseOutputOverInput } from '../data/output-guard.js';
import { encodeModelFile, readModelFile, writeModelFile, type StudentModelData } from './model-file.js';
import {
  checkCompactable,
  chooseCompactOptions,
  compactStudent,
  rowsByNorm,
  type CompactOptions,
} from './compact-student.js';
import { evaluate } from './evaluate.js';
import { refitHead, type RefitOptions } from './refit-head.js';
import { retrainPruned, type RetrainOptions } from './retrain-pruned.js';
import { Student } from './student.js';
import { createNativeModel } from './native-model.js';

export interface QuantizeStudentOptions extends Partial<CompactOptions> {
  model: string;
  out: string;
  /** A labeled TSV: both students are scored on it (and it picks the retrained epoch). */
  dev?: string;
  threads?: number;
  /** Retrain the kept rows and the rest of the student on this data before quantizing. */
  retrain?: Omit<RetrainOptions, 'dev' | 'threads'>;
  /**
   * Training data at hand (labeled TSV, teacher-labeled TSVs): after quantizing, the float layers are refit on it
   * through the quantized table (refit-head.ts), for `epochs` (default REFIT_EPOCHS).
   */
  refit?: Pick<RefitOptions, 'train' | 'distill' | 'epochs' | 'lr' | 'skipBadLines' | 'note'>;
}

export interface QuantizeStudentResult {
  inputBytes: number;
  outputBytes: number;
  keptRows: number;
  embeddingRows: number;
  options: CompactOptions;
  /** Dev accuracy of the float student and of the compact one (null without a dev set). */
  inputAccuracy: number | null;
  outputAccuracy: number | null;
  /** What retraining did (null without --retrain). */
  retrain: { epochs: number; lr: number; bestEpoch: number; trainRows: number; distillRows: number } | null;
  /** What refitting the float layers on the quantized table did (null without training data). */
  refit: { epochs: number; lr: number; bestEpoch: number; trainRows: number; distillRows: number } | null;
}

export async function quantizeStudentFile(options: QuantizeStudentOptions): Promise<QuantizeStudentResult> {
  refuseOutputOverInput(
    { flag: '--out', file: options.out },
    {
      '--model': options.model,
      '--dev': options.dev,
      '--train': options.retrain?.train ?? options.refit?.train,
      '--distill': options.retrain?.distill ?? options.refit?.distill,
    },
  );
  const result = await writeCompactStudent(readModelFile(options.model), options);
  return { ...result, inputBytes: fs.statSync(options.model).size };
}

/** Writes the compact form of a float student to options.out; inputBytes is the float student's encoded size. */
export async function writeCompactStudent(
  model: StudentModelData,
  options: Omit<QuantizeStudentOptions, 'model'>,
): Promise<QuantizeStudentResult> {
  checkCompactable(model, { cutoff: options.cutoff ?? 0, dsub: options.dsub ?? 1 });
  // The table training started from (the same seed draws it again), so that rows are ranked by what training did.
  const initialEmbedding = createNativeModel(model.config.model).getWeights().embedding?.data;
  const touched = rowsByNorm(model.weights.embedding!, 0, initialEmbedding).length;
  const compactOptions: CompactOptions = chooseCompactOptions(model, options, touched);
  checkCompactable(model, compactOptions);
  let source = model;
  let keptRows: Int32Array | undefined;
  let retrain: QuantizeStudentResult['retrain'] = null;
  if (options.retrain) {
    keptRows = rowsByNorm(model.weights.embedding!, compactOptions.cutoff, initialEmbedding);
    const r = await retrainPruned(model, keptRows, { ...options.retrain, dev: options.dev, threads: options.threads });
    source = r.model;
    retrain = {
      epochs: r.epochs,
      lr: r.lr,
      bestEpoch: r.bestEpoch,
      trainRows: r.trainRows,
      distillRows: r.distillRows,
    };
  }
  let refit: QuantizeStudentResult['refit'] = null;
  const refitOnData = options.refit
    ? async (quantized: StudentModelData) => {
        const r = await refitHead(quantized, { ...options.refit!, dev: options.dev, threads: options.threads });
        const { model: _, ...record } = r;
        refit = record;
        return { model: r.model, record: { epochs: r.epochs, lr: r.lr, bestEpoch: r.bestEpoch } };
      }
    : undefined;
  const compact = await compactStudent(source, compactOptions, {
    initialEmbedding,
    keptRows,
    ...(retrain ? { retrain } : {}),
    ...(refitOnData ? { refit: refitOnData } : {}),
  });
  await writeModelFile(options.out, compact);
  const score = async (student: Student) =>
    options.dev ? (await evaluate({ model: student, data: options.dev, threads: options.threads })).accuracy : null;
  return {
    inputBytes: encodeModelFile(model).length,
    outputBytes: fs.statSync(options.out).size,
    keptRows: compact.quantized!.embedding!.rows.length,
    embeddingRows: model.weights.embedding!.shape[0]!,
    options: compactOptions,
    inputAccuracy: await score(Student.fromData(model)),
    outputAccuracy: await score(Student.fromData(compact)),
    retrain,
    refit,
  };
}

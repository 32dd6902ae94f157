// `train`: step 3 of ERNIE Slim (or a plain supervised baseline): settings -> data -> native epochs -> model.
import { refuseOutputOverInput } from '../data/output-guard.js';
import { createNativeModel } from './native-model.js';
import type { StudentConfig } from './native-api.js';
import { writeModelFile, type ModelFileConfig } from './model-file.js';
import { Student } from './student.js';
import { resolveTrainingDevice } from './training-device.js';
import { resolveTrainSettings } from './train-settings.js';
import { checkPairRows, encodeTrainingData, hasPairs, readTrainingRows } from './train-data.js';
import { runEpochs } from './train-epochs.js';
import type { TrainOptions, TrainResult } from './train-options.js';

export type { TrainOptions, TrainResult, EpochReport } from './train-options.js';

export async function train(options: TrainOptions): Promise<TrainResult> {
  // Every check that needs no data comes before any file is read.
  const flagsOnly = resolveTrainSettings(options, null);
  refuseOutputOverInput(
    { flag: '--out', file: options.out },
    { '--train': options.train, '--dev': options.dev, '--distill': options.distill },
  );
  const note = options.onNote ?? (() => {});
  const rows = await readTrainingRows(
    { train: options.train, dev: options.dev, distill: options.distill, online: options.online?.rows },
    flagsOnly.skipBadLines,
    note,
  );
  const pairData = hasPairs(rows);
  const settings = resolveTrainSettings(options, { pairData });
  const { kind, towers, hyper: h } = settings;
  if (towers) checkPairRows(rows, options.dev);
  const cpuOnly = [
    ...(h.featureDropout > 0 ? [{ flag: '--feature-dropout', what: 'feature dropout' }] : []),
    ...(h.labelSmoothing > 0 ? [{ flag: '--label-smoothing', what: 'label smoothing' }] : []),
  ];
  const device = resolveTrainingDevice(settings.device, kind, towers, cpuOnly);

  const data = await encodeTrainingData(rows, {
    segmentation: settings.segmentation,
    towers,
    minCount: h.minCount,
    maxVocab: h.maxVocab,
  });
  const numLabels = rows.labelMap.size;
  const config: StudentConfig = {
    kind,
    vocabSize: data.vocabulary.size,
    bigramBuckets: h.buckets,
    embDim: h.embDim,
    hidden: h.hidden,
    numLabels,
    seed: h.seed,
    ...(towers ? { pair: true, matchHidden: h.matchHidden } : {}),
  };
  const fileConfig: ModelFileConfig = {
    model: config,
    segmentation: settings.segmentation,
    training: {
      ...h,
      threads: undefined,
      ngrams: settings.ngrams,
      ...(pairData ? { pairs: settings.pairsMode } : {}),
      trainRows: rows.train.length,
      distillRows: data.distillRows,
      online: rows.online.length > 0,
    },
  };
  const modelData = { config: fileConfig, vocabulary: data.vocabulary.words, labels: rows.labelMap.labels };
  const model = createNativeModel(config);

  const started = performance.now();
  const run = await runEpochs({
    model,
    data,
    numLabels,
    settings,
    device,
    online: options.online,
    out: options.out,
    modelData,
    trainFile: options.train,
    onEpoch: options.onEpoch,
    note,
  });
  const { best } = run;
  model.setWeights(best.weights);
  if (options.out) await writeModelFile(options.out, { ...modelData, weights: best.weights });
  const student = Student.fromNative(modelData, model);
  return {
    student,
    out: options.out ?? null,
    kind,
    epochs: run.epochsRun,
    bestEpoch: best.epoch,
    devAccuracy: best.dev?.accuracy ?? null,
    devMacroF1: best.dev?.macroF1 ?? null,
    devPosNegRatio: best.dev?.posNeg?.ratio ?? null,
    devN: rows.dev.length,
    pair: towers,
    trainSeconds: (performance.now() - started) / 1000,
    tokensPerSecond: run.nativeSeconds > 0 ? run.tokens / run.nativeSeconds : 0,
    trainRows: rows.train.length,
    distillRows: data.distillRows,
    vocabSize: data.vocabulary.size,
    labels: [...rows.labelMap.labels],
    skippedLines: rows.skippedLines,
    diverged: run.diverged,
    device,
  };
}

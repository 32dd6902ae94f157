// `train`: step 3 of ERNIE Slim (or a plain supervised baseline): settings -> data (streamed through a token cache,
// or in memory for online distillation and the CUDA trainer) -> native epochs -> model.
import { refuseOutputOverInput } from '../data/output-guard.js';
import { createNativeModel } from './native-model.js';
import type { StudentConfig } from './native-api.js';
import { writeModelFile, type ModelFileConfig } from './model-file.js';
import { Student } from './student.js';
import { resolveTrainingDevice } from './training-device.js';
import { resolveTrainSettings, type TrainSettings } from './train-settings.js';
import { BadLinePolicy } from '../data/bad-lines.js';
import { LabelMap } from '../data/label-map.js';
import { readLabeledTsv } from '../data/tsv-reader.js';
import { InputError } from '../errors.js';
import {
  checkPairRows,
  encodeDevSet,
  encodeTrainingData,
  hasPairs,
  readDevRows,
  readTrainingRows,
  type EncodedTrainingData,
  type TrainingRows,
} from './train-data.js';
import { runEpochs, type CachedTrainingData } from './train-epochs.js';
import { cacheVocabulary, tokenCache, type TokenCache } from './token-cache.js';
import type { Vocabulary } from './vocabulary.js';
import type { TrainOptions, TrainResult } from './train-options.js';

export type { TrainOptions, TrainResult, EpochReport } from './train-options.js';

/** Whether the training TSV has text pairs (its first good row has text_b); null when it has no good row. */
async function peekPairData(file: string): Promise<boolean | null> {
  for await (const row of readLabeledTsv(file, { policy: new BadLinePolicy(true) })) return row.textB !== undefined;
  return null;
}

/** What the epochs need of the data, however it was read. */
interface PreparedData {
  epochData: EncodedTrainingData | CachedTrainingData;
  vocabulary: Vocabulary;
  labelMap: LabelMap;
  trainRows: number;
  distillRows: number;
  devRows: number;
  skippedLines: number;
  online: boolean;
  cache: TokenCache | null;
}

/** Online distillation and the CUDA trainer take every row in memory. */
async function prepareInMemory(settings: TrainSettings, rows: TrainingRows): Promise<PreparedData> {
  const h = settings.hyper;
  const data = await encodeTrainingData(rows, {
    segmentation: settings.segmentation,
    towers: settings.towers,
    minCount: h.minCount,
    maxVocab: h.maxVocab,
  });
  return {
    epochData: data,
    vocabulary: data.vocabulary,
    labelMap: rows.labelMap,
    trainRows: rows.train.length,
    distillRows: data.distillRows,
    devRows: rows.dev.length,
    skippedLines: rows.skippedLines,
    online: rows.online.length > 0,
    cache: null,
  };
}

/** Every other run streams: one pass writes (or an earlier run's cache gives) the token cache, epochs read it. */
async function prepareStreamed(
  options: TrainOptions,
  settings: TrainSettings,
  note: (message: string) => void,
): Promise<PreparedData> {
  const h = settings.hyper;
  const cache = await tokenCache({
    train: options.train,
    distill: options.distill ?? [],
    segmentation: settings.segmentation,
    towers: settings.towers,
    skipBadLines: settings.skipBadLines,
    threads: h.threads,
    cacheDir: options.cacheDir ?? null,
    out: options.out ?? null,
    keep: options.keepCache ?? options.cacheDir !== undefined,
    blockRows: options.cacheBlockRows ?? 1024,
  });
  try {
    const { meta } = cache;
    const labelMap = LabelMap.fromLabels(meta.trainLabels);
    const { vocabulary, words, labels } = cacheVocabulary(meta, labelMap, {
      minCount: h.minCount,
      maxVocab: h.maxVocab,
    });
    const policy = new BadLinePolicy(settings.skipBadLines);
    const devRows = options.dev ? await readDevRows(options.dev, policy, labelMap) : [];
    if (settings.towers && options.dev) {
      const missing = devRows.find((r) => r.textB === undefined);
      if (missing)
        throw new InputError(
          'the training set has text pairs (text_b) but this row has no text_b',
          options.dev,
          missing.line,
        );
    }
    const skipped = meta.skippedLines + policy.skipped;
    if (skipped > 0)
      note(`skipped ${skipped} bad line(s); the first: ${meta.firstSkipped ?? policy.firstSkipped!.message}`);
    const dev = await encodeDevSet(devRows, labelMap, vocabulary, {
      segmentation: settings.segmentation,
      towers: settings.towers,
      pairData: settings.pairData === true,
    });
    return {
      epochData: {
        cache: cache.cache,
        tables: { words, labels },
        windowBlocks: options.shuffleWindowBlocks ?? 64,
        dev,
      },
      vocabulary,
      labelMap,
      trainRows: meta.trainRows,
      distillRows: meta.distillRows,
      devRows: devRows.length,
      skippedLines: skipped,
      online: false,
      cache,
    };
  } catch (err) {
    await cache.release();
    throw err;
  }
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  // Every check that needs no data comes before any file is read.
  const flagsOnly = resolveTrainSettings(options, null);
  refuseOutputOverInput(
    { flag: '--out', file: options.out },
    { '--train': options.train, '--dev': options.dev, '--distill': options.distill },
  );
  const note = options.onNote ?? (() => {});
  const cpuOnlyOf = (h: TrainSettings['hyper']) => [
    ...(h.featureDropout > 0 ? [{ flag: '--feature-dropout', what: 'feature dropout' }] : []),
    ...(h.labelSmoothing > 0 ? [{ flag: '--label-smoothing', what: 'label smoothing' }] : []),
  ];
  let settings = flagsOnly;
  let device: 'cpu' | 'cuda' = 'cpu';
  let prepared: PreparedData;
  // A file that cannot be read, or has no good row, is left to the in-memory reader to report.
  const pairData =
    options.online || flagsOnly.device === 'cuda' ? null : await peekPairData(options.train).catch(() => null);
  if (pairData !== null) {
    settings = resolveTrainSettings(options, { pairData });
    device = resolveTrainingDevice(settings.device, settings.kind, settings.towers, cpuOnlyOf(settings.hyper));
  }
  if (pairData !== null && device === 'cpu') {
    prepared = await prepareStreamed(options, settings, note);
  } else {
    const rows = await readTrainingRows(
      { train: options.train, dev: options.dev, distill: options.distill, online: options.online?.rows },
      flagsOnly.skipBadLines,
      note,
    );
    settings = resolveTrainSettings(options, { pairData: hasPairs(rows) });
    if (settings.towers) checkPairRows(rows, options.dev);
    device = resolveTrainingDevice(settings.device, settings.kind, settings.towers, cpuOnlyOf(settings.hyper));
    prepared = await prepareInMemory(settings, rows);
  }
  try {
    return await trainPrepared(options, settings, device, prepared, note);
  } finally {
    await prepared.cache?.release();
  }
}

async function trainPrepared(
  options: TrainOptions,
  settings: TrainSettings,
  device: 'cpu' | 'cuda',
  data: PreparedData,
  note: (message: string) => void,
): Promise<TrainResult> {
  const { kind, towers, hyper: h } = settings;
  const pairData = settings.pairData === true;
  const numLabels = data.labelMap.size;
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
      trainRows: data.trainRows,
      distillRows: data.distillRows,
      online: data.online,
    },
  };
  const modelData = { config: fileConfig, vocabulary: data.vocabulary.words, labels: data.labelMap.labels };
  const model = createNativeModel(config);

  const started = performance.now();
  const run = await runEpochs({
    model,
    data: data.epochData,
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
    devN: data.devRows,
    pair: towers,
    trainSeconds: (performance.now() - started) / 1000,
    tokensPerSecond: run.nativeSeconds > 0 ? run.tokens / run.nativeSeconds : 0,
    trainRows: data.trainRows,
    distillRows: data.distillRows,
    vocabSize: data.vocabulary.size,
    labels: [...data.labelMap.labels],
    skippedLines: data.skippedLines,
    diverged: run.diverged,
    device,
    tokenCache: data.cache ? { file: data.cache.file, reused: data.cache.reused } : null,
  };
}

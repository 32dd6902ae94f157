// train()'s epochs: the native epochs (or online distillation's), dev scores after each, the best epoch kept,
// and a partial model saved when an online teacher goes away for good.
import { InputError } from '../errors.js';
import type { CacheIdTables, EpochOptions, EpochResult, NativeCorpusCache, NativeStudentModel } from './native-api.js';
import { writeModelFile, type StudentModelData, type Weights } from './model-file.js';
import { SeededRandom } from '../util/random.js';
import { batchesPerEpoch, epochOrder } from './epoch-order.js';
import { trainOnlineEpoch, type OnlineTeacher } from './online-epoch.js';
import { scoreLogits, type LogitScores } from './score-logits.js';
import type { DevSet, EncodedTrainingData } from './train-data.js';
import type { TrainHyperParameters, TrainSettings } from './train-settings.js';
import type { EpochReport } from './train-options.js';

/** An epoch that may be kept: its number, its dev scores (null without a dev set) and its weights. */
export interface KeptEpoch {
  epoch: number;
  dev: LogitScores | null;
  weights: Weights;
}

/**
 * Whether an epoch's dev scores make it the best so far: the first finite epoch always is; then a strictly
 * higher dev accuracy (the earlier epoch wins ties); without a dev set, every finite epoch (the last is kept).
 */
export function isBestEpoch(dev: LogitScores | null, best: Pick<KeptEpoch, 'dev'> | null): boolean {
  return !best || !best.dev || (dev !== null && dev.accuracy > best.dev.accuracy);
}

/** The distillation temperature of an epoch: T throughout, or annealed linearly from T to 1 over the epochs. */
export function epochTemperature(
  temperature: number,
  schedule: 'constant' | 'linear',
  epoch: number,
  epochs: number,
): number {
  return schedule === 'linear' && epochs > 1
    ? temperature + ((1 - temperature) * (epoch - 1)) / (epochs - 1)
    : temperature;
}

/** A model's scores on the dev set. */
export async function scoreDevSet(
  model: Pick<NativeStudentModel, 'predictRows'>,
  dev: DevSet,
  numLabels: number,
  threads: number,
): Promise<LogitScores> {
  const logits = await model.predictRows(dev.rows, threads);
  return scoreLogits(logits, numLabels, dev.gold, { queries: dev.queries });
}

/** Training rows streamed from a token cache (src/student/token-cache.ts), and the dev set in memory. */
export interface CachedTrainingData {
  cache: NativeCorpusCache;
  tables: CacheIdTables;
  /** Blocks read and shuffled together. */
  windowBlocks: number;
  dev: DevSet | null;
}

export interface EpochRunInput {
  model: NativeStudentModel;
  data: EncodedTrainingData | CachedTrainingData;
  numLabels: number;
  settings: Pick<TrainSettings, 'hyper' | 'temperatureSchedule'>;
  device: 'cpu' | 'cuda';
  online?: OnlineTeacher;
  /** The model file train() writes: an online run that loses its teacher saves beside it (.partial.bin). */
  out?: string;
  /** What a saved model holds besides its weights. */
  modelData: Omit<StudentModelData, 'weights'>;
  /** The training TSV, named when the first epoch diverges. */
  trainFile: string;
  onEpoch?: (report: EpochReport) => void;
  note: (message: string) => void;
}

export interface EpochRun {
  best: KeptEpoch;
  /** Epochs that finished with a finite loss. */
  epochsRun: number;
  tokens: number;
  nativeSeconds: number;
  /** An epoch's loss went NaN/Inf: the run stopped there. */
  diverged: boolean;
}

function allFinite(weights: Weights): boolean {
  for (const tensor of Object.values(weights)) {
    const data = tensor.data;
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) return false;
  }
  return true;
}

export async function runEpochs(input: EpochRunInput): Promise<EpochRun> {
  const { model, data, numLabels, online, note } = input;
  const h: TrainHyperParameters = input.settings.hyper;
  const cached = 'cache' in data ? data : null;
  const memory = 'cache' in data ? null : data;
  const supervised = Int32Array.from({ length: memory?.supervisedRows ?? 0 }, (_, i) => i);
  const distill = Int32Array.from({ length: memory?.distillRows ?? 0 }, (_, i) => supervised.length + i);
  const seedOf = (epoch: number): number => (h.seed + epoch) >>> 0;
  // A streamed epoch's steps depend on how its seed groups the blocks into windows.
  const epochSteps = Array.from({ length: h.epochs }, (_, i) =>
    cached
      ? cached.cache.epochSteps(h.batchSize, seedOf(i + 1), cached.windowBlocks)
      : batchesPerEpoch(supervised.length, distill.length, h.batchSize),
  );
  const totalSteps = epochSteps.reduce((a, b) => a + b, 0);
  const random = new SeededRandom(h.seed);

  let best: KeptEpoch | null = null;
  let tokens = 0;
  let nativeSeconds = 0;
  let diverged = false;
  let epochsRun = 0;
  let stepOffset = 0;
  for (let epoch = 1; epoch <= h.epochs; epoch++) {
    const options: Omit<EpochOptions, 'order' | 'device'> = {
      batchSize: h.batchSize,
      lr: h.lr,
      stepOffset,
      totalSteps,
      warmupSteps: Math.round(h.warmup * totalSteps),
      weightDecay: h.weightDecay,
      clipNorm: h.clipNorm,
      temperature: epochTemperature(h.temperature, input.settings.temperatureSchedule, epoch, h.epochs),
      alpha: h.alpha,
      threads: h.threads,
      seed: seedOf(epoch),
      wordDropout: h.wordDropout,
      featureDropout: h.featureDropout,
      labelSmoothing: h.labelSmoothing,
    };
    stepOffset += epochSteps[epoch - 1]!;
    let result: EpochResult;
    try {
      if (cached) {
        result = await model.trainCacheEpoch(cached.cache, cached.tables, {
          ...options,
          windowBlocks: cached.windowBlocks,
        });
      } else {
        const order = epochOrder(supervised, distill, h.batchSize, random);
        const epochOptions: EpochOptions = { ...options, order, device: input.device };
        result = online
          ? await trainOnlineEpoch(model, memory!.set, numLabels, memory!.firstOnlineRow, online, epochOptions)
          : await model.trainEpoch(memory!.set, epochOptions);
      }
    } catch (err) {
      // The teacher service went away for good: keep what was learned so far, under a name that says so.
      if (!online || !input.out) throw err;
      const partial = input.out.replace(/(\.bin)?$/, '.partial.bin');
      const weights = model.getWeights();
      if (allFinite(weights)) await writeModelFile(partial, { ...input.modelData, weights });
      throw new InputError(
        `${(err as Error).message.split('\n')[0]} (the student trained so far is saved as ${partial})`,
      );
    }
    if (!result.finite || !Number.isFinite(result.loss)) {
      diverged = true;
      if (best)
        note(
          data.dev
            ? `epoch ${epoch} diverged (NaN/Inf loss); stopped and kept epoch ${best.epoch} (try a lower --lr)`
            : `epoch ${epoch} diverged (NaN/Inf loss); stopped and kept the weights before its bad step (try a lower --lr)`,
        );
      break;
    }
    epochsRun = epoch;
    tokens += result.tokens;
    nativeSeconds += result.seconds;
    const dev = data.dev ? await scoreDevSet(model, data.dev, numLabels, h.threads) : null;
    const isBest = isBestEpoch(dev, best);
    if (isBest) {
      // Without a dev set the last finite epoch wins: its weights are copied once, after the loop (a copy per
      // epoch would hold two copies of the embedding until the garbage collector frees the older).
      if (best) best.weights = {};
      best = { epoch, dev, weights: data.dev ? model.getWeights() : {} };
    }
    const report: EpochReport = {
      epoch,
      epochs: h.epochs,
      loss: result.loss,
      seconds: result.seconds,
      tokensPerSecond: result.seconds > 0 ? result.tokens / result.seconds : 0,
      best: isBest,
    };
    if (dev) {
      report.devAccuracy = dev.accuracy;
      report.devMacroF1 = dev.macroF1;
      if (dev.posNeg) report.devPosNegRatio = dev.posNeg.ratio;
    }
    input.onEpoch?.(report);
  }
  if (!best)
    throw new InputError(
      `training diverged in the first epoch (NaN/Inf loss); no model written (try a lower --lr)`,
      input.trainFile,
    );
  if (!data.dev) best.weights = model.getWeights();
  if (!allFinite(best.weights))
    throw new Error('training produced non-finite weights; no model written (try a lower --lr)');
  return { best, epochsRun, tokens, nativeSeconds, diverged };
}

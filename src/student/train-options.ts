// What train() takes and what it reports: its options, the per-epoch report and the result.
import type { Student } from './student.js';
import type { StudentKind } from './native-api.js';
import type { OnlineTeacher } from './online-epoch.js';
import type { TrainingDevice } from './training-device.js';

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
  /**
   * Where the token cache goes (the training and teacher-labeled rows as word ids, written in one pass and
   * streamed by the epochs); given, the cache is kept and reused by later runs with the same inputs and settings.
   * Default: next to `out` (or in the OS temporary folder), removed when training ends.
   */
  cacheDir?: string;
  /** Keep the token cache (in its default folder) for later runs. */
  keepCache?: boolean;
  /** Rows per token-cache block (default 1024). */
  cacheBlockRows?: number;
  /** Token-cache blocks read and shuffled together (default 64). */
  shuffleWindowBlocks?: number;
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
  /** The token cache the epochs read (null: the rows were held in memory), and whether an earlier run made it. */
  tokenCache: { file: string; reused: boolean } | null;
}

// train()'s settings: one table of its flags (CLI name, description, default per student, check and message),
// read both by resolveTrainSettings() and by the CLI's help, so the two cannot drift apart.
import os from 'node:os';
import { UsageError } from '../errors.js';
import { SEED_RANGE, describeRange, inRange, type NumberRange } from '../util/number-range.js';
import type { StudentKind } from './native-api.js';
import type { SegmentationSettings } from './segmentation.js';
import type { TrainOptions } from './train-options.js';
import type { TrainingDevice } from './training-device.js';

export const STUDENT_KINDS = ['bow', 'cnn', 'lstm'] as const satisfies readonly StudentKind[];
export const SEGMENTERS = ['jieba', 'char'] as const;

/** What a default depends on: the student kind, bigrams, and whether the model reads a pair with two towers. */
export interface TrainVariant {
  kind: StudentKind;
  ngrams: 1 | 2;
  pair: boolean;
}

/** What the settings need to know of the data: whether the training TSV has text pairs (a text_b column). */
export interface TrainDataShape {
  pairData: boolean;
}

/** What a default needs to know of the machine. */
export interface TrainMachine {
  cores: number;
}

export type TrainFlagValue = number | string | boolean;

/** The TrainOptions fields that are settings (the rest are files and callbacks). */
export type TrainSettingName = Exclude<
  keyof TrainOptions,
  'train' | 'dev' | 'distill' | 'out' | 'online' | 'onEpoch' | 'onNote'
>;

interface CheckContext {
  /** The flags resolved so far (those above in the table). */
  values: Readonly<Partial<Record<TrainSettingName, TrainFlagValue>>>;
  /** The user set this flag. */
  given: boolean;
  /** Null before the data is read: checks that need it wait for the second call. */
  data: TrainDataShape | null;
  options: TrainOptions;
}

export interface TrainFlag {
  /** The CLI flag, without the dashes. */
  flag: string;
  option: TrainSettingName;
  type: 'number' | 'string' | 'boolean';
  /** The CLI's description; the default is added from `default`. */
  describe: string;
  choices?: readonly (string | number)[];
  /** The default, constant or per student (then shown per student in the help). */
  default: TrainFlagValue | ((variant: TrainVariant, machine: TrainMachine) => TrainFlagValue);
  /** Said in the help after the default, e.g. what 0 means. */
  note?: string;
  /** How the help names a default that depends on the machine. */
  defaultText?: string;
  /** How the help shows a default value (e.g. 0 as "all"). */
  formatDefault?: (value: TrainFlagValue) => string;
  /** Students the flag applies to; for the others it is ignored and the default holds. */
  appliesTo?: (variant: TrainVariant) => boolean;
  /** The default only holds where the data asks for the flag: the CLI leaves it unset. */
  onlyWhenGiven?: boolean;
  /** The message when the value is wrong, else null. Checks run in table order. */
  check?: (value: TrainFlagValue, context: CheckContext) => string | null;
}

/** "a, b or c" */
function oneOf(choices: readonly (string | number)[]): string {
  return choices.length < 2
    ? String(choices[0])
    : `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
}

const choice = (flag: string, choices: readonly (string | number)[]) => (value: TrainFlagValue) =>
  (choices as readonly TrainFlagValue[]).includes(value) ? null : `--${flag} must be ${oneOf(choices)}, got ${value}`;
/** A number within its range (the rule every command's numeric flags follow), else the message. */
const ranged = (flag: string, range: NumberRange) => (value: TrainFlagValue) =>
  inRange(value, range) ? null : `--${flag} must be ${describeRange(range)}, got ${value}`;
const positive = (flag: string, integer: boolean) => ranged(flag, integer ? { integer: true, min: 1 } : { above: 0 });
const fraction =
  (flag: string, what = '') =>
  (value: TrainFlagValue) =>
    (value as number) >= 0 && (value as number) < 1 ? null : `--${flag} must be ${what}within [0, 1), got ${value}`;

/** Per-student defaults: one-text ones (`bigrams`: bow with hashed bigrams, else as bow), and two-tower ones. */
function perKind(one: Record<StudentKind, number> & { bigrams?: number }, towers?: Record<StudentKind, number>) {
  return (v: TrainVariant): number => {
    if (v.pair && towers) return towers[v.kind];
    return v.kind === 'bow' && v.ngrams === 2 ? (one.bigrams ?? one.bow) : one[v.kind];
  };
}
const oneOrTowers = (one: number, towers: number) => (v: TrainVariant) => (v.pair ? towers : one);
const allOr = (value: TrainFlagValue) => (value === 0 ? 'all' : String(value));

/**
 * Every train() setting, in the order they are checked. Defaults were found on ChnSentiCorp dev with
 * bench/student.js; the two-tower ones on LCQMC dev with bench/pairs.js.
 */
export const TRAIN_FLAGS: readonly TrainFlag[] = [
  {
    flag: 'model',
    option: 'model',
    type: 'string',
    describe: 'student kind (for text pairs: the encoder of both towers)',
    choices: STUDENT_KINDS,
    default: 'bow',
    check: choice('model', STUDENT_KINDS),
  },
  {
    flag: 'ngrams',
    option: 'ngrams',
    type: 'number',
    describe: '2 adds hashed word bigrams (bow)',
    choices: [1, 2],
    default: 1,
    check: (value, { values }) =>
      choice('ngrams', [1, 2])(value) ??
      (value === 2 && values.model !== 'bow' ? '--ngrams 2 applies to --model bow only' : null),
  },
  {
    flag: 'pairs',
    option: 'pairs',
    type: 'string',
    describe:
      "text pairs (data with text_b): two towers sharing one encoder (default), or text_b's words appended to text_a's",
    choices: ['towers', 'concat'],
    default: 'towers',
    onlyWhenGiven: true,
    check: (value, { given, data, options }) =>
      choice('pairs', ['towers', 'concat'])(value) ??
      (given && data && !data.pairData
        ? `--pairs applies to training data with a text_b column (${options.train} has none)`
        : null),
  },
  {
    flag: 'epochs',
    option: 'epochs',
    type: 'number',
    describe: 'epochs',
    // 6 lstm epochs: ChnSentiCorp dev 92.0% (best epoch 5) where 4 stopped at 89.9-90.9% while still improving.
    // 12,500 LCQMC pairs overfit within a few epochs.
    default: perKind({ bow: 6, bigrams: 10, cnn: 8, lstm: 6 }, { bow: 3, cnn: 10, lstm: 4 }),
    check: positive('epochs', true),
  },
  {
    flag: 'batch-size',
    option: 'batchSize',
    type: 'number',
    describe: 'rows per batch',
    default: perKind({ bow: 16, cnn: 16, lstm: 32 }),
    check: positive('batch-size', true),
  },
  {
    flag: 'emb-dim',
    option: 'embDim',
    type: 'number',
    describe: 'word embedding size',
    default: 128,
    check: positive('emb-dim', true),
  },
  {
    flag: 'hidden',
    option: 'hidden',
    type: 'number',
    describe: 'hidden size',
    default: perKind({ bow: 64, cnn: 128, lstm: 128 }),
    check: positive('hidden', true),
  },
  {
    flag: 'threads',
    option: 'threads',
    type: 'number',
    describe: 'training threads',
    note: '1 is bit-for-bit reproducible',
    default: (_, machine) => Math.max(1, machine.cores),
    defaultText: 'all cores',
    check: positive('threads', true),
  },
  {
    flag: 'seed',
    option: 'seed',
    type: 'number',
    describe: 'random seed',
    default: 1,
    check: ranged('seed', SEED_RANGE),
  },
  {
    flag: 'min-count',
    option: 'minCount',
    type: 'number',
    describe: 'drop words seen fewer times',
    // Two towers: words seen once still tell two texts apart.
    default: oneOrTowers(2, 1),
    check: positive('min-count', true),
  },
  {
    flag: 'max-vocab',
    option: 'maxVocab',
    type: 'number',
    describe: 'keep at most this many words',
    default: 0,
    formatDefault: allOr,
    check: ranged('max-vocab', { integer: true, min: 0 }),
  },
  {
    flag: 'lr',
    option: 'lr',
    type: 'number',
    describe: 'peak learning rate of AdamW',
    default: perKind({ bow: 3e-3, cnn: 2e-3, lstm: 2e-3 }),
    check: positive('lr', false),
  },
  {
    flag: 'weight-decay',
    option: 'weightDecay',
    type: 'number',
    describe: 'AdamW decoupled weight decay',
    default: perKind({ bow: 0, cnn: 0.01, lstm: 0.01 }),
    check: ranged('weight-decay', { min: 0 }),
  },
  {
    flag: 'temperature',
    option: 'temperature',
    type: 'number',
    describe: 'distillation temperature T',
    default: 1,
    check: positive('temperature', false),
  },
  {
    flag: 'temperature-schedule',
    option: 'temperatureSchedule',
    type: 'string',
    describe: 'linear: anneal T to 1 over the epochs',
    choices: ['constant', 'linear'],
    default: 'constant',
    check: choice('temperature-schedule', ['constant', 'linear']),
  },
  {
    flag: 'alpha',
    option: 'alpha',
    type: 'number',
    describe: 'weight of the soft loss against the hard one',
    default: 0.5,
    check: (value) =>
      (value as number) >= 0 && (value as number) <= 1 ? null : `--alpha must be within [0, 1], got ${value}`,
  },
  {
    flag: 'word-dropout',
    option: 'wordDropout',
    type: 'number',
    describe: 'leave each training token out with this probability',
    // Hashed bigrams overfit fast (most occur once); word dropout makes up for it. cnn: 0.4 measured best on
    // ChnSentiCorp dev (0.2: 90.9%; 0.4: 91.7, 91.7, 90.9% at seeds 1-3; 0.5: 91.0%); bigrams: 0.4 gave
    // 90.75/90.92/91.08% at seeds 1-3 (0.3: 90.50/91.17/90.67%).
    default: perKind({ bow: 0, bigrams: 0.4, cnn: 0.4, lstm: 0.1 }),
    check: fraction('word-dropout'),
  },
  {
    flag: 'feature-dropout',
    option: 'featureDropout',
    type: 'number',
    describe: 'zero each unit of the encoder output with this probability before the head',
    // 0.3-0.5 lowered cnn's ChnSentiCorp dev accuracy (91.0%).
    default: 0,
    check: fraction('feature-dropout'),
  },
  {
    flag: 'label-smoothing',
    option: 'labelSmoothing',
    type: 'number',
    describe: 'hard labels become 1 - eps on the label and eps/labels on every label',
    // cnn 0.2: dev mean 91.76% over seeds 1-8 (0.1: 91.67%; none: 91.42%, lower on 6 of 8 seeds). Measured on
    // one-text cnn only: pair models keep plain hard labels.
    default: perKind({ bow: 0, cnn: 0.2, lstm: 0 }, { bow: 0, cnn: 0, lstm: 0 }),
    check: fraction('label-smoothing'),
  },
  {
    flag: 'warmup',
    option: 'warmup',
    type: 'number',
    describe: 'linear warm-up, as a fraction of all steps',
    default: 0.05,
    check: fraction('warmup', 'a fraction '),
  },
  {
    flag: 'clip-norm',
    option: 'clipNorm',
    type: 'number',
    describe: 'global gradient-norm clipping',
    note: '0 = off',
    default: 5,
    check: ranged('clip-norm', { min: 0 }),
  },
  {
    flag: 'buckets',
    option: 'buckets',
    type: 'number',
    describe: 'hash buckets for bigrams',
    default: perKind({ bow: 0, bigrams: 200_000, cnn: 0, lstm: 0 }),
    appliesTo: (v) => v.ngrams === 2,
    check: positive('buckets', true),
  },
  {
    flag: 'match-hidden',
    option: 'matchHidden',
    type: 'number',
    describe: 'two towers: tanh units between [u, v, |u-v|, u*v] and the logits',
    note: '0: none',
    default: oneOrTowers(0, 64),
    check: (value, { data, values }) => {
      if (!(Number.isInteger(value) && (value as number) >= 0))
        return `--match-hidden must be a whole number, got ${value}`;
      const towers = data !== null && data.pairData && values.pairs === 'towers';
      return data && !towers && (value as number) > 0
        ? '--match-hidden applies to two-tower pair models only (training data with text_b)'
        : null;
    },
  },
  {
    flag: 'segmenter',
    option: 'segmenter',
    type: 'string',
    describe: 'words of the text: jieba, or each Chinese character',
    choices: SEGMENTERS,
    default: 'jieba',
    check: choice('segmenter', SEGMENTERS),
  },
  {
    flag: 'segmented',
    option: 'segmented',
    type: 'boolean',
    describe: 'the text is already space-separated words',
    default: false,
  },
  {
    flag: 'max-words',
    option: 'maxWords',
    type: 'number',
    describe: 'words per row kept',
    default: perKind({ bow: 0, cnn: 256, lstm: 256 }),
    formatDefault: allOr,
    check: ranged('max-words', { integer: true, min: 0 }),
  },
  {
    flag: 'skip-bad-lines',
    option: 'skipBadLines',
    type: 'boolean',
    describe: 'skip malformed rows and report how many',
    default: false,
  },
  {
    flag: 'device',
    option: 'device',
    type: 'string',
    // Checked with what the machine has, once the data tells whether the model has two towers (training-device.ts).
    describe: 'cuda: train a bow student on the GPU; auto: the GPU when there is one',
    choices: ['auto', 'cpu', 'cuda'],
    default: 'cpu',
  },
];

/** The hyper-parameters as the model file records them (in this order). */
export interface TrainHyperParameters {
  epochs: number;
  batchSize: number;
  lr: number;
  embDim: number;
  hidden: number;
  buckets: number;
  temperature: number;
  alpha: number;
  threads: number;
  seed: number;
  minCount: number;
  maxVocab: number;
  weightDecay: number;
  warmup: number;
  clipNorm: number;
  wordDropout: number;
  featureDropout: number;
  labelSmoothing: number;
  matchHidden: number;
}

export interface TrainSettings {
  kind: StudentKind;
  ngrams: 1 | 2;
  pairsMode: 'towers' | 'concat';
  /** The training data has text pairs; null before the data is read. */
  pairData: boolean | null;
  /** The model reads text pairs with two towers. */
  towers: boolean;
  temperatureSchedule: 'constant' | 'linear';
  /** The device as asked (resolveTrainingDevice decides). */
  device: TrainingDevice;
  skipBadLines: boolean;
  segmentation: SegmentationSettings;
  hyper: TrainHyperParameters;
}

const currentMachine = (): TrainMachine => ({ cores: os.availableParallelism() });

/**
 * Defaults and checks of train()'s options, with no file read. Called once before the data with `data` null
 * (every check that needs no data, one-text defaults), and again with the data's shape (two-tower defaults and
 * the checks that need the data). A wrong value throws UsageError with its one-line message.
 */
export function resolveTrainSettings(
  options: TrainOptions,
  data: TrainDataShape | null,
  machine: TrainMachine = currentMachine(),
): TrainSettings {
  const values: Partial<Record<TrainSettingName, TrainFlagValue>> = {};
  let variant: TrainVariant | null = null;
  // The variant is known once model, ngrams and pairs (the table's first rows) are.
  const variantNow = (): TrainVariant =>
    (variant ??= {
      kind: values.model as StudentKind,
      ngrams: values.ngrams as 1 | 2,
      pair: data?.pairData === true && values.pairs === 'towers',
    });
  for (const flag of TRAIN_FLAGS) {
    const given = options[flag.option] !== undefined;
    const fallback = () => (typeof flag.default === 'function' ? flag.default(variantNow(), machine) : flag.default);
    const applies = flag.appliesTo ? flag.appliesTo(variantNow()) : true;
    const value = applies && given ? (options[flag.option] as TrainFlagValue) : fallback();
    if (applies) {
      const message = flag.check?.(value, { values, given, data, options });
      if (message) throw new UsageError(message);
    }
    values[flag.option] = value;
  }
  // Every value passed its check above (choices included), so each field has the type its setting names.
  const v = values as Record<TrainSettingName, never>;
  const towers = variantNow().pair;
  return {
    kind: v.model,
    ngrams: v.ngrams,
    pairsMode: v.pairs,
    pairData: data ? data.pairData : null,
    towers,
    temperatureSchedule: v.temperatureSchedule,
    device: v.device,
    skipBadLines: v.skipBadLines,
    segmentation: {
      segmenter: v.segmented ? 'whitespace' : v.segmenter,
      hmm: false,
      lowercase: true,
      maxWords: v.maxWords,
    },
    hyper: {
      epochs: v.epochs,
      batchSize: v.batchSize,
      lr: v.lr,
      embDim: v.embDim,
      hidden: v.hidden,
      buckets: v.buckets,
      temperature: v.temperature,
      alpha: v.alpha,
      threads: v.threads,
      seed: v.seed,
      minCount: v.minCount,
      maxVocab: v.maxVocab,
      weightDecay: v.weightDecay,
      warmup: v.warmup,
      clipNorm: v.clipNorm,
      wordDropout: v.wordDropout,
      featureDropout: v.featureDropout,
      labelSmoothing: v.labelSmoothing,
      matchHidden: v.matchHidden,
    },
  };
}

const ONE_TEXT_VARIANTS: readonly [string, TrainVariant][] = [
  ['bow', { kind: 'bow', ngrams: 1, pair: false }],
  ['bow with bigrams', { kind: 'bow', ngrams: 2, pair: false }],
  ['cnn', { kind: 'cnn', ngrams: 1, pair: false }],
  ['lstm', { kind: 'lstm', ngrams: 1, pair: false }],
];
const TWO_TOWER_VARIANTS: readonly [string, TrainVariant][] = STUDENT_KINDS.map((kind) => [
  kind,
  { kind, ngrams: 1, pair: true },
]);

/** "bow/cnn 16, lstm 32" (neighbours with one value share it), or the value alone when every student has the same. */
function defaultsOf(flag: TrainFlag, variants: readonly [string, TrainVariant][], machine: TrainMachine): string {
  const format = flag.formatDefault ?? String;
  const shown = variants
    .filter(([, v]) => !flag.appliesTo || flag.appliesTo(v))
    .map(([name, v]) => [name, format(defaultFor(flag, v, machine))] as const);
  // Bigrams that change nothing are not worth a name of their own.
  const bigrams = shown.find(([name]) => name === 'bow with bigrams');
  const kept =
    bigrams && shown.find(([name]) => name === 'bow')?.[1] === bigrams[1] ? shown.filter((s) => s !== bigrams) : shown;
  const groups: { names: string[]; value: string }[] = [];
  for (const [name, value] of kept) {
    const last = groups[groups.length - 1];
    if (last?.value === value) last.names.push(name);
    else groups.push({ names: [name], value });
  }
  if (new Set(kept.map(([, value]) => value)).size === 1) return kept[0]![1];
  return groups.map((g) => `${g.names.join('/')} ${g.value}`).join(', ');
}

function defaultFor(flag: TrainFlag, variant: TrainVariant, machine: TrainMachine): TrainFlagValue {
  return typeof flag.default === 'function' ? flag.default(variant, machine) : flag.default;
}

/** A flag's CLI description with its default(s), e.g. "epochs (default: bow 6, ..., lstm 6; two towers: bow 3, ...)". */
export function describeTrainFlag(flag: TrainFlag, machine: TrainMachine = currentMachine()): string {
  const note = flag.note ? `; ${flag.note}` : '';
  if (flag.defaultText) return `${flag.describe} (default: ${flag.defaultText}${note})`;
  if (typeof flag.default !== 'function')
    return `${flag.describe} (default ${(flag.formatDefault ?? String)(flag.default)}${note})`;
  const perStudent = (text: string) => (text.includes(' ') ? `: ${text}` : ` ${text}`);
  const one = defaultsOf(flag, ONE_TEXT_VARIANTS, machine);
  const sameForTowers = TWO_TOWER_VARIANTS.every(
    ([, v]) => defaultFor(flag, v, machine) === defaultFor(flag, { ...v, pair: false }, machine),
  );
  const towers = sameForTowers ? '' : `; two towers${perStudent(defaultsOf(flag, TWO_TOWER_VARIANTS, machine))}`;
  return `${flag.describe} (default${perStudent(one)}${towers}${note})`;
}

/** The default value of every setting for a student (for benches and tests). */
export function trainDefaults(
  variant: TrainVariant,
  machine: TrainMachine = currentMachine(),
): Record<TrainSettingName, TrainFlagValue> {
  return Object.fromEntries(TRAIN_FLAGS.map((f) => [f.option, defaultFor(f, variant, machine)])) as Record<
    TrainSettingName,
    TrainFlagValue
  >;
}

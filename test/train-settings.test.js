// resolveTrainSettings without files: the defaults per student, bigrams and two towers, each check's exact
// message, and the CLI's help read from the same table; the best-epoch choice and the temperature schedule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../dist/index.js';
import { TRAIN_FLAGS, describeTrainFlag, resolveTrainSettings } from '../dist/student/train-settings.js';
import { epochTemperature, isBestEpoch } from '../dist/student/train-epochs.js';
import { cli } from './student-fixtures.js';

const machine = { cores: 6 };
const resolve = (options, data = null) => resolveTrainSettings({ train: 'train.tsv', ...options }, data, machine);
const ONE_TEXT = { pairData: false };
const PAIRS = { pairData: true };

test('one-text defaults per student kind and bigrams', () => {
  const bow = resolve({}, ONE_TEXT);
  assert.equal(bow.kind, 'bow');
  assert.equal(bow.ngrams, 1);
  assert.equal(bow.towers, false);
  assert.deepEqual(bow.hyper, {
    epochs: 6,
    batchSize: 16,
    lr: 3e-3,
    embDim: 128,
    hidden: 64,
    buckets: 0,
    temperature: 1,
    alpha: 0.5,
    threads: 6,
    seed: 1,
    minCount: 2,
    maxVocab: 0,
    weightDecay: 0,
    warmup: 0.05,
    clipNorm: 5,
    wordDropout: 0,
    featureDropout: 0,
    labelSmoothing: 0,
    matchHidden: 0,
  });
  assert.deepEqual(bow.segmentation, { segmenter: 'jieba', hmm: false, lowercase: true, maxWords: 0 });
  assert.equal(bow.temperatureSchedule, 'constant');
  assert.equal(bow.device, 'cpu');

  const bigrams = resolve({ ngrams: 2 }, ONE_TEXT).hyper;
  assert.deepEqual([bigrams.epochs, bigrams.buckets, bigrams.wordDropout, bigrams.lr], [10, 200_000, 0.4, 3e-3]);

  const cnn = resolve({ model: 'cnn' }, ONE_TEXT);
  assert.deepEqual(
    [
      cnn.hyper.epochs,
      cnn.hyper.batchSize,
      cnn.hyper.lr,
      cnn.hyper.hidden,
      cnn.hyper.weightDecay,
      cnn.hyper.wordDropout,
      cnn.hyper.labelSmoothing,
      cnn.segmentation.maxWords,
    ],
    [8, 16, 2e-3, 128, 0.01, 0.4, 0.2, 256],
  );
  const lstm = resolve({ model: 'lstm' }, ONE_TEXT);
  assert.deepEqual(
    [
      lstm.hyper.epochs,
      lstm.hyper.batchSize,
      lstm.hyper.lr,
      lstm.hyper.hidden,
      lstm.hyper.weightDecay,
      lstm.hyper.wordDropout,
      lstm.hyper.labelSmoothing,
      lstm.segmentation.maxWords,
    ],
    [6, 32, 2e-3, 128, 0.01, 0.1, 0, 256],
  );
  // Before the data is read the settings are the one-text ones.
  assert.deepEqual(resolve({ model: 'cnn' }).hyper, cnn.hyper);
  assert.equal(resolve({}).pairData, null);
});

test('two-tower defaults: epochs per kind, min-count 1, match-hidden 64, no label smoothing; concat keeps one-text defaults', () => {
  for (const [model, epochs] of [
    ['bow', 3],
    ['cnn', 10],
    ['lstm', 4],
  ]) {
    const s = resolve({ model }, PAIRS);
    assert.equal(s.towers, true);
    assert.equal(s.pairData, true);
    assert.deepEqual(
      [s.hyper.epochs, s.hyper.minCount, s.hyper.matchHidden, s.hyper.labelSmoothing],
      [epochs, 1, 64, 0],
      model,
    );
    const one = resolve({ model }, ONE_TEXT);
    assert.deepEqual(
      [s.hyper.batchSize, s.hyper.lr, s.hyper.hidden, s.hyper.wordDropout],
      [one.hyper.batchSize, one.hyper.lr, one.hyper.hidden, one.hyper.wordDropout],
      model,
    );
  }
  const bigramTowers = resolve({ ngrams: 2 }, PAIRS).hyper;
  assert.deepEqual([bigramTowers.epochs, bigramTowers.buckets, bigramTowers.wordDropout], [3, 200_000, 0.4]);
  const concat = resolve({ model: 'cnn', pairs: 'concat' }, PAIRS);
  assert.equal(concat.towers, false);
  assert.equal(concat.pairsMode, 'concat');
  assert.deepEqual(concat.hyper, resolve({ model: 'cnn' }, ONE_TEXT).hyper);
});

test('given options win over defaults; bigram buckets are ignored without bigrams; segmented text splits on spaces', () => {
  const s = resolve(
    {
      model: 'cnn',
      epochs: 2,
      lr: 0.01,
      minCount: 3,
      labelSmoothing: 0,
      threads: 1,
      seed: 9,
      maxWords: 10,
      segmenter: 'char',
    },
    PAIRS,
  );
  assert.deepEqual(
    [s.hyper.epochs, s.hyper.lr, s.hyper.minCount, s.hyper.labelSmoothing, s.hyper.threads, s.hyper.seed],
    [2, 0.01, 3, 0, 1, 9],
  );
  assert.deepEqual(s.segmentation, { segmenter: 'char', hmm: false, lowercase: true, maxWords: 10 });
  assert.equal(resolve({ buckets: 0 }, ONE_TEXT).hyper.buckets, 0);
  assert.equal(resolve({ ngrams: 2, buckets: 1000 }, ONE_TEXT).hyper.buckets, 1000);
  assert.equal(resolve({ segmented: true, segmenter: 'char' }).segmentation.segmenter, 'whitespace');
  assert.equal(resolveTrainSettings({ train: 't' }, null, { cores: 0 }).hyper.threads, 1, 'at least one thread');
});

test('each check throws UsageError with its exact message', () => {
  const cases = [
    [{ model: 'gru' }, null, '--model must be bow, cnn or lstm, got gru'],
    [{ ngrams: 3 }, null, '--ngrams must be 1 or 2, got 3'],
    [{ ngrams: 2, model: 'cnn' }, null, '--ngrams 2 applies to --model bow only'],
    [{ pairs: 'side' }, null, '--pairs must be towers or concat, got side'],
    [{ epochs: 0 }, null, '--epochs must be a positive integer, got 0'],
    [{ epochs: 1.5 }, null, '--epochs must be a positive integer, got 1.5'],
    [{ batchSize: -1 }, null, '--batch-size must be a positive integer, got -1'],
    [{ embDim: 0 }, null, '--emb-dim must be a positive integer, got 0'],
    [{ hidden: 0 }, null, '--hidden must be a positive integer, got 0'],
    [{ threads: 0 }, null, '--threads must be a positive integer, got 0'],
    [{ minCount: 0 }, null, '--min-count must be a positive integer, got 0'],
    [{ lr: 0 }, null, '--lr must be a positive number, got 0'],
    [{ lr: NaN }, null, '--lr must be a positive number, got NaN'],
    [{ lr: Infinity }, null, '--lr must be a positive number, got Infinity'],
    [{ seed: -1 }, null, '--seed must be an integer from 0 to 4294967295, got -1'],
    [{ seed: 2 ** 32 }, null, '--seed must be an integer from 0 to 4294967295, got 4294967296'],
    [{ maxVocab: -1 }, null, '--max-vocab must be a whole number, got -1'],
    [{ weightDecay: -0.1 }, null, '--weight-decay must be a number >= 0, got -0.1'],
    [{ clipNorm: -1 }, null, '--clip-norm must be a number >= 0, got -1'],
    [{ maxWords: 2.5 }, null, '--max-words must be a whole number, got 2.5'],
    [{ temperature: -1 }, null, '--temperature must be a positive number, got -1'],
    [{ temperatureSchedule: 'cosine' }, null, '--temperature-schedule must be constant or linear, got cosine'],
    [{ alpha: 1.5 }, null, '--alpha must be within [0, 1], got 1.5'],
    [{ wordDropout: 1 }, null, '--word-dropout must be within [0, 1), got 1'],
    [{ featureDropout: 1 }, null, '--feature-dropout must be within [0, 1), got 1'],
    [{ labelSmoothing: -0.1 }, null, '--label-smoothing must be within [0, 1), got -0.1'],
    [{ warmup: 1 }, null, '--warmup must be a fraction within [0, 1), got 1'],
    [{ ngrams: 2, buckets: 0 }, null, '--buckets must be a positive integer, got 0'],
    [{ matchHidden: -1 }, null, '--match-hidden must be a whole number, got -1'],
    [{ matchHidden: 1.5 }, PAIRS, '--match-hidden must be a whole number, got 1.5'],
    [{ segmenter: 'spaces' }, null, '--segmenter must be jieba or char, got spaces'],
    // Checks that need the data.
    [{ pairs: 'towers' }, ONE_TEXT, '--pairs applies to training data with a text_b column (train.tsv has none)'],
    [{ matchHidden: 8 }, ONE_TEXT, '--match-hidden applies to two-tower pair models only (training data with text_b)'],
    [
      { matchHidden: 8, pairs: 'concat' },
      PAIRS,
      '--match-hidden applies to two-tower pair models only (training data with text_b)',
    ],
    // The first wrong flag in the table's order is the one named.
    [{ lr: 0, epochs: 0 }, null, '--epochs must be a positive integer, got 0'],
  ];
  for (const [options, data, message] of cases) {
    assert.throws(
      () => resolve(options, data),
      (err) => err instanceof UsageError && err.message === message,
      `${JSON.stringify(options)} -> ${message}`,
    );
  }
  // Data checks wait for the data; the right data passes them.
  assert.doesNotThrow(() => resolve({ pairs: 'towers', matchHidden: 8 }));
  assert.equal(resolve({ matchHidden: 8 }, PAIRS).hyper.matchHidden, 8);
  assert.equal(resolve({ matchHidden: 0 }, ONE_TEXT).hyper.matchHidden, 0);
});

test('the CLI help shows each flag with the defaults of the table', () => {
  const epochs = TRAIN_FLAGS.find((f) => f.flag === 'epochs');
  assert.equal(
    describeTrainFlag(epochs),
    'epochs (default: bow 6, bow with bigrams 10, cnn 8, lstm 6; two towers: bow 3, cnn 10, lstm 4)',
  );
  assert.equal(
    describeTrainFlag(TRAIN_FLAGS.find((f) => f.flag === 'batch-size')),
    'rows per batch (default: bow/cnn 16, lstm 32)',
  );
  assert.equal(
    describeTrainFlag(TRAIN_FLAGS.find((f) => f.flag === 'min-count')),
    'drop words seen fewer times (default 2; two towers 1)',
  );
  assert.equal(
    describeTrainFlag(TRAIN_FLAGS.find((f) => f.flag === 'buckets')),
    'hash buckets for bigrams (default 200000)',
  );
  assert.equal(
    describeTrainFlag(TRAIN_FLAGS.find((f) => f.flag === 'threads')),
    'training threads (default: all cores; 1 is bit-for-bit reproducible)',
  );
  const help = cli(['train', '--help']);
  assert.equal(help.status, 0, help.stderr);
  const flat = help.stdout.replace(/\s+/g, ' ');
  for (const flag of TRAIN_FLAGS) {
    assert.ok(flat.includes(`--${flag.flag} `), `--${flag.flag} is in the help`);
    const shown =
      typeof flag.default === 'function' || flag.defaultText || !(flag.choices || flag.type === 'boolean')
        ? describeTrainFlag(flag)
        : flag.describe;
    assert.ok(flat.includes(flag.onlyWhenGiven ? flag.describe : shown), `--${flag.flag}: ${shown}`);
  }
  assert.ok(flat.includes('[choices: "bow", "cnn", "lstm"] [default: "bow"]'));
});

test('the best epoch: the first finite one, then a strictly higher dev accuracy; without dev the last', () => {
  const bestOf = (accuracies) => {
    let best = null;
    accuracies.forEach((accuracy, i) => {
      const dev = accuracy === null ? null : { accuracy, macroF1: 0, n: 1, posNeg: null };
      if (isBestEpoch(dev, best)) best = { epoch: i + 1, dev };
    });
    return best.epoch;
  };
  assert.equal(bestOf([0.5, 0.7, 0.6, 0.8, 0.75]), 4);
  assert.equal(bestOf([0.9, 0.7, 0.8]), 1);
  assert.equal(bestOf([0.6, 0.8, 0.8, 0.8]), 2, 'ties keep the earlier epoch');
  assert.equal(bestOf([null, null, null]), 3, 'no dev set: the last finite epoch');
  assert.equal(bestOf([0.4]), 1);
});

test('the temperature schedule: constant, or linear from T to 1', () => {
  assert.equal(epochTemperature(3, 'constant', 2, 5), 3);
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((e) => epochTemperature(3, 'linear', e, 5)),
    [3, 2.5, 2, 1.5, 1],
  );
  assert.equal(epochTemperature(3, 'linear', 1, 1), 3, 'one epoch keeps T');
});

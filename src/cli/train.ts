// `ernie-slim train`: flags -> train() -> a progress line per epoch on stderr, figures for --json.
import { defineCommand, printResult } from './command.js';
import { createProgress } from './progress.js';
import type { EpochReport } from '../student/train.js';
import type { StudentKind } from '../student/native-api.js';

function epochLine(e: EpochReport): string {
  const ratio = e.devPosNegRatio !== undefined ? ` pos_neg ${e.devPosNegRatio === null ? '-' : e.devPosNegRatio.toFixed(2)}` : '';
  const dev = e.devAccuracy !== undefined ? ` dev_acc ${(e.devAccuracy * 100).toFixed(2)}%${ratio}${e.best ? ' *' : ''}` : '';
  return `loss ${e.loss.toFixed(4)} ${(e.tokensPerSecond / 1000).toFixed(0)}k tok/s${dev}`;
}

export const trainCommand = defineCommand({
  command: 'train',
  describe: 'Train a student (bow, cnn, lstm; two towers for text pairs) on labeled and teacher-labeled TSVs',
  builder: (y) =>
    y
      .option('train', { type: 'string', demandOption: true, describe: 'labeled TSV (label, text_a[, text_b])' })
      .option('dev', { type: 'string', describe: 'labeled TSV; the best epoch by dev accuracy is kept' })
      .option('distill', { type: 'array', string: true, describe: 'teacher-labeled TSVs (text_a[, text_b], label[, logits])' })
      .option('model', { choices: ['bow', 'cnn', 'lstm'] as const, default: 'bow' as const, describe: 'student kind (for text pairs: the encoder of both towers)' })
      .option('pairs', { choices: ['towers', 'concat'] as const, describe: "text pairs (data with text_b): two towers sharing one encoder (default), or text_b's words appended to text_a's" })
      .option('match-hidden', { type: 'number', describe: "two towers: tanh units between [u, v, |u-v|, u*v] and the logits (default 64; 0: none)" })
      .option('segmenter', { choices: ['jieba', 'char'] as const, default: 'jieba' as const, describe: 'words of the text: jieba, or each Chinese character' })
      .option('out', { type: 'string', demandOption: true, describe: 'model file to write (.bin)' })
      .option('epochs', { type: 'number', describe: 'epochs (default: bow 6, bow with bigrams 10, cnn 8, lstm 6; two towers: bow 3, cnn 10, lstm 4)' })
      .option('batch-size', { type: 'number', describe: 'rows per batch (default: bow/cnn 16, lstm 32)' })
      .option('lr', { type: 'number', describe: 'peak learning rate of AdamW' })
      .option('emb-dim', { type: 'number', default: 128, describe: 'word embedding size' })
      .option('hidden', { type: 'number', describe: 'hidden size (default: bow 64, cnn/lstm 128)' })
      .option('ngrams', { type: 'number', choices: [1, 2], default: 1, describe: '2 adds hashed word bigrams (bow)' })
      .option('buckets', { type: 'number', describe: 'hash buckets for bigrams (default 200000)' })
      .option('temperature', { type: 'number', describe: 'distillation temperature T (default 1)' })
      .option('temperature-schedule', { choices: ['constant', 'linear'] as const, default: 'constant' as const, describe: 'linear: anneal T to 1 over the epochs' })
      .option('alpha', { type: 'number', describe: 'weight of the soft loss against the hard one (default 0.5)' })
      .option('device', { choices: ['auto', 'cpu', 'cuda'] as const, default: 'cpu' as const, describe: 'cuda: train a bow student on the GPU; auto: the GPU when there is one' })
      .option('threads', { type: 'number', describe: 'training threads (default: all cores; 1 is bit-for-bit reproducible)' })
      .option('seed', { type: 'number', default: 1, describe: 'random seed' })
      .option('min-count', { type: 'number', describe: 'drop words seen fewer times (default 2; two towers 1)' })
      .option('max-vocab', { type: 'number', describe: 'keep at most this many words (default: all)' })
      .option('max-words', { type: 'number', describe: 'words per row kept (default: bow all, cnn/lstm 256)' })
      .option('segmented', { type: 'boolean', default: false, describe: 'the text is already space-separated words' })
      .option('skip-bad-lines', { type: 'boolean', default: false, describe: 'skip malformed rows and report how many' })
      .option('weight-decay', { type: 'number', describe: 'AdamW decoupled weight decay' })
      .option('warmup', { type: 'number', describe: 'linear warm-up, as a fraction of all steps' })
      .option('word-dropout', { type: 'number', describe: 'leave each training token out with this probability (default: bow 0, bigrams 0.4, cnn 0.4, lstm 0.1)' })
      .option('feature-dropout', { type: 'number', describe: 'zero each unit of the encoder output with this probability before the head (default 0)' })
      .option('label-smoothing', { type: 'number', describe: 'hard labels become 1 - eps on the label and eps/labels on every label (default: cnn 0.2, others 0)' })
      .option('clip-norm', { type: 'number', describe: 'global gradient-norm clipping (0 = off)' }),
  run: async (args) => {
    const { train } = await import('../student/train.js');
    // The epoch count depends on the data (text pairs have their own defaults): the total comes with the first epoch.
    const progress = createProgress(`train ${args.model}`, { unit: 'epochs', kept: () => 'nothing: the model is written when training ends' });
    const result = await train({
      train: args.train,
      dev: args.dev,
      distill: args.distill,
      model: args.model as StudentKind,
      pairs: args.pairs,
      matchHidden: args['match-hidden'],
      segmenter: args.segmenter,
      out: args.out,
      epochs: args.epochs,
      batchSize: args['batch-size'],
      lr: args.lr,
      embDim: args['emb-dim'],
      hidden: args.hidden,
      ngrams: args.ngrams as 1 | 2,
      buckets: args.buckets,
      temperature: args.temperature,
      temperatureSchedule: args.temperatureSchedule,
      alpha: args.alpha,
      threads: args.threads,
      device: args.device,
      seed: args.seed,
      minCount: args['min-count'],
      maxVocab: args['max-vocab'],
      maxWords: args['max-words'],
      segmented: args.segmented,
      skipBadLines: args['skip-bad-lines'],
      weightDecay: args['weight-decay'],
      warmup: args.warmup,
      clipNorm: args['clip-norm'],
      wordDropout: args['word-dropout'],
      featureDropout: args['feature-dropout'],
      labelSmoothing: args['label-smoothing'],
      onEpoch: (e) => {
        progress.setTotal(e.epochs);
        progress.log(`epoch ${e.epoch}/${e.epochs} ${epochLine(e)}`);
        progress.update(e.epoch);
      },
      onNote: (message) => progress.log(`ernie-slim: ${message}`),
    }).finally(() => progress.stop());
    const dev = result.devAccuracy !== null ? `, dev accuracy ${(result.devAccuracy * 100).toFixed(2)}% (epoch ${result.bestEpoch})` : '';
    const summary = `wrote ${result.out}: ${result.pair ? `two-tower ${result.kind}` : result.kind}, ${result.vocabSize} words, ${result.labels.length} labels${dev}, ${result.trainSeconds.toFixed(1)} s on ${result.device}`;
    printResult(summary, args);
    return {
      out: result.out,
      model: result.kind,
      dev_accuracy: result.devAccuracy,
      dev_macro_f1: result.devMacroF1,
      ...(result.devPosNegRatio !== null ? { dev_pos_neg_ratio: result.devPosNegRatio } : {}),
      dev_n: result.devN,
      pair: result.pair,
      best_epoch: result.bestEpoch,
      epochs: result.epochs,
      train_seconds: result.trainSeconds,
      tokens_per_second: result.tokensPerSecond,
      train_rows: result.trainRows,
      distill_rows: result.distillRows,
      vocab_size: result.vocabSize,
      labels: result.labels,
      skipped_lines: result.skippedLines,
      diverged: result.diverged,
      device: result.device,
    };
  },
});

// `ernie-slim train`: flags -> train() -> a progress line per epoch on stderr, figures for --json.
import type { Argv, Options } from 'yargs';
import { defineCommand, printResult } from './command.js';
import { UsageError } from '../errors.js';
import { createProgress } from './progress.js';
import type { EpochReport, TrainOptions } from '../student/train.js';
import { TRAIN_FLAGS, describeTrainFlag, type TrainFlag } from '../student/train-settings.js';

/** A settings flag as yargs takes it: choices and on/off flags show their default, numbers say it per student. */
function yargsOption(flag: TrainFlag): Options {
  const shownByYargs =
    (flag.choices !== undefined || flag.type === 'boolean') &&
    typeof flag.default !== 'function' &&
    !flag.onlyWhenGiven;
  return {
    ...(flag.choices ? { choices: [...flag.choices] } : {}),
    ...(flag.type !== 'string' || !flag.choices ? { type: flag.type } : {}),
    ...(shownByYargs ? { default: flag.default } : {}),
    describe: shownByYargs || flag.onlyWhenGiven ? flag.describe : describeTrainFlag(flag),
  };
}

interface FileArgs {
  quantize: boolean;
  'cache-dir': string | undefined;
  'keep-cache': boolean;
  train: string;
  dev: string | undefined;
  distill: string[] | undefined;
  out: string;
}

function epochLine(e: EpochReport): string {
  const ratio =
    e.devPosNegRatio !== undefined ? ` pos_neg ${e.devPosNegRatio === null ? '-' : e.devPosNegRatio.toFixed(2)}` : '';
  const dev =
    e.devAccuracy !== undefined ? ` dev_acc ${(e.devAccuracy * 100).toFixed(2)}%${ratio}${e.best ? ' *' : ''}` : '';
  return `loss ${e.loss.toFixed(4)} ${(e.tokensPerSecond / 1000).toFixed(0)}k tok/s${dev}`;
}

export const trainCommand = defineCommand({
  command: 'train',
  describe: 'Train a student (bow, cnn, lstm; two towers for text pairs) on labeled and teacher-labeled TSVs',
  builder: (y) => {
    let command = y
      .option('train', { type: 'string', demandOption: true, describe: 'labeled TSV (label, text_a[, text_b])' })
      .option('dev', { type: 'string', describe: 'labeled TSV; the best epoch by dev accuracy is kept' })
      .option('distill', {
        type: 'array',
        string: true,
        describe: 'teacher-labeled TSVs (text_a[, text_b], label[, logits])',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'model file to write (.bin)' })
      .option('quantize', {
        type: 'boolean',
        default: false,
        describe: "write the compact student (quantize --model's defaults; bow only)",
      })
      .option('cache-dir', {
        type: 'string',
        describe: 'folder of the token cache (rows as word ids); given, the cache is kept and reused by later runs',
      })
      .option('keep-cache', {
        type: 'boolean',
        default: false,
        describe: 'keep the token cache (by default it lies next to --out and is removed when training ends)',
      }) as Argv<FileArgs>;
    for (const flag of TRAIN_FLAGS) command = command.option(flag.flag, yargsOption(flag));
    return command as Argv<FileArgs & Record<string, unknown>>;
  },
  run: async (args) => {
    const { train } = await import('../student/train.js');
    if (args.quantize && args.model !== undefined && args.model !== 'bow') {
      throw new UsageError(
        `--quantize makes compact bow students; a ${String(args.model)} student keeps its float embeddings`,
      );
    }
    // The epoch count depends on the data (text pairs have their own defaults): the total comes with the first epoch.
    const progress = createProgress(`train ${args.model}`, {
      unit: 'epochs',
      kept: () => 'nothing: the model is written when training ends',
    });
    const settings = Object.fromEntries(
      TRAIN_FLAGS.map((flag) => [flag.option, args[flag.flag]]),
    ) as Partial<TrainOptions>;
    const result = await train({
      ...settings,
      train: args.train,
      dev: args.dev,
      distill: args.distill,
      cacheDir: args['cache-dir'],
      keepCache: args['keep-cache'] || undefined,
      // With --quantize the float student stays in memory and only its compact form is written.
      out: args.quantize ? undefined : args.out,
      onEpoch: (e) => {
        progress.setTotal(e.epochs);
        progress.log(`epoch ${e.epoch}/${e.epochs} ${epochLine(e)}`);
        progress.update(e.epoch);
      },
      onNote: (message) => progress.log(`ernie-slim: ${message}`),
    }).finally(() => progress.stop());
    const compact = args.quantize ? await writeCompact(result.student, args.out, args.dev) : null;
    const dev =
      result.devAccuracy !== null
        ? `, dev accuracy ${(result.devAccuracy * 100).toFixed(2)}% (epoch ${result.bestEpoch})`
        : '';
    const compactLine = compact
      ? `, compact ${(compact.inputBytes / 1e6).toFixed(2)} MB -> ${(compact.outputBytes / 1e6).toFixed(2)} MB` +
        (compact.outputAccuracy !== null ? ` at dev accuracy ${(compact.outputAccuracy * 100).toFixed(2)}%` : '')
      : '';
    const summary = `wrote ${args.out}: ${result.pair ? `two-tower ${result.kind}` : result.kind}, ${result.vocabSize} words, ${result.labels.length} labels${dev}${compactLine}, ${result.trainSeconds.toFixed(1)} s on ${result.device}`;
    printResult(summary, args);
    return {
      out: args.out,
      ...(compact
        ? {
            float_bytes: compact.inputBytes,
            compact_bytes: compact.outputBytes,
            compact_dev_accuracy: compact.outputAccuracy,
            kept_rows: compact.keptRows,
          }
        : {}),
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

async function writeCompact(student: import('../student/student.js').Student, out: string, dev: string | undefined) {
  const { writeCompactStudent } = await import('../student/quantize-student.js');
  return writeCompactStudent(student.toData(), { out, dev });
}

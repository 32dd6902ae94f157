// `ernie-slim augment`: flags to augment(), progress on stderr, its summary and counts for --json.
import { defineCommand, printResult } from './command.js';
import { SEED_RANGE } from '../util/number-range.js';
import { countLines, createProgress } from './progress.js';
import { augmentDefaults } from '../augment/options.js';

export const augmentCommand = defineCommand({
  command: 'augment',
  describe: "ERNIE Slim's data augmentation: [UNK] noise, same-part-of-speech replacement, n-sampling",
  builder: (y) =>
    y
      .usage(
        [
          '$0 augment --input TSV --output TSV [options]',
          '',
          'Writes --times new lines per input line, each made by one strategy picked by the --mix weights:',
          `- unk: each word becomes [UNK] with probability --unk (default ${augmentDefaults.unk}).`,
          `- pos: each word, with probability --pos-replace (default ${augmentDefaults.posReplace}), becomes another word with its jieba tag, drawn from the input by frequency.`,
          '- nsample: a contiguous span of the words, its length uniform from 1 to all, then its start uniform.',
          'Name any of --unk, --pos-replace, --nsample to use only those; name none to use all three (ERNIE Slim: 0.1, 0.1, 10 times).',
          "Words are jieba's; they are rejoined without spaces, except one between two Latin/digit words; a replacement keeps the spacing of the word it replaced.",
          '',
          'Input: a TSV whose header names text_a (label, text_b and other columns are carried over; pairs augment both sides), or plain text, one text a line, no header.',
          "Output: the input's columns plus an `aug` column (unk, pos, nsample, or orig); plain input gives a `text_a<TAB>aug` TSV with that header.",
          'The lines made from input line i come together, in input order. Lines identical to their source are kept (the teacher labels them anyway).',
          'With pos, a first pass tags each line once and builds the part-of-speech table, keeping the tagged lines in a temporary file for the second pass, so stdin works too.',
        ].join('\n'),
      )
      .option('input', {
        alias: 'i',
        type: 'string',
        demandOption: true,
        describe: "input TSV or text file ('-' for stdin)",
      })
      .option('output', {
        alias: 'o',
        type: 'string',
        demandOption: true,
        describe: "output TSV, written atomically ('-' for stdout)",
      })
      .option('times', { type: 'number', default: augmentDefaults.times, describe: 'new lines per input line' })
      .option('unk', { type: 'number', describe: `probability a word becomes [UNK] (default ${augmentDefaults.unk})` })
      .option('pos-replace', {
        type: 'number',
        describe: `probability a word is replaced by one of its part of speech (default ${augmentDefaults.posReplace})`,
      })
      .option('nsample', { type: 'boolean', describe: 'n-sampling: a random span of the words' })
      .option('mix', {
        type: 'string',
        describe: 'strategy weights, e.g. unk=1,pos=1,nsample=1 (default: 1 for each in use)',
      })
      .option('seed', {
        type: 'number',
        default: augmentDefaults.seed,
        describe: 'seed of every random choice: same seed, same bytes',
      })
      .option('keep-original', { type: 'boolean', default: false, describe: 'also write each input line, marked orig' })
      .option('skip-bad-lines', {
        type: 'boolean',
        default: false,
        describe: 'skip malformed rows (counted) instead of failing',
      })
      .option('hmm', { type: 'boolean', default: false, describe: "jieba's HMM for words not in its dictionary" })
      .option('threads', {
        type: 'number',
        describe: 'worker threads (default: one per CPU, at most 8; output is the same for any count)',
      })
      .option('temp-dir', {
        type: 'string',
        describe: "directory for the pos strategy's temporary tagged copy (default: the output's)",
      }),
  numbers: {
    times: { integer: true, min: 0, max: 100000 },
    unk: { min: 0, max: 1 },
    'pos-replace': { min: 0, max: 1 },
    seed: SEED_RANGE,
    threads: { integer: true, min: 1, max: 256 },
  },
  run: async (args) => {
    const toStdout = args.output === '-';
    const progress = createProgress('augment', {
      unit: 'rows',
      total: args.input === '-' ? undefined : await countLines(args.input),
      kept: () =>
        toStdout ? 'the lines written to stdout so far' : `nothing: ${args.output} is written only when complete`,
    });
    let result;
    try {
      const { augment } = await import('../augment/augment.js');
      result = await augment({
        input: args.input,
        output: args.output,
        times: args.times,
        unk: args.unk,
        posReplace: args.posReplace,
        nsample: args.nsample,
        mix: args.mix,
        seed: args.seed,
        keepOriginal: args.keepOriginal,
        skipBadLines: args.skipBadLines,
        hmm: args.hmm,
        tempDir: args.tempDir,
        threads: args.threads,
        onProgress: ({ phase, rows }) => progress.update(rows, phase),
      });
    } finally {
      progress.stop();
    }
    const skipped = result.skipped > 0 ? `; skipped ${result.skipped} bad lines (first: ${result.firstSkipped})` : '';
    printResult(
      `augment: ${result.rows} rows -> ${result.newLines} new lines in ${result.output}, ${result.seconds.toFixed(2)} s${skipped}`,
      args,
      toStdout,
    );
    return {
      input: result.input,
      output: result.output,
      input_rows: result.rows,
      skipped_lines: result.skipped,
      new_lines: result.newLines,
      lines_written: result.linesWritten,
      by_strategy: result.byStrategy,
      pos_table_words: result.posTableWords,
      seed: result.seed,
      threads: result.threads,
      seconds: result.seconds,
    };
  },
});

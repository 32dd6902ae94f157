// `ernie-slim eval`: a model (a student .bin or .onnx, or a teacher .onnx) on a labeled TSV; accuracy, macro-F1,
// n, and for text pairs the positive/negative order ratio.
import { defineCommand, printResult } from './command.js';
import { UsageError } from '../errors.js';
import { THREADS_RANGE } from '../util/number-range.js';

export const evalCommand = defineCommand({
  command: 'eval',
  describe: 'Evaluate a student (.bin or .onnx) or a teacher (.onnx) on a labeled TSV',
  builder: (y) =>
    y
      .option('model', {
        type: 'string',
        demandOption: true,
        describe: 'student model (.bin or exported .onnx) or teacher .onnx',
      })
      .option('data', { type: 'string', demandOption: true, describe: 'labeled TSV (label, text_a[, text_b])' })
      .option('vocab', {
        type: 'string',
        describe: "a teacher's WordPiece vocab.txt (default: the vocabulary in the teacher's metadata)",
      })
      .option('runtime', {
        choices: ['native', 'onnxruntime'] as const,
        default: 'native' as const,
        describe: 'engine for an .onnx model',
      })
      .option('threads', { type: 'number', default: 2, describe: 'prediction threads' })
      .option('positive-label', {
        type: 'string',
        describe: "text pairs: the matching label for pos_neg_ratio (default: the second of the model's labels)",
      })
      .option('skip-bad-lines', {
        type: 'boolean',
        default: false,
        describe: 'skip malformed rows and report how many',
      }),
  numbers: { threads: THREADS_RANGE },
  run: async (args) => {
    const { isExportedStudent } = await import('../teacher/teacher.js');
    const teacher = /\.onnx$/i.test(args.model) && !(await isExportedStudent(args.model));
    if (args.vocab && !teacher) {
      throw new UsageError(`--vocab is for teacher .onnx files; ${args.model} is a student, which carries its own`);
    }
    const common = {
      model: args.model,
      data: args.data,
      threads: args.threads,
      skipBadLines: args['skip-bad-lines'],
      positiveLabel: args['positive-label'],
    };
    const result = teacher
      ? await (await import('../teacher/evaluate-teacher.js')).evaluateTeacher({ ...common, vocab: args.vocab })
      : await (await import('../student/evaluate.js')).evaluate({ ...common, runtime: args.runtime });
    const unknown = result.unknownLabelRows
      ? ` (${result.unknownLabelRows} of them with labels the model does not know, counted as wrong)`
      : '';
    const skipped = result.skippedLines ? `, ${result.skippedLines} bad lines skipped${unknown}` : '';
    const ratio = result.posNeg
      ? `  pos_neg_ratio ${result.posNeg.ratio === null ? '-' : result.posNeg.ratio.toFixed(3)} (${result.posNeg.concordant}/${result.posNeg.discordant}, ${result.posNeg.queries} queries)`
      : '';
    const line = `accuracy ${(result.accuracy * 100).toFixed(2)}%  macro_f1 ${(result.macroF1 * 100).toFixed(2)}%  n ${result.n}${ratio}${skipped}`;
    printResult(line, args);
    const out: Record<string, unknown> = {
      accuracy: result.accuracy,
      macro_f1: result.macroF1,
      n: result.n,
      skipped_lines: result.skippedLines,
      unknown_label_rows: result.unknownLabelRows,
      runtime: result.runtime,
    };
    if (result.posNeg) {
      out.pos_neg_ratio = result.posNeg.ratio;
      out.pos_neg = result.posNeg;
    }
    return out;
  },
});

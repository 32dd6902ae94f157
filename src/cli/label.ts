import { defineCommand, printResult } from './command.js';
import { COUNT_RANGE, MAX_LEN_RANGE, THREADS_RANGE } from '../util/number-range.js';
import { countLines, createProgress } from './progress.js';

export const labelCommand = defineCommand({
  command: 'label',
  describe: 'Step 2: the teacher labels text (stdin to stdout by default), batched, length-bucketed, in input order',
  builder: (y) =>
    y
      .option('teacher', {
        type: 'string',
        array: true,
        demandOption: true,
        describe:
          'ONNX file or KServe v2 URL (http://host:port/v2/models/NAME; comma-separated replicas); several average their logits',
      })
      .option('vocab', {
        type: 'string',
        describe: "the teacher's WordPiece vocabulary (BERT vocab.txt or ERNIE token\\tid)",
      })
      .option('lowercase', {
        type: 'boolean',
        default: true,
        describe: 'lowercase and strip accents; --no-lowercase for cased vocabularies',
      })
      .option('teacher-labels', {
        type: 'string',
        describe: "the teacher's label names, one a line in logit order (a service does not say them)",
      })
      .option('soft', {
        type: 'boolean',
        default: false,
        describe: 'add the raw teacher logits (comma-separated) as a logits column',
      })
      .option('temperature', { type: 'number', describe: 'with --soft, also a probs column: softmax(logits / T)' })
      .option('batch-size', { type: 'number', default: 64 })
      .option('max-tokens', { type: 'number', describe: 'padded tokens per batch at most (guards GPU memory)' })
      .option('max-len', { type: 'number', default: 128, describe: 'tokens per row, [CLS]/[SEP] included' })
      .option('window', {
        type: 'number',
        describe: 'rows bucketed together (default max(4096, 64 x batch size)); resume points fall on its multiples',
      })
      .option('device', { choices: ['auto', 'cpu', 'cuda'] as const, default: 'cpu' as const })
      .option('threads', { type: 'number', describe: "ONNX Runtime's intra-op threads (default: all cores)" })
      .option('concurrency', { type: 'number', default: 10, describe: 'requests in flight to teacher services' })
      .option('server-batch-size', { type: 'number', default: 64, describe: 'rows per request to a teacher service' })
      .option('teacher-timeout', {
        type: 'number',
        default: 60,
        describe: 'seconds every teacher service may be unreachable before giving up',
      })
      .option('input', { type: 'string', default: '-', describe: 'texts: one a line, or a TSV with text_a[, text_b]' })
      .option('output', {
        type: 'string',
        describe: 'output TSV (default stdout); written as OUTPUT.partial until complete',
      })
      .option('resume', { type: 'boolean', default: false, describe: 'continue an interrupted --output' })
      .option('skip-bad-lines', { type: 'boolean', default: false }),
  numbers: {
    temperature: { above: 0 },
    'batch-size': COUNT_RANGE,
    'max-tokens': COUNT_RANGE,
    'max-len': MAX_LEN_RANGE,
    window: COUNT_RANGE,
    threads: THREADS_RANGE,
    concurrency: { integer: true, min: 1, max: 1024 },
    'server-batch-size': COUNT_RANGE,
    'teacher-timeout': { above: 0 },
  },
  run: async (args) => {
    const { label, partialPathOf } = await import('../teacher/label.js');
    const { readTeacherLabelsFile } = await import('../teacher/teacher-labels-file.js');
    const labelNames = args.teacherLabels === undefined ? undefined : readTeacherLabelsFile(args.teacherLabels);
    let labeled = 0;
    const progress = createProgress('label', {
      unit: 'lines',
      total: args.input === '-' ? undefined : await countLines(args.input),
      kept: () =>
        args.output
          ? `${labeled} labeled lines kept in ${partialPathOf(args.output)} (rerun with --resume to continue)`
          : `${labeled} labeled lines were written to stdout`,
    });
    let result;
    try {
      result = await label({
        teacher: args.teacher,
        vocab: args.vocab,
        lowercase: args.lowercase,
        labelNames,
        soft: args.soft,
        temperature: args.temperature,
        batchSize: args.batchSize,
        maxTokens: args.maxTokens,
        maxLength: args.maxLen,
        window: args.window,
        device: args.device,
        threads: args.threads,
        concurrency: args.concurrency,
        serverBatchSize: args.serverBatchSize,
        timeoutMs: args.teacherTimeout * 1000,
        input: args.input,
        output: args.output,
        resume: args.resume,
        skipBadLines: args.skipBadLines,
        onProgress: (rows) => progress.update((labeled = rows)),
      });
    } finally {
      progress.stop();
    }
    printResult(
      `labeled ${result.rows} lines${result.resumedRows ? ` (${result.resumedRows} kept from the interrupted run)` : ''} in ${result.seconds.toFixed(1)} s on ${result.device}` +
        (result.skippedBadLines ? `; skipped ${result.skippedBadLines} bad lines` : ''),
      args,
      !args.output,
    );
    return { ...result };
  },
});

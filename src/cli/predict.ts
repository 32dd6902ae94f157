// `ernie-slim predict`: stdin texts to `label[\tp1,p2,...]` lines, streamed (each line answered as it comes), order kept.
import { defineCommand } from './command.js';
import { THREADS_RANGE } from '../util/number-range.js';
import { BadLinePolicy } from '../data/bad-lines.js';
import { LineOutput } from '../data/output.js';
import { readTexts } from '../data/tsv-reader.js';
import { arrivedBatches, stdinIsFile } from './arrived-batches.js';
import { sourceName } from '../data/line-reader.js';
import { InputError } from '../errors.js';

const CHUNK_ROWS = 1024;

function formatProbs(probs: number[]): string {
  return probs.map((p) => Number(p.toFixed(6)).toString()).join(',');
}

export const predictCommand = defineCommand({
  command: 'predict',
  describe: 'Predict labels for stdin texts (one a line, or a TSV with text_a[, text_b]; text_b for pair students)',
  builder: (y) =>
    y
      .option('model', { type: 'string', demandOption: true, describe: 'student model (.bin or exported .onnx)' })
      .option('probs', { type: 'boolean', default: false, describe: 'append the label probabilities, comma-separated' })
      .option('runtime', {
        choices: ['native', 'onnxruntime'] as const,
        default: 'native' as const,
        describe: 'engine for an .onnx model',
      })
      .option('threads', { type: 'number', default: 2, describe: 'prediction threads' })
      .option('skip-bad-lines', {
        type: 'boolean',
        default: false,
        describe: 'skip malformed lines (no output line for them)',
      }),
  numbers: { threads: THREADS_RANGE },
  run: async (args) => {
    const { Student } = await import('../student/student.js');
    const student = await Student.load(args.model, { runtime: args.runtime, threads: args.threads });
    const policy = new BadLinePolicy(args['skip-bad-lines']);
    const out = new LineOutput();
    // Nobody waits on a file's answers: they go out in large writes; a pipe or a terminal gets each batch at once.
    const eager = !stdinIsFile();
    let n = 0;
    for await (const chunk of arrivedBatches(readTexts('-', { policy }), CHUNK_ROWS)) {
      for (const row of chunk) {
        if (student.pair && row.textB === undefined) {
          throw new InputError(
            'this student compares text pairs: give a TSV whose header names text_a and text_b',
            sourceName('-'),
            row.line,
          );
        }
      }
      const predictions = await student.predictBatch(chunk, { threads: args.threads });
      for (const p of predictions) await out.line(args.probs ? `${p.label}\t${formatProbs(p.probs)}` : p.label);
      n += chunk.length;
      if (eager) await out.flush();
    }
    await out.flush();
    if (policy.skipped) process.stderr.write(`ernie-slim: skipped ${policy.skipped} bad line(s)\n`);
    return { n, skipped_lines: policy.skipped, labels: student.labels };
  },
});

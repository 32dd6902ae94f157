// `ernie-slim quantize`: int8 dynamic quantization of an ONNX teacher (--teacher), or a compact bow student
// (--model: the most useful embedding rows, product-quantized as fastText's quantize does).
import { defineCommand } from './command.js';
import { UsageError } from '../errors.js';
import { BUDGET_DSUB, defaultCompactOptions } from '../student/compact-student.js';

export const quantizeCommand = defineCommand({
  command: 'quantize',
  describe:
    "Quantize an ONNX teacher's MatMul/Gemm weights and embeddings to int8 (--teacher), or make a compact bow student (--model: pruned, product-quantized embedding rows)",
  builder: (y) =>
    y
      .option('teacher', {
        type: 'string',
        describe: 'ONNX teacher to quantize (make-teacher, export, Hugging Face/optimum, paddle2onnx)',
      })
      .option('model', { type: 'string', describe: 'bow student (.bin) to make compact' })
      .option('out', {
        type: 'string',
        describe: 'quantized .onnx file (--teacher) or compact .bin file (--model) to write',
      })
      .option('cutoff', {
        type: 'number',
        describe:
          '--model: embedding rows (words and bigram buckets) to keep, by norm; 0 keeps all (default: every touched row, or those that fit --max-bytes)',
      })
      .option('dsub', {
        type: 'number',
        describe: `--model: width of the sub-vectors that share one byte of code (default: the narrowest of ${BUDGET_DSUB.narrowest}..${BUDGET_DSUB.widest} at which ${BUDGET_DSUB.keptShare * 100}% of the touched rows fit --max-bytes)`,
      })
      .option('max-bytes', {
        type: 'number',
        describe: `--model: the compact file's size budget, which chooses --cutoff and --dsub where not given (default ${defaultCompactOptions.maxBytes})`,
      })
      .option('qnorm', {
        type: 'boolean',
        describe: "--model: quantize each row's norm apart (unit rows in the codes; default on, --no-qnorm)",
      })
      .option('qout', { type: 'boolean', describe: "--model: quantize the head's weights too" })
      .option('dev', {
        type: 'string',
        describe: '--model: labeled TSV on which both students are scored (and the best retrained epoch is picked)',
      })
      .option('retrain', {
        type: 'boolean',
        describe: '--model: retrain the kept rows, dense layers and head on --train/--distill before quantizing',
      })
      .option('train', {
        type: 'string',
        describe:
          '--model: labeled TSV (label, text_a[, text_b]): the dense layers and head are refit on it after quantizing (with --retrain: the data retrained on before)',
      })
      .option('distill', {
        type: 'string',
        array: true,
        describe: '--train: teacher-labeled TSVs (text_a[, text_b], label[, logits]) added to it',
      })
      .option('epochs', { type: 'number', describe: '--retrain: epochs (default: those the student was trained for)' })
      .option('lr', {
        type: 'number',
        describe: '--retrain: learning rate (default: the one the student was trained with)',
      })
      .option('per-channel', {
        type: 'boolean',
        default: false,
        describe: 'one scale per output column instead of one per weight',
      })
      .option('exclude', { type: 'string', array: true, describe: 'node (or weight) names to keep in float' })
      .option('reduce-range', {
        type: 'boolean',
        default: false,
        describe: 'weights in 7 bits: for AVX2 CPUs without VNNI, whose u8 x s8 kernels can saturate',
      }),
  numbers: { epochs: { integer: true, min: 1 }, lr: { above: 0 } },
  run: async (args) => {
    if (args.model !== undefined && args.teacher !== undefined)
      throw new UsageError('give --teacher IN.onnx or --model IN.bin, not both');
    if (args.model !== undefined) return quantizeStudent(args);
    if (!args.teacher) throw new UsageError('give --teacher IN.onnx: quantize works on ONNX teachers');
    if (!args.out) throw new UsageError('--out is required (the quantized .onnx file)');
    const { quantizeTeacherFile } = await import('../teacher/quantize-teacher-file.js');
    const started = performance.now();
    const r = await quantizeTeacherFile({
      teacher: args.teacher,
      out: args.out,
      perChannel: args.perChannel,
      exclude: args.exclude,
      reduceRange: args.reduceRange,
    });
    const seconds = (performance.now() - started) / 1000;
    const count = (op: string) => r.layers.filter((l) => l.op === op).length;
    const ops = ['MatMul', 'Gemm', 'Gather']
      .filter((op) => count(op) > 0)
      .map((op) => `${count(op)} ${op}`)
      .join(', ');
    const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
    if (!args.json) {
      process.stderr.write(
        `wrote ${args.out}: ${r.layers.length} weights in int8 (${ops})${r.excluded.length ? `, ${r.excluded.length} kept in float` : ''}, ` +
          `${mb(r.inputBytes)} -> ${mb(r.outputBytes)} (${(r.inputBytes / r.outputBytes).toFixed(1)}x smaller), ${seconds.toFixed(1)} s\n`,
      );
    }
    return {
      out: args.out,
      quantized: r.layers,
      excluded: r.excluded,
      input_bytes: r.inputBytes,
      output_bytes: r.outputBytes,
      per_channel: args.perChannel === true,
      reduce_range: args.reduceRange === true,
      operators: r.operators,
      seconds,
    };
  },
});

async function quantizeStudent(args: {
  model?: string;
  out?: string;
  cutoff?: number;
  dsub?: number;
  maxBytes?: number;
  qnorm?: boolean;
  qout?: boolean;
  dev?: string;
  retrain?: boolean;
  train?: string;
  distill?: string[];
  epochs?: number;
  lr?: number;
  json?: boolean;
}): Promise<Record<string, unknown>> {
  if (!args.model) throw new UsageError('--model needs a .bin student');
  if (!args.out) throw new UsageError('--out is required (the compact .bin file)');
  if (!args.retrain && [args.epochs, args.lr].some((v) => v !== undefined))
    throw new UsageError('--epochs and --lr go with --retrain');
  if (args.retrain && !args.train) throw new UsageError('--retrain needs --train TSV (the data to retrain on)');
  if (args.distill !== undefined && !args.train) throw new UsageError('--distill goes with --train');
  const { quantizeStudentFile } = await import('../student/quantize-student.js');
  const started = performance.now();
  const r = await quantizeStudentFile({
    model: args.model,
    out: args.out,
    cutoff: args.cutoff,
    dsub: args.dsub,
    maxBytes: args.maxBytes,
    qnorm: args.qnorm,
    qout: args.qout,
    dev: args.dev,
    ...(args.retrain
      ? {
          retrain: {
            train: args.train!,
            distill: args.distill,
            epochs: args.epochs,
            lr: args.lr,
            onEpoch: args.json
              ? undefined
              : (e) =>
                  process.stderr.write(
                    `retrain epoch ${e.epoch}/${e.epochs}: loss ${e.loss.toFixed(4)}` +
                      `${e.devAccuracy === undefined ? '' : `, dev accuracy ${(e.devAccuracy * 100).toFixed(2)}%`}\n`,
                  ),
          },
        }
      : {}),
    // --train alone refits the head; with --retrain it is the data retrained on.
    ...(args.train && !args.retrain ? { refit: { train: args.train, distill: args.distill } } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
  const pct = (a: number | null) => (a === null ? '' : `${(a * 100).toFixed(2)}%`);
  if (!args.json) {
    const accuracy =
      r.inputAccuracy === null ? '' : `, dev accuracy ${pct(r.inputAccuracy)} -> ${pct(r.outputAccuracy)}`;
    process.stderr.write(
      `wrote ${args.out}: ${r.keptRows} of ${r.embeddingRows} embedding rows kept${r.retrain ? ` and retrained (${r.retrain.epochs} epochs)` : ''}${r.refit ? `, head refit (${r.refit.epochs} epochs)` : ''}, dsub ${r.options.dsub}${r.options.qnorm ? ', norms apart' : ''}` +
        `${r.options.qout ? ', head quantized' : ''}, ${mb(r.inputBytes)} -> ${mb(r.outputBytes)}${accuracy}, ${seconds.toFixed(1)} s\n`,
    );
  }
  return {
    out: args.out,
    input_bytes: r.inputBytes,
    output_bytes: r.outputBytes,
    kept_rows: r.keptRows,
    embedding_rows: r.embeddingRows,
    cutoff: r.options.cutoff,
    dsub: r.options.dsub,
    max_bytes: r.options.maxBytes,
    qnorm: r.options.qnorm,
    qout: r.options.qout,
    input_accuracy: r.inputAccuracy,
    output_accuracy: r.outputAccuracy,
    retrain: r.retrain
      ? {
          epochs: r.retrain.epochs,
          lr: r.retrain.lr,
          best_epoch: r.retrain.bestEpoch,
          train_rows: r.retrain.trainRows,
          distill_rows: r.retrain.distillRows,
        }
      : null,
    refit: r.refit
      ? {
          epochs: r.refit.epochs,
          lr: r.refit.lr,
          best_epoch: r.refit.bestEpoch,
          train_rows: r.refit.trainRows,
          distill_rows: r.refit.distillRows,
        }
      : null,
    seconds,
  };
}

import fs from 'node:fs';
import { defineCommand, printResult } from './command.js';
import { SEED_RANGE, THREADS_RANGE } from '../util/number-range.js';
import { createStepProgress } from './progress.js';
import { UsageError } from '../errors.js';
import { readTeacherLabelsFile } from '../teacher/teacher-labels-file.js';
import { SEGMENTERS, STUDENT_KINDS } from '../student/train-settings.js';

export const distillCommand = defineCommand({
  command: 'distill',
  describe: "ERNIE Slim's three steps in one job (with no arguments: the built-in offline demo)",
  builder: (y) =>
    y
      .option('teacher', { type: 'string', array: true, describe: 'ONNX teacher(s); several average their logits' })
      .option('teacher-url', {
        type: 'string',
        array: true,
        describe: 'KServe v2 teacher service(s): http://host:port/v2/models/NAME',
      })
      .option('pretrained', {
        type: 'string',
        describe: 'a Hugging Face BERT/ERNIE checkpoint folder: step 1 fine-tunes it into the teacher (see `finetune`)',
      })
      .option('teacher-lr', {
        type: 'number',
        describe: "the fine-tuning's peak learning rate with --pretrained (default 5e-5)",
      })
      .option('train-teacher', {
        choices: ['lstm', 'cnn'] as const,
        describe: 'no ERNIE at hand: train this native model as the teacher and export it to ONNX',
      })
      .option('quantize-teacher', {
        type: 'boolean',
        default: false,
        describe: 'quantize the ONNX teacher(s) to int8 before labeling (see `quantize --teacher`)',
      })
      .option('teacher-train', { type: 'string', describe: "the trained teacher's data (default: --train)" })
      .option('teacher-epochs', { type: 'number' })
      .option('vocab', { type: 'string', describe: "the teacher's WordPiece vocabulary" })
      .option('teacher-labels', {
        type: 'string',
        describe: "the teacher's label names, one a line in logit order (a service does not say them)",
      })
      .option('lowercase', { type: 'boolean', default: true })
      .option('train', { type: 'string', describe: 'labeled TSV (label, text_a[, text_b])' })
      .option('dev', { type: 'string', describe: 'labeled TSV: picks the best epoch and reports the results' })
      .option('unlabeled', { type: 'string', describe: 'same-source unlabeled text: one a line, or a TSV with text_a' })
      .option('unlabeled-ratio', {
        type: 'number',
        default: 1,
        describe: 'share of the unlabeled lines to use, drawn with --seed',
      })
      .option('augment-times', { type: 'number', default: 10, describe: 'augmented lines per training line (0: none)' })
      .option('student', { choices: STUDENT_KINDS, default: 'bow' as const })
      .option('ngrams', { choices: [1, 2] as const, describe: '2 adds hashed word bigrams (bow)' })
      .option('segmenter', {
        choices: SEGMENTERS,
        describe:
          'words of the text for the students (and a trained teacher): jieba (default), or each Chinese character',
      })
      .option('epochs', { type: 'number' })
      .option('lr', { type: 'number' })
      .option('temperature', { type: 'number', describe: 'soft-label temperature' })
      .option('alpha', { type: 'number', describe: 'weight of the soft loss against the hard one' })
      .option('baseline', {
        type: 'boolean',
        default: true,
        describe: 'also train a student without distillation (--no-baseline skips it)',
      })
      .option('online', {
        type: 'boolean',
        default: false,
        describe: 'train while a teacher service labels batches on demand',
      })
      .option('concurrency', { type: 'number', default: 10, describe: 'requests in flight to teacher services' })
      .option('server-batch-size', { type: 'number', default: 64 })
      .option('teacher-timeout', { type: 'number', default: 60, describe: 'seconds all teacher services may be down' })
      .option('max-len', { type: 'number', default: 128 })
      .option('batch-size', { type: 'number', default: 64, describe: "the teacher's batch size" })
      .option('device', { choices: ['auto', 'cpu', 'cuda'] as const, default: 'cpu' as const })
      .option('threads', { type: 'number' })
      .option('seed', { type: 'number', default: 1 })
      .option('ernie-base-speedup', {
        type: 'boolean',
        default: true,
        describe:
          'also time an ERNIE-base-size teacher for the speed-up against it, about 20 CPU-seconds (--no-ernie-base-speedup skips it)',
      })
      .option('quantize', {
        type: 'boolean',
        describe: 'write the compact student (as `quantize --model`) as student.bin and student.onnx (bow)',
      })
      .option('cutoff', { type: 'number', describe: '--quantize: embedding rows to keep (as quantize)' })
      .option('dsub', { type: 'number', describe: '--quantize: sub-vector width of the codes (as quantize)' })
      .option('qnorm', { type: 'boolean', describe: "--quantize: rows' norms apart (as quantize; default on)" })
      .option('qout', { type: 'boolean', describe: "--quantize: the head's weights quantized too" })
      .option('retrain', {
        type: 'boolean',
        describe: '--quantize: retrain the kept rows on the training set and the teacher-labeled lines',
      })
      .option('out', {
        type: 'string',
        describe: 'output folder (student.bin, student.onnx, metrics.json, report.md)',
      }),
  // The demo's flags, and seconds as typed; distill() checks the rest before its first step.
  numbers: { seed: SEED_RANGE, threads: THREADS_RANGE, 'teacher-timeout': { above: 0 } },
  run: async (args) => {
    const steps = createStepProgress(
      () =>
        `the steps finished so far (teacher, labels) stay in ${args.out ?? 'ernie-slim-demo'}/cache/ and a rerun reuses them`,
    );
    const say = steps.log;
    const [{ distill }, { runDemo }] = await Promise.all([
      import('../distill/pipeline.js'),
      import('../distill/demo.js'),
    ]);
    const wantsDemo =
      !args.train &&
      !args.dev &&
      !args.teacher &&
      !args.teacherUrl &&
      !args.trainTeacher &&
      !args.pretrained &&
      !args.unlabeled &&
      [args.quantize, args.cutoff, args.dsub, args.qnorm, args.qout, args.retrain].every((v) => v === undefined);
    const result = wantsDemo
      ? await runDemo({
          out: args.out,
          seed: args.seed,
          threads: args.threads,
          ernieBaseSpeedup: args.ernieBaseSpeedup,
          onStep: say,
          onProgress: steps.update,
        })
      : await distill({
          teacher: args.teacher,
          teacherUrl: args.teacherUrl,
          trainTeacher: args.trainTeacher,
          pretrained: args.pretrained,
          teacherLr: args.teacherLr,
          quantizeTeacher: args.quantizeTeacher,
          teacherTrain: args.teacherTrain,
          teacherEpochs: args.teacherEpochs,
          vocab: args.vocab,
          lowercase: args.lowercase,
          teacherLabels: args.teacherLabels === undefined ? undefined : readTeacherLabelsFile(args.teacherLabels),
          train: required(args.train, '--train'),
          dev: required(args.dev, '--dev'),
          unlabeled: args.unlabeled,
          unlabeledRatio: args.unlabeledRatio,
          augmentTimes: args.augmentTimes,
          student: args.student,
          ngrams: args.ngrams,
          segmenter: args.segmenter,
          epochs: args.epochs,
          lr: args.lr,
          temperature: args.temperature,
          alpha: args.alpha,
          baseline: args.baseline,
          online: args.online,
          concurrency: args.concurrency,
          serverBatchSize: args.serverBatchSize,
          teacherTimeoutMs: args.teacherTimeout * 1000,
          maxLength: args.maxLen,
          batchSize: args.batchSize,
          device: args.device,
          threads: args.threads,
          seed: args.seed,
          ernieBaseSpeedup: args.ernieBaseSpeedup,
          quantize: args.quantize,
          cutoff: args.cutoff,
          dsub: args.dsub,
          qnorm: args.qnorm,
          qout: args.qout,
          retrain: args.retrain,
          out: required(args.out, '--out'),
          onStep: say,
          onProgress: steps.update,
        });
    steps.stop();
    if (wantsDemo) {
      // The terminal gets report.md's tables; its pictures (an image line and an italic caption each) stay in the file.
      const report = fs.readFileSync(result.files.report, 'utf8').split('\n## Time per step')[0]!;
      const tables = report.replace(/^!\[.*\n\n\*.*\*\n\n?/gm, '');
      printResult('\n' + tables.trim() + '\n\n', args);
      printResult(
        'next: distill your own teacher (an ERNIE/BERT ONNX export) on your data:\n  npx ernie-slim distill --teacher model.onnx --vocab vocab.txt --train train.tsv --dev dev.tsv --unlabeled texts.txt --out out/\n(README: "Your own teacher and data")',
        args,
      );
    }
    const m = result.metrics;
    const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);
    const compact = m.compact
      ? ` (compact: ${(m.compact.float_bytes / 1e6).toFixed(2)} MB -> ${(m.compact.compact_bytes / 1e6).toFixed(2)} MB at ${pct(m.compact.compact_accuracy)})`
      : '';
    printResult(
      `teacher ${pct(m.teacher_accuracy)}, student baseline ${pct(m.baseline_accuracy)}, student + distillation ${pct(m.student_accuracy)}${compact}; ` +
        `speed-up ${m.speedup.toFixed(0)}x${m.speedup_vs_ernie_base === null ? '' : ` (${m.speedup_vs_ernie_base.toFixed(0)}x against ERNIE-base size)`}; wrote ${result.files.report}`,
      args,
    );
    return { out: result.out, ...m, files: result.files };
  },
});

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required (run \`ernie-slim distill\` with no arguments for the demo)`);
  return value;
}

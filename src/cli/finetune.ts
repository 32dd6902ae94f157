// `ernie-slim finetune`: a pretrained BERT/ERNIE checkpoint fine-tuned natively into a teacher folder.
import { defineCommand, printResult } from './command.js';
import { createProgress } from './progress.js';
import { COUNT_RANGE, MAX_LEN_RANGE, SEED_RANGE, THREADS_RANGE } from '../util/number-range.js';

export const finetuneCommand = defineCommand({
  command: 'finetune',
  describe:
    'Fine-tune a Hugging Face BERT/ERNIE checkpoint on a labeled TSV (writes a checkpoint folder and teacher.onnx)',
  builder: (y) =>
    y
      .option('pretrained', {
        type: 'string',
        demandOption: true,
        describe: 'checkpoint folder: config.json, model.safetensors, vocab.txt',
      })
      .option('train', { type: 'string', demandOption: true, describe: 'labeled TSV (label, text_a[, text_b])' })
      .option('dev', { type: 'string', describe: 'labeled TSV; the best epoch by dev accuracy is kept' })
      .option('out', {
        type: 'string',
        demandOption: true,
        describe: 'folder to write: model.safetensors, config.json, vocab.txt, teacher.onnx',
      })
      .option('epochs', { type: 'number', default: 3 })
      .option('lr', { type: 'number', default: 5e-5, describe: 'peak learning rate (AdamW)' })
      .option('batch-size', { type: 'number', default: 32 })
      .option('max-len', {
        type: 'number',
        describe: "longest row in tokens (default 128, or the checkpoint's positions when fewer)",
      })
      .option('warmup', {
        type: 'number',
        default: 0.1,
        describe: 'fraction of the steps warming the learning rate up',
      })
      .option('weight-decay', {
        type: 'number',
        default: 0.01,
        describe: 'AdamW weight decay (not on biases or LayerNorm)',
      })
      .option('threads', { type: 'number', describe: 'threads (default: one per core)' })
      .option('seed', { type: 'number', default: 1 }),
  numbers: {
    epochs: COUNT_RANGE,
    lr: { above: 0 },
    'batch-size': COUNT_RANGE,
    'max-len': MAX_LEN_RANGE,
    warmup: { min: 0, max: 1 },
    'weight-decay': { min: 0 },
    threads: THREADS_RANGE,
    seed: SEED_RANGE,
  },
  run: async (args) => {
    const { finetune } = await import('../transformer/finetune.js');
    const progress = createProgress(`finetune ${args.pretrained}`, {
      kept: () => 'nothing: the folder is written when training ends',
    });
    const result = await finetune({
      pretrained: args.pretrained,
      train: args.train,
      dev: args.dev,
      out: args.out,
      epochs: args.epochs,
      lr: args.lr,
      batchSize: args.batchSize,
      maxLen: args.maxLen,
      warmup: args.warmup,
      weightDecay: args.weightDecay,
      threads: args.threads,
      seed: args.seed,
      onProgress: (done, total, status) => {
        progress.setTotal(total);
        progress.update(done, status);
      },
      onEpoch: (e) => {
        const dev =
          e.devAccuracy !== undefined
            ? `, dev accuracy ${(e.devAccuracy * 100).toFixed(2)}%, macro-F1 ${(e.devMacroF1! * 100).toFixed(2)}%`
            : '';
        progress.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(4)}${dev}, ${e.seconds.toFixed(1)} s`);
      },
    }).finally(() => progress.stop());
    for (const note of result.notes) process.stderr.write(`note: ${note}\n`);
    const dev =
      result.devAccuracy !== undefined
        ? `, dev accuracy ${(result.devAccuracy * 100).toFixed(2)}% (epoch ${result.bestEpoch})`
        : '';
    printResult(
      `wrote ${result.out} and ${result.teacher}: labels ${result.labels.join(', ')}${dev}, ${result.seconds.toFixed(1)} s, ${result.linesPerSecond.toFixed(1)} lines/s`,
      args,
    );
    return {
      out: result.out,
      teacher: result.teacher,
      labels: result.labels,
      head_kept: result.headKept,
      best_epoch: result.bestEpoch,
      epochs: result.epochs,
      train_lines: result.trainLines,
      dev_accuracy: result.devAccuracy ?? null,
      dev_macro_f1: result.devMacroF1 ?? null,
      seconds: result.seconds,
      lines_per_second: result.linesPerSecond,
    };
  },
});

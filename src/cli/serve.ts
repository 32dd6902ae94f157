import { defineCommand, printResult } from './command.js';
import { UsageError } from '../errors.js';
import { COUNT_RANGE, MAX_LEN_RANGE, THREADS_RANGE } from '../util/number-range.js';

export const serveCommand = defineCommand({
  command: 'serve',
  describe: 'The online-distillation teacher service: KServe v2 over HTTP (as Triton speaks it), with dynamic batching',
  builder: (y) =>
    y
      .option('teacher', { type: 'string', demandOption: true, describe: 'ONNX teacher' })
      .option('vocab', { type: 'string', describe: "the teacher's vocabulary; lets clients send BYTES text" })
      .option('lowercase', { type: 'boolean', default: true, describe: '--no-lowercase for cased vocabularies' })
      .option('host', { type: 'string', default: '127.0.0.1' })
      .option('port', { type: 'number', default: 8113, describe: '0 picks a free port' })
      .option('model-name', { type: 'string', default: 'teacher' })
      .option('max-batch', { type: 'number', default: 64, describe: 'rows per teacher run; larger requests are split' })
      .option('max-queue-delay-ms', {
        type: 'number',
        default: 2,
        describe: 'how long a request may wait for others to batch with',
      })
      .option('max-body-mb', { type: 'number', default: 32, describe: 'larger request bodies get 413' })
      .option('max-len', { type: 'number', default: 128, describe: 'tokens per row for text inputs' })
      .option('device', { choices: ['auto', 'cpu', 'cuda'] as const, default: 'cpu' as const })
      .option('threads', { type: 'number', describe: "ONNX Runtime's intra-op threads (default: all cores)" })
      .option('triton-repo', {
        type: 'string',
        describe:
          'write a Triton model repository for the teacher here (DIR/NAME/config.pbtxt, DIR/NAME/1/model.onnx) and exit',
      })
      .option('instances', {
        type: 'number',
        describe: 'with --triton-repo: model instances per Triton server (default 1)',
      })
      .option('force', { type: 'boolean', describe: 'with --triton-repo: replace an existing DIR/NAME' }),
  numbers: {
    port: { integer: true, min: 0, max: 65535 },
    'max-batch': COUNT_RANGE,
    'max-queue-delay-ms': { min: 0, max: 60_000 },
    'max-body-mb': { above: 0, max: 4096 },
    'max-len': MAX_LEN_RANGE,
    threads: THREADS_RANGE,
    instances: { integer: true, min: 1, max: 1024 },
  },
  run: async (args) => {
    if (args.tritonRepo === undefined) {
      if (args.instances !== undefined) throw new UsageError('--instances goes with --triton-repo');
      if (args.force !== undefined) throw new UsageError('--force goes with --triton-repo');
    } else {
      const { writeTritonRepository } = await import('../server/triton-repository.js');
      const written = await writeTritonRepository({
        teacher: args.teacher,
        repository: args.tritonRepo,
        modelName: args.modelName,
        maxBatch: args.maxBatch,
        maxQueueDelayMs: args.maxQueueDelayMs,
        instances: args.instances,
        vocab: args.vocab,
        lowercase: args.lowercase,
        force: args.force,
      });
      const url = `http://HOST:8000/v2/models/${args.modelName}`;
      printResult(
        `wrote ${written.model} for Triton (tritonserver --model-repository ${args.tritonRepo}); label with\n` +
          `  ernie-slim label --teacher ${url}${written.clientFlags.map((f) => ' ' + f).join('')}`,
        args,
      );
      // Triton serves tensors only: without a vocabulary beside the model, the client must bring one.
      if (written.vocab === null)
        process.stderr.write('the teacher carries no vocabulary: give label --vocab its vocab.txt\n');
      return { ...written };
    }
    const { TeacherService } = await import('../server/teacher-service.js');
    const service = await TeacherService.start({
      teacher: args.teacher,
      vocab: args.vocab,
      lowercase: args.lowercase,
      host: args.host,
      port: args.port,
      modelName: args.modelName,
      maxBatch: args.maxBatch,
      maxQueueDelayMs: args.maxQueueDelayMs,
      maxBodyBytes: Math.round(args.maxBodyMb * 1024 * 1024),
      maxLength: args.maxLen,
      device: args.device,
      threads: args.threads,
    });
    const url = service.url;
    // Scripts that start the service on port 0 read where it listens from this line.
    process.stderr.write(`serving ${args.teacher} at ${url} (KServe v2; SIGTERM or Ctrl-C stops)\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.stderr.write('stopping: finishing in-flight requests\n');
        void service.close().then(resolve);
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    return { url, ...service.stats };
  },
});

// `ernie-slim quantize --teacher`: int8 dynamic quantization of an ONNX teacher (room left for `--model` students).
import { defineCommand } from './command.js';
import { UsageError } from '../errors.js';

export const quantizeCommand = defineCommand({
  command: 'quantize',
  describe: "Quantize an ONNX teacher's MatMul/Gemm weights and embeddings to int8 (dynamic quantization, runs in onnxruntime-node)",
  builder: (y) =>
    y
      .option('teacher', { type: 'string', describe: 'ONNX teacher to quantize (make-teacher, export, Hugging Face/optimum, paddle2onnx)' })
      .option('out', { type: 'string', describe: 'quantized .onnx file to write' })
      .option('per-channel', { type: 'boolean', default: false, describe: 'one scale per output column instead of one per weight' })
      .option('exclude', { type: 'string', array: true, describe: 'node (or weight) names to keep in float' })
      .option('reduce-range', { type: 'boolean', default: false, describe: 'weights in 7 bits: for AVX2 CPUs without VNNI, whose u8 x s8 kernels can saturate' }),
  run: async (args) => {
    if (!args.teacher) throw new UsageError('give --teacher IN.onnx: quantize works on ONNX teachers');
    if (!args.out) throw new UsageError('--out is required (the quantized .onnx file)');
    const { quantizeTeacherFile } = await import('../teacher/quantize-teacher-file.js');
    const started = performance.now();
    const r = await quantizeTeacherFile({ teacher: args.teacher, out: args.out, perChannel: args.perChannel, exclude: args.exclude, reduceRange: args.reduceRange });
    const seconds = (performance.now() - started) / 1000;
    const count = (op: string) => r.layers.filter((l) => l.op === op).length;
    const ops = ['MatMul', 'Gemm', 'Gather'].filter((op) => count(op) > 0).map((op) => `${count(op)} ${op}`).join(', ');
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

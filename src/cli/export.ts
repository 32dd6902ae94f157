// `ernie-slim export`: a .bin student to a standard ONNX file (no native addon needed).
import { refuseOutputOverInput } from '../data/output-guard.js';
import { defineCommand, printResult } from './command.js';

export const exportCommand = defineCommand({
  command: 'export',
  describe: 'Export a student model to ONNX (opset 17) with its vocabulary and labels in the metadata',
  builder: (y) =>
    y
      .option('model', { type: 'string', demandOption: true, describe: 'student model file (.bin)' })
      .option('onnx', { type: 'string', demandOption: true, describe: 'ONNX file to write' }),
  run: async (args) => {
    const [{ readModelFile }, { exportOnnx }] = await Promise.all([
      import('../student/model-file.js'),
      import('../student/onnx-export.js'),
    ]);
    refuseOutputOverInput({ flag: '--onnx', file: args.onnx }, { '--model': args.model });
    const data = readModelFile(args.model);
    await exportOnnx(data, args.onnx);
    const pair = data.config.model.pair === true;
    printResult(
      `wrote ${args.onnx} (${pair ? 'two-tower ' : ''}${data.config.model.kind}, ${data.labels.length} labels${pair ? ', inputs ids_a and ids_b' : ''})`,
      args,
    );
    return {
      onnx: args.onnx,
      model: data.config.model.kind,
      pair,
      inputs: pair ? ['ids_a', 'ids_b'] : ['ids'],
      labels: data.labels,
      vocab_size: data.vocabulary.length,
      opset: 17,
    };
  },
});

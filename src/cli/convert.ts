// `ernie-slim convert`: a Hugging Face checkpoint folder to an ONNX teacher.
import fs from 'node:fs';
import { defineCommand } from './command.js';
import { SEED_RANGE } from '../util/number-range.js';

export const convertCommand = defineCommand({
  command: 'convert',
  describe:
    'Convert a Hugging Face BERT/ERNIE checkpoint (config.json, model.safetensors, vocab.txt) to an ONNX teacher',
  builder: (y) =>
    y
      .option('pretrained', {
        type: 'string',
        demandOption: true,
        describe: 'checkpoint folder: config.json, model.safetensors, vocab.txt',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'output .onnx file' })
      .option('seed', {
        type: 'number',
        default: 1,
        describe: 'seed of a new classification head, when the checkpoint has none',
      }),
  numbers: { seed: SEED_RANGE },
  run: async (args) => {
    const started = performance.now();
    const { convert } = await import('../teacher/convert.js');
    const result = await convert({ pretrained: args.pretrained, out: args.out, seed: args.seed });
    const seconds = (performance.now() - started) / 1000;
    for (const note of result.notes) process.stderr.write(`note: ${note}\n`);
    const { layers, hidden, activation } = result.config;
    process.stderr.write(
      `wrote ${args.out}: ${layers} layers x ${hidden} hidden (${activation}), labels ${result.labels.join(', ')}; ` +
        `${result.parameters.toLocaleString('en-US')} parameters, ${(fs.statSync(args.out).size / 1e6).toFixed(1)} MB, ${seconds.toFixed(1)} s\n`,
    );
    return { out: args.out, parameters: result.parameters, labels: result.labels, notes: result.notes, seconds };
  },
});

import fs from 'node:fs';
import { defineCommand, printResult } from './command.js';
import { MAX_LEN_RANGE, SEED_RANGE } from '../util/number-range.js';

export const makeTeacherCommand = defineCommand({
  command: 'make-teacher',
  describe:
    'Write a BERT/ERNIE-architecture classifier with random weights as ONNX (plumbing tests, speed-up baselines)',
  builder: (y) =>
    y
      .option('vocab', {
        type: 'string',
        demandOption: true,
        describe: 'WordPiece vocabulary (BERT vocab.txt or ERNIE token\\tid)',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'output .onnx file' })
      .option('layers', { type: 'number', default: 12 })
      .option('hidden', { type: 'number', default: 768 })
      .option('heads', { type: 'number', default: 12 })
      .option('intermediate', { type: 'number', describe: 'feed-forward width (default 4 x hidden)' })
      .option('max-positions', { type: 'number', default: 512 })
      .option('labels', { type: 'number', default: 2 })
      .option('style', {
        choices: ['ernie', 'bert'] as const,
        default: 'ernie' as const,
        describe: 'ernie: input_ids, token_type_ids; bert: adds attention_mask',
      })
      .option('int32', { type: 'boolean', default: false, describe: 'int32 id inputs instead of int64' })
      .option('seed', { type: 'number', default: 1 }),
  // Bounds past every published BERT/ERNIE size, below what the weight arrays can hold.
  numbers: {
    layers: { integer: true, min: 1, max: 96 },
    hidden: { integer: true, min: 1, max: 8192 },
    heads: { integer: true, min: 1, max: 128 },
    intermediate: { integer: true, min: 1, max: 65536 },
    'max-positions': MAX_LEN_RANGE,
    labels: { integer: true, min: 2, max: 10000 },
    seed: SEED_RANGE,
  },
  run: async (args) => {
    const started = performance.now();
    const { makeTeacherFile } = await import('../teacher/make-teacher-file.js');
    const result = await makeTeacherFile({
      vocab: args.vocab,
      out: args.out,
      layers: args.layers,
      hidden: args.hidden,
      heads: args.heads,
      intermediate: args.intermediate,
      maxPositions: args.maxPositions,
      labels: args.labels,
      style: args.style,
      idType: args.int32 ? 'int32' : 'int64',
      seed: args.seed,
    });
    const seconds = (performance.now() - started) / 1000;
    printResult(
      `wrote ${args.out}: ${result.parameters.toLocaleString('en-US')} parameters, ${(fs.statSync(args.out).size / 1e6).toFixed(1)} MB, ${seconds.toFixed(1)} s`,
      args,
    );
    return { out: args.out, parameters: result.parameters, seconds };
  },
});

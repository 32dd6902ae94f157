// `convert`: a Hugging Face checkpoint folder to an ONNX teacher that carries its vocabulary, lowercasing,
// maximum positions and label names, so label, serve and distill need no --vocab for it.
import { InputError } from '../errors.js';
import path from 'node:path';
import { writeFileAtomic } from '../data/atomic-file.js';
import { refuseOutputOverInput } from '../data/output-guard.js';
import { readCheckpoint } from '../transformer/checkpoint.js';
import type { TransformerConfig } from '../transformer/transformer-weights.js';
import { TEACHER_TOKENIZER_METADATA } from './teacher-tokenizer.js';
import { transformerGraph } from './transformer-graph.js';

export interface ConvertOptions {
  /** The checkpoint folder: config.json, model.safetensors, vocab.txt. */
  pretrained: string;
  out: string;
  /** Seed of a new pooler or classification head, when the checkpoint has none. */
  seed?: number;
  idType?: 'int64' | 'int32';
}

export interface ConvertResult {
  config: TransformerConfig;
  labels: string[];
  parameters: number;
  /** One line each: what the checkpoint lacked and was made new. */
  notes: string[];
}

export async function convert(options: ConvertOptions): Promise<ConvertResult> {
  const inputs = ['config.json', 'model.safetensors', 'vocab.txt'].map((name) => path.join(options.pretrained, name));
  refuseOutputOverInput({ flag: '--out', file: options.out }, { '--pretrained': inputs });
  const checkpoint = readCheckpoint(options.pretrained, { seed: options.seed });
  const { config, weights, labels } = checkpoint;
  const metadata: Record<string, string> = {
    'ernie_slim.kind': 'teacher',
    'ernie_slim.architecture': JSON.stringify(config),
    'ernie_slim.labels': JSON.stringify(labels),
    [TEACHER_TOKENIZER_METADATA.vocab]: checkpoint.vocab.join('\n'),
    [TEACHER_TOKENIZER_METADATA.lowercase]: String(checkpoint.lowercase),
    [TEACHER_TOKENIZER_METADATA.maxPositions]: String(config.maxPositions),
  };
  let bytes: Uint8Array;
  try {
    bytes = transformerGraph(config, weights, {
      idType: options.idType ?? 'int64',
      mask: 'input',
      metadata,
      docString: `${config.layers} layers x ${config.hidden} hidden, converted from ${options.pretrained}`,
    });
  } catch (err) {
    // Protocol buffers stop at 2 GB: a model of more than ~500M float32 weights.
    throw new InputError(`cannot write the ONNX graph (${(err as Error).message.split('\n')[0]})`, options.pretrained);
  }
  await writeFileAtomic(options.out, bytes);
  return { config, labels, parameters: parameterCount(config), notes: checkpoint.notes };
}

function parameterCount(c: TransformerConfig): number {
  const {
    vocabSize: V,
    maxPositions: P,
    typeVocabSize: T,
    taskTypeVocabSize: K,
    hidden: H,
    intermediate: I,
    layers: L,
    labels: C,
  } = c;
  const perLayer = 4 * (H * H + H) + 2 * 2 * H + (H * I + I) + (I * H + H);
  return (V + P + T + K) * H + 2 * H + L * perLayer + (H * H + H) + (H * C + C);
}

// A BERT/ERNIE-architecture sequence classifier with seeded random weights, written as ONNX: the
// plumbing teacher for tests, and a real-size teacher for measuring the student's speed-up.
import { randomWeights, type TransformerConfig } from '../transformer/transformer-weights.js';
import { SeededRandom } from '../util/random.js';
import { transformerGraph } from './transformer-graph.js';

export type TeacherStyle = 'ernie' | 'bert';

export interface TeacherArchitecture {
  vocabSize: number;
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  maxPositions: number;
  typeVocabSize: number;
  labels: number;
  style: TeacherStyle;
  /** Input ids dtype: paddle2onnx exports int64, some exporters int32. */
  idType: 'int64' | 'int32';
  padId: number;
  seed: number;
}

export const ERNIE_BASE: Omit<TeacherArchitecture, 'vocabSize' | 'padId'> = {
  layers: 12,
  hidden: 768,
  heads: 12,
  intermediate: 3072,
  maxPositions: 512,
  typeVocabSize: 2,
  labels: 2,
  style: 'ernie',
  idType: 'int64',
  seed: 1,
};

/** Metadata ernie-slim reads back from the teacher. */
export interface TeacherMetadata {
  labels?: string[];
}

export function makeTeacher(arch: TeacherArchitecture, metadata: TeacherMetadata = {}): Uint8Array {
  const { hidden: H, heads, layers } = arch;
  if (H % heads !== 0) throw new RangeError(`--hidden ${H} is not divisible by --heads ${heads}`);
  const config: TransformerConfig = {
    vocabSize: arch.vocabSize,
    hidden: H,
    layers,
    heads,
    intermediate: arch.intermediate,
    activation: 'gelu',
    maxPositions: arch.maxPositions,
    typeVocabSize: arch.typeVocabSize,
    taskTypeVocabSize: 0,
    layerNormEps: 1e-12,
    labels: arch.labels,
    padId: arch.padId,
  };
  const meta: Record<string, string> = {
    'ernie_slim.kind': 'teacher',
    'ernie_slim.architecture': JSON.stringify({ ...arch }),
  };
  if (metadata.labels) meta['ernie_slim.labels'] = JSON.stringify(metadata.labels);
  // ERNIE derives the padding mask from input_ids != [PAD]; BERT reads attention_mask.
  return transformerGraph(config, randomWeights(config, new SeededRandom(arch.seed)), {
    idType: arch.idType,
    mask: arch.style === 'bert' ? 'input' : 'pad',
    metadata: meta,
    docString: `random-weight ${arch.style} classifier, ${layers} layers x ${H} hidden`,
  });
}

/** Weights the graph holds: what "ERNIE-base size" means in numbers (about 102M with 21,128 tokens). */
export function countParameters(arch: TeacherArchitecture): number {
  const { vocabSize: V, maxPositions: P, typeVocabSize: T, hidden: H, intermediate: I, layers: L, labels: C } = arch;
  const perLayer = 4 * (H * H + H) + 2 * 2 * H + (H * I + I) + (I * H + H);
  return (V + P + T) * H + 2 * H + L * perLayer + (H * H + H) + (H * C + C);
}

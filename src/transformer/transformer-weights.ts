// A BERT/ERNIE sequence classifier in numbers: its shape and its weights, in PyTorch's layout (a dense
// layer's weight is [out, in]), the one form the checkpoint reader, the ONNX graph and the native engine share.
import type { SeededRandom } from '../util/random.js';

export type HiddenActivation = 'gelu' | 'relu';

export interface TransformerConfig {
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  /** gelu is the exact erf form; ERNIE 1.0 uses relu. */
  activation: HiddenActivation;
  maxPositions: number;
  typeVocabSize: number;
  /** ERNIE 3.0's task-type table (use_task_id); 0 when the model has none. */
  taskTypeVocabSize: number;
  layerNormEps: number;
  labels: number;
  padId: number;
}

export interface DenseWeights {
  /** [out, in] */
  weight: Float32Array;
  /** [out] */
  bias: Float32Array;
}

export interface LayerNormWeights {
  gamma: Float32Array;
  beta: Float32Array;
}

export interface TransformerLayerWeights {
  query: DenseWeights;
  key: DenseWeights;
  value: DenseWeights;
  attentionOutput: DenseWeights;
  attentionNorm: LayerNormWeights;
  intermediate: DenseWeights;
  output: DenseWeights;
  outputNorm: LayerNormWeights;
}

export interface TransformerWeights {
  wordEmbeddings: Float32Array;
  positionEmbeddings: Float32Array;
  tokenTypeEmbeddings: Float32Array;
  /** [taskTypeVocabSize, hidden]; row 0 is added to every token (ERNIE 3.0 with use_task_id). */
  taskTypeEmbeddings: Float32Array | null;
  embeddingNorm: LayerNormWeights;
  layers: TransformerLayerWeights[];
  pooler: DenseWeights;
  classifier: DenseWeights;
}

/** Every tensor's name (Hugging Face's, without the bert./ernie. prefix) and its shape under `config`. */
export function tensorShapes(config: TransformerConfig): Map<string, number[]> {
  const { vocabSize: V, hidden: H, intermediate: I, maxPositions: P, typeVocabSize: T, labels: C } = config;
  const shapes = new Map<string, number[]>([
    ['embeddings.word_embeddings.weight', [V, H]],
    ['embeddings.position_embeddings.weight', [P, H]],
    ['embeddings.token_type_embeddings.weight', [T, H]],
  ]);
  if (config.taskTypeVocabSize > 0) shapes.set('embeddings.task_type_embeddings.weight', [config.taskTypeVocabSize, H]);
  shapes.set('embeddings.LayerNorm.weight', [H]).set('embeddings.LayerNorm.bias', [H]);
  for (let l = 0; l < config.layers; l++) {
    const p = `encoder.layer.${l}`;
    for (const name of [
      'attention.self.query',
      'attention.self.key',
      'attention.self.value',
      'attention.output.dense',
    ]) {
      shapes.set(`${p}.${name}.weight`, [H, H]).set(`${p}.${name}.bias`, [H]);
    }
    shapes.set(`${p}.attention.output.LayerNorm.weight`, [H]).set(`${p}.attention.output.LayerNorm.bias`, [H]);
    shapes.set(`${p}.intermediate.dense.weight`, [I, H]).set(`${p}.intermediate.dense.bias`, [I]);
    shapes.set(`${p}.output.dense.weight`, [H, I]).set(`${p}.output.dense.bias`, [H]);
    shapes.set(`${p}.output.LayerNorm.weight`, [H]).set(`${p}.output.LayerNorm.bias`, [H]);
  }
  shapes.set('pooler.dense.weight', [H, H]).set('pooler.dense.bias', [H]);
  shapes.set('classifier.weight', [C, H]).set('classifier.bias', [C]);
  return shapes;
}

/** The weights as a flat name -> tensor map under Hugging Face's names (no prefix), in tensorShapes' order. */
export function namedTensors(config: TransformerConfig, w: TransformerWeights): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const dense = (name: string, d: DenseWeights) => out.set(`${name}.weight`, d.weight).set(`${name}.bias`, d.bias);
  const norm = (name: string, n: LayerNormWeights) => out.set(`${name}.weight`, n.gamma).set(`${name}.bias`, n.beta);
  out.set('embeddings.word_embeddings.weight', w.wordEmbeddings);
  out.set('embeddings.position_embeddings.weight', w.positionEmbeddings);
  out.set('embeddings.token_type_embeddings.weight', w.tokenTypeEmbeddings);
  if (config.taskTypeVocabSize > 0 && w.taskTypeEmbeddings)
    out.set('embeddings.task_type_embeddings.weight', w.taskTypeEmbeddings);
  norm('embeddings.LayerNorm', w.embeddingNorm);
  w.layers.forEach((layer, l) => {
    const p = `encoder.layer.${l}`;
    dense(`${p}.attention.self.query`, layer.query);
    dense(`${p}.attention.self.key`, layer.key);
    dense(`${p}.attention.self.value`, layer.value);
    dense(`${p}.attention.output.dense`, layer.attentionOutput);
    norm(`${p}.attention.output.LayerNorm`, layer.attentionNorm);
    dense(`${p}.intermediate.dense`, layer.intermediate);
    dense(`${p}.output.dense`, layer.output);
    norm(`${p}.output.LayerNorm`, layer.outputNorm);
  });
  dense('pooler.dense', w.pooler);
  dense('classifier', w.classifier);
  return out;
}

/** Builds the weights from a lookup by Hugging Face name (no prefix); the inverse of namedTensors. */
export function weightsFromTensors(config: TransformerConfig, get: (name: string) => Float32Array): TransformerWeights {
  const dense = (name: string): DenseWeights => ({ weight: get(`${name}.weight`), bias: get(`${name}.bias`) });
  const norm = (name: string): LayerNormWeights => ({ gamma: get(`${name}.weight`), beta: get(`${name}.bias`) });
  return {
    wordEmbeddings: get('embeddings.word_embeddings.weight'),
    positionEmbeddings: get('embeddings.position_embeddings.weight'),
    tokenTypeEmbeddings: get('embeddings.token_type_embeddings.weight'),
    taskTypeEmbeddings: config.taskTypeVocabSize > 0 ? get('embeddings.task_type_embeddings.weight') : null,
    embeddingNorm: norm('embeddings.LayerNorm'),
    layers: Array.from({ length: config.layers }, (_, l) => {
      const p = `encoder.layer.${l}`;
      return {
        query: dense(`${p}.attention.self.query`),
        key: dense(`${p}.attention.self.key`),
        value: dense(`${p}.attention.self.value`),
        attentionOutput: dense(`${p}.attention.output.dense`),
        attentionNorm: norm(`${p}.attention.output.LayerNorm`),
        intermediate: dense(`${p}.intermediate.dense`),
        output: dense(`${p}.output.dense`),
        outputNorm: norm(`${p}.output.LayerNorm`),
      };
    }),
    pooler: dense('pooler.dense'),
    classifier: dense('classifier'),
  };
}

/** Every weight of `config`, seeded: BERT's initialiser scale (uniform with std 0.02), LayerNorm 1 and 0, biases 0. */
export function randomWeights(config: TransformerConfig, rng: SeededRandom): TransformerWeights {
  const shapes = tensorShapes(config);
  return weightsFromTensors(config, (name) => randomTensor(name, shapes.get(name)!, rng));
}

/** One tensor of randomWeights; also the new head of a checkpoint that has none. */
export function randomTensor(name: string, shape: number[], rng: SeededRandom): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  if (name.endsWith('LayerNorm.weight')) return out.fill(1);
  if (name.endsWith('.bias')) return out;
  return rng.fillUniform(out, 0.02 * Math.sqrt(3));
}

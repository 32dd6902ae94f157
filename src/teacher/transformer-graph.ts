// A BERT/ERNIE sequence classifier as an ONNX graph from given weights: the one graph builder behind
// make-teacher (seeded weights) and convert (a checkpoint's). Inputs input_ids, token_type_ids and, unless the
// padding mask is derived from input_ids, attention_mask, all [batch, sequence]; output logits [batch, labels].
import { GraphBuilder, type ElementType } from '../onnx/graph-builder.js';
import type {
  DenseWeights,
  LayerNormWeights,
  TransformerConfig,
  TransformerWeights,
} from '../transformer/transformer-weights.js';
import { version } from '../version.js';

export interface TransformerGraphOptions {
  /** Id inputs' type: paddle2onnx exports int64, some exporters int32. */
  idType: 'int64' | 'int32';
  /** 'input': an attention_mask input (Hugging Face); 'pad': input_ids != padId (paddle2onnx ERNIE). */
  mask: 'input' | 'pad';
  metadata: Record<string, string>;
  docString: string;
}

export function transformerGraph(
  config: TransformerConfig,
  weights: TransformerWeights,
  options: TransformerGraphOptions,
): Uint8Array {
  const { hidden: H, heads, intermediate: I, labels: C } = config;
  const headDim = H / heads;
  const g = new GraphBuilder('ernie_slim_teacher');
  const idType: ElementType = options.idType;
  const inputIds = g.input('input_ids', idType, ['batch', 'sequence']);
  const tokenTypeIds = g.input('token_type_ids', idType, ['batch', 'sequence']);

  // Embeddings: word + position + token type (+ ERNIE 3.0's task type 0 on every token), then LayerNorm.
  const wordEmb = g.floatTensor('embeddings.word_embeddings.weight', [config.vocabSize, H], weights.wordEmbeddings);
  const posEmb = g.floatTensor(
    'embeddings.position_embeddings.weight',
    [config.maxPositions, H],
    weights.positionEmbeddings,
  );
  const typeEmb = g.floatTensor(
    'embeddings.token_type_embeddings.weight',
    [config.typeVocabSize, H],
    weights.tokenTypeEmbeddings,
  );
  const seqLen = g.op('Gather', [g.op('Shape', [inputIds]), g.constInt64([1], true)], { axis: 0 });
  const positions = g.op('Range', [g.constInt64([0], true), seqLen, g.constInt64([1], true)]);
  let x = g.op('Add', [
    g.op('Add', [g.op('Gather', [wordEmb, inputIds]), g.op('Gather', [posEmb, positions])]),
    g.op('Gather', [typeEmb, tokenTypeIds]),
  ]);
  if (config.taskTypeVocabSize > 0 && weights.taskTypeEmbeddings) {
    x = g.op('Add', [
      x,
      g.floatTensor('embeddings.task_type_embeddings.row0', [H], weights.taskTypeEmbeddings.slice(0, H)),
    ]);
  }
  const layerNorm = (input: string, name: string, w: LayerNormWeights) =>
    g.op(
      'LayerNormalization',
      [input, g.floatTensor(`${name}.weight`, [H], w.gamma), g.floatTensor(`${name}.bias`, [H], w.beta)],
      {
        axis: -1,
        epsilon: { float: config.layerNormEps },
      },
    );
  x = layerNorm(x, 'embeddings.LayerNorm', weights.embeddingNorm);

  let mask: string;
  if (options.mask === 'input') {
    mask = g.op('Cast', [g.input('attention_mask', idType, ['batch', 'sequence'])], { to: 1 });
  } else {
    const padConst =
      idType === 'int64'
        ? g.constInt64([config.padId], true)
        : g.op('Cast', [g.constInt64([config.padId], true)], { to: 6 });
    mask = g.op('Cast', [g.op('Not', [g.op('Equal', [inputIds, padConst])])], { to: 1 });
  }
  // (1 - mask) * -10000 added to the scores, shaped [batch, 1, 1, sequence]: exp underflows to exactly 0.
  const maskBias = g.op('Unsqueeze', [
    g.op('Mul', [g.op('Sub', [g.constFloat([1], true), mask]), g.constFloat([-10000], true)]),
    g.constInt64([1, 2]),
  ]);

  // Checkpoints keep a dense layer's weight as [out, in]; MatMul wants [in, out].
  const dense = (input: string, name: string, w: DenseWeights, inDim: number, outDim: number) =>
    g.op('Add', [
      g.op('MatMul', [input, g.floatTensor(`${name}.weight`, [inDim, outDim], transpose(w.weight, outDim, inDim))]),
      g.floatTensor(`${name}.bias`, [outDim], w.bias),
    ]);
  const splitHeads = g.constInt64([0, 0, heads, headDim]);
  const mergeHeads = g.constInt64([0, 0, H]);
  const scale = g.constFloat([1 / Math.sqrt(headDim)], true);
  const invSqrt2 = g.constFloat([Math.SQRT1_2], true);
  const half = g.constFloat([0.5], true);
  const one = g.constFloat([1], true);

  weights.layers.forEach((layer, l) => {
    const p = `encoder.layer.${l}`;
    const heads4 = (name: string, w: DenseWeights, perm: number[]) =>
      g.op('Transpose', [g.op('Reshape', [dense(x, name, w, H, H), splitHeads])], { perm });
    const q = heads4(`${p}.attention.self.query`, layer.query, [0, 2, 1, 3]);
    const k = heads4(`${p}.attention.self.key`, layer.key, [0, 2, 3, 1]);
    const v = heads4(`${p}.attention.self.value`, layer.value, [0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, k]), scale]), maskBias]);
    const context = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
    const merged = g.op('Reshape', [g.op('Transpose', [context], { perm: [0, 2, 1, 3] }), mergeHeads]);
    x = layerNorm(
      g.op('Add', [x, dense(merged, `${p}.attention.output.dense`, layer.attentionOutput, H, H)]),
      `${p}.attention.output.LayerNorm`,
      layer.attentionNorm,
    );
    const up = dense(x, `${p}.intermediate.dense`, layer.intermediate, H, I);
    // GELU(x) = 0.5 x (1 + erf(x / sqrt 2)), the exact form BERT uses.
    const act =
      config.activation === 'relu'
        ? g.op('Relu', [up])
        : g.op('Mul', [g.op('Mul', [up, half]), g.op('Add', [g.op('Erf', [g.op('Mul', [up, invSqrt2])]), one])]);
    x = layerNorm(
      g.op('Add', [x, dense(act, `${p}.output.dense`, layer.output, I, H)]),
      `${p}.output.LayerNorm`,
      layer.outputNorm,
    );
  });

  const cls = g.op('Gather', [x, g.constInt64([0], true)], { axis: 1 });
  const pooled = g.op('Tanh', [dense(cls, 'pooler.dense', weights.pooler, H, H)]);
  const logits = dense(pooled, 'classifier', weights.classifier, H, C);
  g.rename(logits, 'logits');
  g.output('logits', 'float32', ['batch', C]);
  return g.encode({ opset: 17, producerVersion: version, metadata: options.metadata, docString: options.docString });
}

function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c]!;
  return out;
}

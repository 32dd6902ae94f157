// A BERT/ERNIE-architecture sequence classifier with seeded random weights, written as ONNX: the
// plumbing teacher for tests, and a real-size teacher for measuring the student's speed-up.
import { GraphBuilder, type ElementType } from '../onnx/graph-builder.js';
import { SeededRandom } from '../util/random.js';
import { version } from '../version.js';

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
  const { hidden: H, heads, layers, intermediate: I } = arch;
  if (H % heads !== 0) throw new RangeError(`--hidden ${H} is not divisible by --heads ${heads}`);
  const headDim = H / heads;
  const rng = new SeededRandom(arch.seed);
  const g = new GraphBuilder('ernie_slim_teacher');
  // Uniform with BERT's initializer standard deviation (0.02): as good as normal for a random teacher, and faster.
  const initWeights = (n: number) => rng.fillUniform(new Float32Array(n), 0.02 * Math.sqrt(3));
  const filled = (n: number, v: number) => new Float32Array(n).fill(v);
  const idType: ElementType = arch.idType;

  const inputIds = g.input('input_ids', idType, ['batch', 'sequence']);
  const tokenTypeIds = g.input('token_type_ids', idType, ['batch', 'sequence']);

  // Embeddings: word + position + token type, then LayerNorm.
  const wordEmb = g.floatTensor('embeddings.word', [arch.vocabSize, H], initWeights(arch.vocabSize * H));
  const posEmb = g.floatTensor('embeddings.position', [arch.maxPositions, H], initWeights(arch.maxPositions * H));
  const typeEmb = g.floatTensor('embeddings.token_type', [arch.typeVocabSize, H], initWeights(arch.typeVocabSize * H));
  const seqLen = g.op('Gather', [g.op('Shape', [inputIds]), g.constInt64([1], true)], { axis: 0 });
  const positions = g.op('Range', [g.constInt64([0], true), seqLen, g.constInt64([1], true)]);
  let x = g.op('Add', [
    g.op('Add', [g.op('Gather', [wordEmb, inputIds]), g.op('Gather', [posEmb, positions])]),
    g.op('Gather', [typeEmb, tokenTypeIds]),
  ]);
  const layerNorm = (input: string, prefix: string) =>
    g.op('LayerNormalization', [input, g.floatTensor(`${prefix}.gamma`, [H], filled(H, 1)), g.floatTensor(`${prefix}.beta`, [H], filled(H, 0))], {
      axis: -1,
      epsilon: 1e-12,
    });
  x = layerNorm(x, 'embeddings.layer_norm');

  // Padding mask: ERNIE derives it from input_ids != [PAD]; BERT reads attention_mask.
  let mask: string;
  if (arch.style === 'bert') {
    const attentionMask = g.input('attention_mask', idType, ['batch', 'sequence']);
    mask = g.op('Cast', [attentionMask], { to: 1 });
  } else {
    const padConst = arch.idType === 'int64' ? g.constInt64([arch.padId], true) : g.op('Cast', [g.constInt64([arch.padId], true)], { to: 6 });
    mask = g.op('Cast', [g.op('Not', [g.op('Equal', [inputIds, padConst])])], { to: 1 });
  }
  // (1 - mask) * -10000 added to the scores, shaped [batch, 1, 1, sequence].
  const maskBias = g.op('Unsqueeze', [g.op('Mul', [g.op('Sub', [g.constFloat([1], true), mask]), g.constFloat([-10000], true)]), g.constInt64([1, 2])]);

  const dense = (input: string, prefix: string, inDim: number, outDim: number) =>
    g.op('Add', [
      g.op('MatMul', [input, g.floatTensor(`${prefix}.weight`, [inDim, outDim], initWeights(inDim * outDim))]),
      g.floatTensor(`${prefix}.bias`, [outDim], filled(outDim, 0)),
    ]);
  const splitHeads = g.constInt64([0, 0, heads, headDim]);
  const mergeHeads = g.constInt64([0, 0, H]);
  const scale = g.constFloat([1 / Math.sqrt(headDim)], true);
  const invSqrt2 = g.constFloat([Math.SQRT1_2], true);
  const half = g.constFloat([0.5], true);
  const one = g.constFloat([1], true);

  for (let l = 0; l < layers; l++) {
    const p = `encoder.layer${l}`;
    const q = g.op('Transpose', [g.op('Reshape', [dense(x, `${p}.attention.query`, H, H), splitHeads])], { perm: [0, 2, 1, 3] });
    const k = g.op('Transpose', [g.op('Reshape', [dense(x, `${p}.attention.key`, H, H), splitHeads])], { perm: [0, 2, 3, 1] });
    const v = g.op('Transpose', [g.op('Reshape', [dense(x, `${p}.attention.value`, H, H), splitHeads])], { perm: [0, 2, 1, 3] });
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, k]), scale]), maskBias]);
    const context = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
    const merged = g.op('Reshape', [g.op('Transpose', [context], { perm: [0, 2, 1, 3] }), mergeHeads]);
    x = layerNorm(g.op('Add', [x, dense(merged, `${p}.attention.output`, H, H)]), `${p}.attention.layer_norm`);
    // GELU(x) = 0.5 x (1 + erf(x / sqrt 2)), the exact form BERT uses.
    const up = dense(x, `${p}.ffn.up`, H, I);
    const gelu = g.op('Mul', [g.op('Mul', [up, half]), g.op('Add', [g.op('Erf', [g.op('Mul', [up, invSqrt2])]), one])]);
    x = layerNorm(g.op('Add', [x, dense(gelu, `${p}.ffn.down`, I, H)]), `${p}.ffn.layer_norm`);
  }

  const cls = g.op('Gather', [x, g.constInt64([0], true)], { axis: 1 });
  const pooled = g.op('Tanh', [dense(cls, 'pooler', H, H)]);
  g.node('Add', [g.op('MatMul', [pooled, g.floatTensor('classifier.weight', [H, arch.labels], initWeights(H * arch.labels))]), g.floatTensor('classifier.bias', [arch.labels], filled(arch.labels, 0))], {}, ['logits']);
  g.output('logits', 'float32', ['batch', arch.labels]);

  const meta: Record<string, string> = {
    'ernie_slim.kind': 'teacher',
    'ernie_slim.architecture': JSON.stringify({ ...arch }),
  };
  if (metadata.labels) meta['ernie_slim.labels'] = JSON.stringify(metadata.labels);
  return g.encode({ opset: 17, producerVersion: version, metadata: meta, docString: `random-weight ${arch.style} classifier, ${layers} layers x ${H} hidden` });
}

/** Weights the graph holds: what "ERNIE-base size" means in numbers (about 102M with 21,128 tokens). */
export function countParameters(arch: TeacherArchitecture): number {
  const { vocabSize: V, maxPositions: P, typeVocabSize: T, hidden: H, intermediate: I, layers: L, labels: C } = arch;
  const perLayer = 4 * (H * H + H) + 2 * 2 * H + (H * I + I) + (I * H + H);
  return (V + P + T) * H + 2 * H + L * perLayer + (H * H + H) + (H * C + C);
}

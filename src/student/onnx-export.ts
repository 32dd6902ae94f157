// `export`: the student as a standard ONNX graph (opset 17) that reproduces native/student's encoders and head exactly.
// Input `ids` int64 [batch, seq] padded with 0 ([PAD]) — for a pair (two-tower) student `ids_a` [batch, seq_a]
// and `ids_b` [batch, seq_b], one shared encoder; output `logits` float [batch, labels].
import { writeFileAtomic } from '../data/atomic-file.js';
import { version } from '../version.js';
import { DataType, GraphBuilder } from '../onnx/graph-builder.js';
import { ONNX_METADATA, ONNX_STUDENT_FORMAT } from './onnx-import.js';
import type { StudentModelData, Tensor } from './model-file.js';
import { addCompactEmbedding, compactGather } from './onnx-compact-embedding.js';
import { decodeQuantizedRows } from './quantized-rows.js';

// The bigram hash multiplier of native/student/embedding_bag.h.
const BIGRAM_MULTIPLIER = 1000003;

function weight(data: StudentModelData, name: string): Tensor {
  const tensor = data.weights[name];
  if (!tensor) throw new Error(`the model has no weight ${name}`);
  return tensor;
}

/** Initializers for every native weight, under its native name (so the .onnx can be read back). */
function addWeights(g: GraphBuilder, data: StudentModelData): void {
  for (const name of Object.keys(data.weights).sort())
    g.floatTensor(name, data.weights[name]!.shape, data.weights[name]!.data);
  // A compact student: the embedding stays codes and codebooks; a quantized head (small) goes in decoded.
  for (const [name, q] of Object.entries(data.quantized ?? {})) {
    if (name === 'embedding') addCompactEmbedding(g, q);
    else g.floatTensor(name, q.shape, decodeQuantizedRows(q).data);
  }
}

/** The embedding rows of ids [batch, seq] -> [batch, seq, E]. */
function embeddingRows(g: GraphBuilder, data: StudentModelData, ids: string): string {
  const q = data.quantized?.embedding;
  return q ? compactGather(g, q, ids) : g.op('Gather', ['embedding', ids]);
}

/** ids != 0 as float, with a trailing axis of 1 to broadcast over the embedding ([batch, seq, 1]). */
function positionMask(g: GraphBuilder, ids: string): { present: string; maskFloat: string } {
  const present = g.op('Not', [g.op('Equal', [ids, 'zero_i64'])]);
  const maskFloat = g.op('Cast', [present], { to: DataType.FLOAT });
  return { present, maskFloat };
}

function dense(g: GraphBuilder, x: string, prefix: string): string {
  return g.op('Add', [g.op('MatMul', [x, `${prefix}.weight`]), `${prefix}.bias`]);
}

/** bow's encoder: h = tanh(softsign(bag) @ dense1 + b) [batch, H]. */
function bowTower(g: GraphBuilder, data: StudentModelData, ids: string): string {
  const { vocabSize, bigramBuckets } = data.config.model;
  const { present, maskFloat } = positionMask(g, ids);
  const mask3 = g.op('Unsqueeze', [maskFloat, g.int64('axis_2', [2])]);
  const words = g.op('Mul', [embeddingRows(g, data, ids), mask3]);
  let bag = g.op('ReduceSum', [words, g.int64('axis_1', [1])], { keepdims: 0 });
  if (bigramBuckets > 0) {
    // prev[t] = ids[t-1] (0 before the first word); a bigram counts where both words are present.
    const padded = g.op('Pad', [ids, g.int64('pad_front', [0, 1, 0, 0])]);
    const prev = g.op('Slice', [padded, g.int64('slice_start', [0]), g.int64('slice_end', [-1]), 'axis_1']);
    const prevPresent = g.op('Not', [g.op('Equal', [prev, 'zero_i64'])]);
    const bigramMask = g.op('Cast', [g.op('And', [present, prevPresent])], { to: DataType.FLOAT });
    const hashed = g.op('Mod', [
      g.op('Add', [g.op('Mul', [prev, g.int64('bigram_multiplier', BIGRAM_MULTIPLIER)]), ids]),
      g.int64('bigram_buckets', bigramBuckets),
    ]);
    const bigramIds = g.op('Add', [hashed, g.int64('vocab_size', vocabSize)]);
    const bigramMask3 = g.op('Unsqueeze', [bigramMask, 'axis_2']);
    const bigrams = g.op('Mul', [embeddingRows(g, data, bigramIds), bigramMask3]);
    bag = g.op('Add', [bag, g.op('ReduceSum', [bigrams, 'axis_1'], { keepdims: 0 })]);
  }
  return g.op('Tanh', [dense(g, g.op('Softsign', [bag]), 'dense1')]);
}

/** cnn's encoder: softsign(sum_t relu(conv)) [batch, H]. */
function cnnTower(g: GraphBuilder, ids: string): string {
  const { maskFloat } = positionMask(g, ids);
  const x = g.op('Mul', [g.op('Gather', ['embedding', ids]), g.op('Unsqueeze', [maskFloat, g.int64('axis_2', [2])])]);
  // ONNX Conv wants [batch, channels, seq] and weight [H, E, 3]; padding positions are zero, like X[n].
  const convWeight = g.op('Transpose', ['conv.weight'], { perm: [2, 1, 0] });
  const conv = g.op('Conv', [g.op('Transpose', [x], { perm: [0, 2, 1] }), convWeight, 'conv.bias'], {
    kernel_shape: [3],
    pads: [1, 1],
  });
  const masked = g.op('Mul', [g.op('Relu', [conv]), g.op('Unsqueeze', [maskFloat, g.int64('axis_1', [1])])]);
  const pooled = g.op('ReduceSum', [masked, g.int64('axis_time', [2])], { keepdims: 0 });
  return g.op('Softsign', [pooled]);
}

/** lstm's encoder: the max over time of the bidirectional LSTM's outputs [batch, 2H]. */
function lstmTower(g: GraphBuilder, data: StudentModelData, ids: string): string {
  const hidden = data.config.model.hidden;
  const { present, maskFloat } = positionMask(g, ids);
  const lengths = g.op('Cast', [g.op('ReduceSum', [maskFloat, g.int64('axis_1', [1])], { keepdims: 0 })], {
    to: DataType.INT32,
  });
  const x = g.op('Transpose', [g.op('Gather', ['embedding', ids])], { perm: [1, 0, 2] });
  const [y] = g.node('LSTM', [x, 'lstm.W', 'lstm.R', 'lstm.B', lengths], {
    direction: 'bidirectional',
    hidden_size: hidden,
  });
  // Y [seq, 2, batch, H]: past a row's length ORT writes zeros, which must not win the max.
  const timeMask = g.op('Unsqueeze', [
    g.op('Transpose', [present], { perm: [1, 0] }),
    g.int64('axes_lstm_mask', [1, 3]),
  ]);
  const floor = g.floatTensor('lowest_float', [], new Float32Array([-3.4028234663852886e38]));
  const maxed = g.op('ReduceMax', [g.op('Where', [timeMask, y!, floor])], { axes: [0], keepdims: 0 });
  return g.op('Reshape', [g.op('Transpose', [maxed], { perm: [1, 0, 2] }), g.int64('pooled_shape', [0, 2 * hidden])]);
}

function tower(g: GraphBuilder, data: StudentModelData, ids: string): string {
  const kind = data.config.model.kind;
  return kind === 'bow' ? bowTower(g, data, ids) : kind === 'cnn' ? cnnTower(g, ids) : lstmTower(g, data, ids);
}

/** The two-tower head: [u, v, |u - v|, u * v] -> (tanh match layer) -> classifier. */
function matchHead(g: GraphBuilder, data: StudentModelData, u: string, v: string): string {
  const features = g.op('Concat', [u, v, g.op('Abs', [g.op('Sub', [u, v])]), g.op('Mul', [u, v])], { axis: 1 });
  const hidden = (data.config.model.matchHidden ?? 0) > 0 ? g.op('Tanh', [dense(g, features, 'match')]) : features;
  return dense(g, hidden, 'classifier');
}

/** The ONNX model's bytes. */
export function studentToOnnx(data: StudentModelData): Uint8Array {
  const { kind, numLabels, pair } = data.config.model;
  const g = new GraphBuilder(`ernie_slim_${pair ? 'pair_' : ''}${kind}`);
  g.int64('zero_i64', 0);
  addWeights(g, data);
  let logits: string;
  if (pair) {
    g.input('ids_a', 'int64', ['batch', 'seq_a']);
    g.input('ids_b', 'int64', ['batch', 'seq_b']);
    logits = matchHead(g, data, tower(g, data, 'ids_a'), tower(g, data, 'ids_b'));
  } else {
    g.input('ids', 'int64', ['batch', 'seq']);
    logits = dense(g, tower(g, data, 'ids'), kind === 'bow' ? 'dense2' : 'dense');
  }
  g.rename(logits, 'logits');
  g.output('logits', 'float32', ['batch', numLabels]);
  return g.encode({ opset: 17, producerVersion: version, metadata: onnxMetadataOf(data) });
}

function onnxMetadataOf(data: StudentModelData): Record<string, string> {
  return {
    [ONNX_METADATA.format]: ONNX_STUDENT_FORMAT,
    [ONNX_METADATA.config]: JSON.stringify(data.config),
    [ONNX_METADATA.vocabulary]: JSON.stringify(data.vocabulary),
    [ONNX_METADATA.labels]: JSON.stringify(data.labels),
    [ONNX_METADATA.weights]: JSON.stringify(Object.keys(data.weights).sort()),
    ...(data.quantized
      ? {
          [ONNX_METADATA.quantizedHead]: JSON.stringify(
            Object.keys(data.quantized)
              .filter((n) => n !== 'embedding')
              .sort(),
          ),
        }
      : {}),
  };
}

/** Writes the .onnx file atomically. */
export async function exportOnnx(data: StudentModelData, file: string): Promise<void> {
  await writeFileAtomic(file, studentToOnnx(data));
}

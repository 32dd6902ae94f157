// `export`: the student as a standard ONNX graph (opset 17) that reproduces native/student/model.h exactly.
// Input `ids` int64 [batch, seq] padded with 0 ([PAD]); output `logits` float [batch, labels].
import { writeFileAtomic } from '../data/atomic-file.js';
import { version } from '../version.js';
import { DataType, OnnxGraphBuilder } from './onnx-graph.js';
import { ONNX_METADATA, ONNX_STUDENT_FORMAT } from './onnx-import.js';
import type { StudentModelData, Tensor } from './model-file.js';

// The bigram hash multiplier of native/student/embedding_bag.h.
const BIGRAM_MULTIPLIER = 1000003;

function weight(data: StudentModelData, name: string): Tensor {
  const tensor = data.weights[name];
  if (!tensor) throw new Error(`the model has no weight ${name}`);
  return tensor;
}

/** Initializers for every native weight, under its native name (so the .onnx can be read back). */
function addWeights(g: OnnxGraphBuilder, data: StudentModelData): void {
  for (const name of Object.keys(data.weights).sort()) g.floatTensor(name, data.weights[name]!.shape, data.weights[name]!.data);
}

/** ids != 0 as float, with a trailing axis of 1 to broadcast over the embedding ([batch, seq, 1]). */
function positionMask(g: OnnxGraphBuilder, ids: string): { present: string; maskFloat: string } {
  const present = g.node('Not', [g.node('Equal', [ids, 'zero_i64'])]);
  const maskFloat = g.node('Cast', [present], { to: DataType.FLOAT });
  return { present, maskFloat };
}

function dense(g: OnnxGraphBuilder, x: string, prefix: string): string {
  return g.node('Add', [g.node('MatMul', [x, `${prefix}.weight`]), `${prefix}.bias`]);
}

function bowGraph(g: OnnxGraphBuilder, data: StudentModelData): string {
  const { vocabSize, bigramBuckets } = data.config.model;
  const { present, maskFloat } = positionMask(g, 'ids');
  const mask3 = g.node('Unsqueeze', [maskFloat, g.int64('axis_2', [2])]);
  const words = g.node('Mul', [g.node('Gather', ['embedding', 'ids']), mask3]);
  let bag = g.node('ReduceSum', [words, g.int64('axis_1', [1])], { keepdims: 0 });
  if (bigramBuckets > 0) {
    // prev[t] = ids[t-1] (0 before the first word); a bigram counts where both words are present.
    const padded = g.node('Pad', ['ids', g.int64('pad_front', [0, 1, 0, 0])]);
    const prev = g.node('Slice', [padded, g.int64('slice_start', [0]), g.int64('slice_end', [-1]), 'axis_1']);
    const prevPresent = g.node('Not', [g.node('Equal', [prev, 'zero_i64'])]);
    const bigramMask = g.node('Cast', [g.node('And', [present, prevPresent])], { to: DataType.FLOAT });
    const hashed = g.node('Mod', [
      g.node('Add', [g.node('Mul', [prev, g.int64('bigram_multiplier', BIGRAM_MULTIPLIER)]), 'ids']),
      g.int64('bigram_buckets', bigramBuckets),
    ]);
    const bigramIds = g.node('Add', [hashed, g.int64('vocab_size', vocabSize)]);
    const bigramMask3 = g.node('Unsqueeze', [bigramMask, 'axis_2']);
    const bigrams = g.node('Mul', [g.node('Gather', ['embedding', bigramIds]), bigramMask3]);
    bag = g.node('Add', [bag, g.node('ReduceSum', [bigrams, 'axis_1'], { keepdims: 0 })]);
  }
  const hidden = g.node('Tanh', [dense(g, g.node('Softsign', [bag]), 'dense1')]);
  return dense(g, hidden, 'dense2');
}

function cnnGraph(g: OnnxGraphBuilder): string {
  const { maskFloat } = positionMask(g, 'ids');
  const x = g.node('Mul', [g.node('Gather', ['embedding', 'ids']), g.node('Unsqueeze', [maskFloat, g.int64('axis_2', [2])])]);
  // ONNX Conv wants [batch, channels, seq] and weight [H, E, 3]; padding positions are zero, like X[n].
  const convWeight = g.node('Transpose', ['conv.weight'], { perm: [2, 1, 0] });
  const conv = g.node('Conv', [g.node('Transpose', [x], { perm: [0, 2, 1] }), convWeight, 'conv.bias'], {
    kernel_shape: [3],
    pads: [1, 1],
  });
  const masked = g.node('Mul', [g.node('Relu', [conv]), g.node('Unsqueeze', [maskFloat, g.int64('axis_1', [1])])]);
  const pooled = g.node('ReduceSum', [masked, g.int64('axis_time', [2])], { keepdims: 0 });
  return dense(g, g.node('Softsign', [pooled]), 'dense');
}

function lstmGraph(g: OnnxGraphBuilder, data: StudentModelData): string {
  const hidden = data.config.model.hidden;
  const { present, maskFloat } = positionMask(g, 'ids');
  const lengths = g.node('Cast', [g.node('ReduceSum', [maskFloat, g.int64('axis_1', [1])], { keepdims: 0 })], { to: DataType.INT32 });
  const x = g.node('Transpose', [g.node('Gather', ['embedding', 'ids'])], { perm: [1, 0, 2] });
  const [y] = g.op('LSTM', [x, 'lstm.W', 'lstm.R', 'lstm.B', lengths], { direction: 'bidirectional', hidden_size: hidden }, 1);
  // Y [seq, 2, batch, H]: past a row's length ORT writes zeros, which must not win the max.
  const timeMask = g.node('Unsqueeze', [g.node('Transpose', [present], { perm: [1, 0] }), g.int64('axes_lstm_mask', [1, 3])]);
  const floor = g.floatTensor('lowest_float', [], new Float32Array([-3.4028234663852886e38]));
  const maxed = g.node('ReduceMax', [g.node('Where', [timeMask, y!, floor])], { axes: [0], keepdims: 0 });
  const pooled = g.node('Reshape', [g.node('Transpose', [maxed], { perm: [1, 0, 2] }), g.int64('pooled_shape', [0, 2 * hidden])]);
  return dense(g, pooled, 'dense');
}

/** The ONNX model's bytes. */
export function studentToOnnx(data: StudentModelData): Uint8Array {
  const g = new OnnxGraphBuilder();
  const { kind, numLabels } = data.config.model;
  g.input('ids', DataType.INT64, ['batch', 'seq']);
  g.int64('zero_i64', 0);
  addWeights(g, data);
  const logits = kind === 'bow' ? bowGraph(g, data) : kind === 'cnn' ? cnnGraph(g) : lstmGraph(g, data);
  g.rename(logits, 'logits');
  g.output('logits', DataType.FLOAT, ['batch', numLabels]);
  return g.model(`ernie_slim_${kind}`, onnxMetadataOf(data), version);
}

function onnxMetadataOf(data: StudentModelData): Record<string, string> {
  return {
    [ONNX_METADATA.format]: ONNX_STUDENT_FORMAT,
    [ONNX_METADATA.config]: JSON.stringify(data.config),
    [ONNX_METADATA.vocabulary]: JSON.stringify(data.vocabulary),
    [ONNX_METADATA.labels]: JSON.stringify(data.labels),
    [ONNX_METADATA.weights]: JSON.stringify(Object.keys(data.weights).sort()),
  };
}

/** Writes the .onnx file atomically. */
export async function exportOnnx(data: StudentModelData, file: string): Promise<void> {
  await writeFileAtomic(file, studentToOnnx(data));
}

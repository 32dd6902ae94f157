// A Triton model configuration (config.pbtxt, ModelConfig in protobuf text format) for an ONNX teacher.
import { onnx } from '../onnx/graph-builder.js';
import type { GraphTensor } from '../onnx/graph-signature.js';

const T = onnx.TensorProto.DataType;

/** ONNX element types and the Triton data types they map to (as Triton's ONNX Runtime backend reads them). */
const TRITON_TYPE: Record<number, string> = {
  [T.FLOAT]: 'TYPE_FP32',
  [T.FLOAT16]: 'TYPE_FP16',
  [T.BFLOAT16]: 'TYPE_BF16',
  [T.DOUBLE]: 'TYPE_FP64',
  [T.INT8]: 'TYPE_INT8',
  [T.INT16]: 'TYPE_INT16',
  [T.INT32]: 'TYPE_INT32',
  [T.INT64]: 'TYPE_INT64',
  [T.UINT8]: 'TYPE_UINT8',
  [T.UINT16]: 'TYPE_UINT16',
  [T.UINT32]: 'TYPE_UINT32',
  [T.UINT64]: 'TYPE_UINT64',
  [T.BOOL]: 'TYPE_BOOL',
  [T.STRING]: 'TYPE_STRING',
};

export function tritonDataType(elemType: number): string | null {
  return TRITON_TYPE[elemType] ?? null;
}

export interface TritonTensor {
  name: string;
  dataType: string;
  /** Dims after the batch dimension; -1 for a dynamic one. */
  dims: number[];
  labelFile?: string;
}

export interface TritonModelConfig {
  name: string;
  maxBatchSize: number;
  inputs: TritonTensor[];
  outputs: TritonTensor[];
  maxQueueDelayMicroseconds: number;
  instances: number;
  /** A comment on the first line: where the model came from. */
  comment?: string;
}

/** A graph tensor as Triton sees it with batching on: the first (batch) dimension left implicit. */
export function tritonTensor(tensor: GraphTensor, dataType: string): TritonTensor {
  return { name: tensor.name, dataType, dims: tensor.dims!.slice(1).map((d) => (typeof d === 'number' ? d : -1)) };
}

/** Preferred batch sizes: the largest, and halves of it down to a quarter, so full batches never wait. */
export function preferredBatchSizes(maxBatchSize: number): number[] {
  const sizes = new Set([maxBatchSize / 4, maxBatchSize / 2, maxBatchSize].filter((n) => Number.isInteger(n)));
  return [...sizes].filter((n) => n >= 1);
}

export function renderTritonConfig(config: TritonModelConfig): string {
  const lines: string[] = [];
  if (config.comment) lines.push(`# ${config.comment}`);
  lines.push(`name: ${quote(config.name)}`, 'backend: "onnxruntime"', `max_batch_size: ${config.maxBatchSize}`);
  lines.push(...tensorList('input', config.inputs), ...tensorList('output', config.outputs));
  lines.push(
    'dynamic_batching {',
    `  preferred_batch_size: [ ${preferredBatchSizes(config.maxBatchSize).join(', ')} ]`,
    `  max_queue_delay_microseconds: ${config.maxQueueDelayMicroseconds}`,
    '}',
    'instance_group [',
    '  {',
    `    count: ${config.instances}`,
    // Triton places KIND_AUTO instances on its GPUs when it has any, else on the CPU.
    '    kind: KIND_AUTO',
    '  }',
    ']',
  );
  return lines.join('\n') + '\n';
}

function tensorList(field: string, tensors: readonly TritonTensor[]): string[] {
  const blocks = tensors.map((t) => {
    const body = [`    name: ${quote(t.name)}`, `    data_type: ${t.dataType}`];
    // A tensor of shape [batch] alone: Triton wants one dim, reshaped away.
    if (t.dims.length === 0) body.push('    dims: [ 1 ]', '    reshape: { shape: [ ] }');
    else body.push(`    dims: [ ${t.dims.join(', ')} ]`);
    if (t.labelFile) body.push(`    label_filename: ${quote(t.labelFile)}`);
    return ['  {', ...body, '  }'].join('\n');
  });
  return [`${field} [`, blocks.join(',\n'), ']'];
}

/** A protobuf text-format string literal: quotes and backslashes escaped, control characters in octal. */
function quote(s: string): string {
  const escaped = s.replace(/[\\"]/g, (c) => `\\${c}`);
  return `"${escaped.replace(/[\x00-\x1f\x7f]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`)}"`;
}

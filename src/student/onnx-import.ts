// Reads a student back from its exported .onnx: the weights are the initializers named in the metadata.
import fs from 'node:fs';
import { InputError } from '../errors.js';
import { onnx, DataType, type OnnxTypes } from '../onnx/graph-builder.js';
import { dequantizedWeights } from '../onnx/dynamic-quantize.js';
import { compactEmbeddingOf } from './onnx-compact-embedding.js';
import type { ModelFileConfig, StudentModelData, Weights } from './model-file.js';

/** Metadata keys of an exported student (also read by the teacher step). */
export const ONNX_METADATA = {
  format: 'ernie_slim.format',
  config: 'ernie_slim.config',
  vocabulary: 'ernie_slim.vocabulary',
  labels: 'ernie_slim.labels',
  weights: 'ernie_slim.weights',
  /** A compact student's export: the head weights that went in decoded (its embedding is codes and codebooks). */
  quantizedHead: 'ernie_slim.quantized_head',
} as const;

export const ONNX_STUDENT_FORMAT = 'student/1';

function floatsOf(tensor: OnnxTypes.ITensorProto): Float32Array {
  if (tensor.dataType !== DataType.FLOAT) throw new Error(`tensor ${tensor.name} is not float32`);
  if (tensor.rawData && tensor.rawData.length) {
    const raw = tensor.rawData;
    const copy = new Uint8Array(raw.length);
    copy.set(raw);
    return new Float32Array(copy.buffer);
  }
  return Float32Array.from(tensor.floatData ?? []);
}

/** The metadata of an ONNX file as a plain object (empty when it has none). */
export function onnxMetadata(model: OnnxTypes.IModelProto): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of model.metadataProps ?? []) if (entry.key) out[entry.key] = entry.value ?? '';
  return out;
}

export function decodeOnnxStudent(bytes: Uint8Array, file: string): StudentModelData {
  if (bytes.length === 0) throw new InputError('model file is empty (0 bytes)', file);
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new InputError(
      `neither an ernie-slim model file nor a readable ONNX model (${(err as Error).message})`,
      file,
    );
  }
  const meta = onnxMetadata(model);
  if (meta[ONNX_METADATA.format] !== ONNX_STUDENT_FORMAT) {
    throw new InputError('this ONNX model is not an ernie-slim student (no ernie_slim.format metadata)', file);
  }
  try {
    const config = JSON.parse(meta[ONNX_METADATA.config]!) as ModelFileConfig;
    const vocabulary = JSON.parse(meta[ONNX_METADATA.vocabulary]!) as string[];
    const labels = JSON.parse(meta[ONNX_METADATA.labels]!) as string[];
    const names = JSON.parse(meta[ONNX_METADATA.weights]!) as string[];
    const byName = new Map(
      (model.graph?.initializer ?? []).map((t: OnnxTypes.ITensorProto) => [t.name ?? '', t] as const),
    );
    // A student quantized by `quantize --teacher` keeps int8 weights; the native model reads them back as float.
    const dequantized = dequantizedWeights(model);
    const weights: Weights = {};
    for (const name of names) {
      const int8 = dequantized.get(name);
      if (int8) {
        weights[name] = { shape: int8.dims, data: int8.data };
        continue;
      }
      const tensor = byName.get(name);
      if (!tensor) throw new Error(`initializer ${name} is missing`);
      weights[name] = { shape: (tensor.dims ?? []).map(Number), data: floatsOf(tensor) };
    }
    if (meta[ONNX_METADATA.quantizedHead] === undefined) return { config, vocabulary, labels, weights };
    // A compact student: the embedding back from its codes and codebooks; the decoded head as float weights.
    for (const name of JSON.parse(meta[ONNX_METADATA.quantizedHead]) as string[]) {
      const tensor = byName.get(name);
      if (!tensor) throw new Error(`initializer ${name} is missing`);
      weights[name] = { shape: (tensor.dims ?? []).map(Number), data: floatsOf(tensor) };
    }
    const raw = (name: string) => {
      const tensor = byName.get(name);
      if (!tensor?.rawData) throw new Error(`initializer ${name} is missing`);
      return Uint8Array.from(tensor.rawData);
    };
    const slotBytes = Buffer.from(raw('embedding.slot'));
    const codebook = byName.get('embedding.codebook');
    if (!codebook) throw new Error('initializer embedding.codebook is missing');
    const embedding = compactEmbeddingOf(config.model.embDim, {
      slot: Int32Array.from({ length: slotBytes.length / 4 }, (_, i) => slotBytes.readInt32LE(i * 4)),
      codes: raw('embedding.codes'),
      codebook: { shape: (codebook.dims ?? []).map(Number), data: floatsOf(codebook) },
      scale: floatsOf(byName.get('embedding.scale') ?? codebook),
    });
    return { config, vocabulary, labels, weights, quantized: { embedding } };
  } catch (err) {
    throw new InputError(`damaged ernie-slim ONNX student (${(err as Error).message})`, file);
  }
}

export async function readOnnxStudent(file: string): Promise<StudentModelData> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (err) {
    throw new InputError(`cannot read model (${(err as NodeJS.ErrnoException).code ?? 'error'})`, file);
  }
  return decodeOnnxStudent(bytes, file);
}

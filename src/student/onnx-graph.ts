// A small builder over onnx-proto's generated message classes: nodes, initializers, inputs and outputs.
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

export type { OnnxTypes };

export const onnx = onnxProto.onnx;
export const DataType = onnx.TensorProto.DataType;
export const OPSET = 17;
// IR version 8 is the one that goes with opset 17 (ONNX 1.12).
export const IR_VERSION = 8;

export type AttributeValue = number | string | number[] | { float: number } | { floats: number[] };

function attribute(name: string, value: AttributeValue): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: Buffer.from(value, 'utf8') };
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.FLOATS, floats: value.floats };
}

export class OnnxGraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private counter = 0;

  /** Adds one node; returns its output names (`outputs` of them, named after the op). */
  op(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputs = 1): string[] {
    const names = Array.from({ length: outputs }, (_, i) => `${opType.toLowerCase()}_${this.counter}${outputs > 1 ? `_${i}` : ''}`);
    this.counter++;
    this.nodes.push({
      opType,
      name: `${opType}_${this.counter}`,
      input: inputs,
      output: names,
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    });
    return names;
  }

  /** `op` for single-output nodes. */
  node(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}): string {
    return this.op(opType, inputs, attributes, 1)[0]!;
  }

  floatTensor(name: string, shape: number[], data: Float32Array): string {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ name, dims: shape, dataType: DataType.FLOAT, rawData: Buffer.from(bytes) });
    return name;
  }

  int64Tensor(name: string, shape: number[], values: number[]): string {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: shape, dataType: DataType.INT64, rawData: Buffer.from(data.buffer) });
    return name;
  }

  /** A named int64 constant (shape [] for a scalar, [n] for a list). */
  int64(name: string, values: number | number[]): string {
    return Array.isArray(values) ? this.int64Tensor(name, [values.length], values) : this.int64Tensor(name, [], [values]);
  }

  input(name: string, elemType: number, dims: (number | string)[]): void {
    this.inputs.push(valueInfo(name, elemType, dims));
  }

  output(name: string, elemType: number, dims: (number | string)[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** Renames the producer of `from` so that the graph output is called `to`. */
  rename(from: string, to: string): void {
    for (const node of this.nodes) node.output = node.output!.map((o: string) => (o === from ? to : o));
  }

  model(graphName: string, metadata: Record<string, string>, producerVersion: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'ernie-slim',
      producerVersion,
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

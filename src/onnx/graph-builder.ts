// Builds ONNX graphs with onnx-proto's generated protobufjs messages (never hand-written protobuf).
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

export type { OnnxTypes };
export const onnx = onnxProto.onnx;
export const DataType = onnx.TensorProto.DataType;
const { TensorProto, AttributeProto } = onnx;

/** Integers become INT(S) attributes; wrap a whole-number float as { float } (or { floats }) to keep it a float. */
export type AttributeValue = number | string | number[] | { float: number } | { floats: number[] };
export type Dim = number | string;
export type ElementType = 'float32' | 'int64' | 'int32' | 'bool';

const DATA_TYPE: Record<ElementType, number> = {
  float32: TensorProto.DataType.FLOAT,
  int64: TensorProto.DataType.INT64,
  int32: TensorProto.DataType.INT32,
  bool: TensorProto.DataType.BOOL,
};

export interface ValueInfo {
  name: string;
  type: ElementType;
  shape: Dim[];
}

/** Collects nodes and initializers; names of intermediate values are made unique automatically. */
export class GraphBuilder {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: InstanceType<typeof TensorProto>[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly initializerNames = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  input(name: string, type: ElementType, shape: Dim[]): string {
    this.inputs.push({ name, type, shape });
    return name;
  }

  output(name: string, type: ElementType, shape: Dim[]): void {
    this.outputs.push({ name, type, shape });
  }

  /** Adds a float32 initializer (once per name: a later call with the same name reuses it); raw little-endian bytes. */
  floatTensor(name: string, dims: number[], data: Float32Array): string {
    if (this.initializerNames.has(name)) return name;
    this.initializerNames.add(name);
    this.initializers.push(
      TensorProto.create({
        name,
        dims,
        dataType: TensorProto.DataType.FLOAT,
        rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      }),
    );
    return name;
  }

  /** Adds an int32 or uint8 initializer from its little-endian bytes, once per name like floatTensor. */
  rawTensor(name: string, dims: number[], dataType: 'int32' | 'uint8', data: Uint8Array): string {
    if (this.initializerNames.has(name)) return name;
    this.initializerNames.add(name);
    const type = dataType === 'int32' ? TensorProto.DataType.INT32 : TensorProto.DataType.UINT8;
    this.initializers.push(TensorProto.create({ name, dims, dataType: type, rawData: data }));
    return name;
  }

  /** Adds an int64 initializer, once per name like floatTensor. */
  int64Tensor(name: string, dims: number[], values: number[]): string {
    if (this.initializerNames.has(name)) return name;
    this.initializerNames.add(name);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push(
      TensorProto.create({
        name,
        dims,
        dataType: TensorProto.DataType.INT64,
        rawData: new Uint8Array(data.buffer),
      }),
    );
    return name;
  }

  /** A named int64 constant: a scalar, or a list. */
  int64(name: string, values: number | number[]): string {
    return Array.isArray(values)
      ? this.int64Tensor(name, [values.length], values)
      : this.int64Tensor(name, [], [values]);
  }

  /** Renames a node output, so that a graph output can carry the name its users expect. */
  rename(from: string, to: string): void {
    for (const node of this.nodes) node.output = node.output.map((o) => (o === from ? to : o));
  }

  /** A one-off int64 constant (shapes, axes, indices). */
  constInt64(values: number[], scalar = false): string {
    return this.int64Tensor(this.fresh('const'), scalar ? [] : [values.length], values);
  }

  constFloat(values: number[], scalar = false): string {
    return this.floatTensor(this.fresh('const'), scalar ? [] : [values.length], Float32Array.from(values));
  }

  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /** Adds a node and returns its output names (one fresh name per output unless given). */
  node(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttributeValue> = {},
    outputs: number | string[] = 1,
  ): string[] {
    const outNames =
      typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase())) : outputs;
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        name: this.fresh(`${opType}_node`),
        input: inputs,
        output: outNames,
        attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
      }),
    );
    return outNames;
  }

  /** Shorthand for a single-output node. */
  op(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, output?: string): string {
    return this.node(opType, inputs, attributes, output ? [output] : 1)[0];
  }

  /** Serializes the model; metadata rides in metadata_props (string key/value pairs). */
  encode(options: {
    opset: number;
    producerVersion: string;
    metadata?: Record<string, string>;
    docString?: string;
  }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'ernie-slim',
      producerVersion: options.producerVersion,
      docString: options.docString ?? '',
      opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: options.opset })],
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) =>
        onnx.StringStringEntryProto.create({ key, value }),
      ),
      graph: onnx.GraphProto.create({
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs.map(valueInfo),
        output: this.outputs.map(valueInfo),
      }),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(v: ValueInfo) {
  return onnx.ValueInfoProto.create({
    name: v.name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: DATA_TYPE[v.type],
        shape: onnx.TensorShapeProto.create({
          dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        }),
      }),
    }),
  });
}

function attribute(name: string, value: AttributeValue) {
  const A = AttributeProto.AttributeType;
  if (typeof value === 'string')
    return AttributeProto.create({ name, type: A.STRING, s: new TextEncoder().encode(value) });
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? AttributeProto.create({ name, type: A.INT, i: value })
      : AttributeProto.create({ name, type: A.FLOAT, f: value });
  }
  if (Array.isArray(value)) {
    return value.every((v) => Number.isInteger(v))
      ? AttributeProto.create({ name, type: A.INTS, ints: value })
      : AttributeProto.create({ name, type: A.FLOATS, floats: value });
  }
  if ('float' in value) return AttributeProto.create({ name, type: A.FLOAT, f: value.float });
  return AttributeProto.create({ name, type: A.FLOATS, floats: value.floats });
}

// Reads an ONNX model's graph inputs and outputs (names, element types, dims) without decoding its nodes.
import protobuf from 'protobufjs/minimal.js';
import { onnx } from './graph-builder.js';

const MODEL_GRAPH_FIELD = 7; // ModelProto.graph
const GRAPH_INITIALIZER_FIELD = 5; // GraphProto.initializer
const GRAPH_INPUT_FIELD = 11; // GraphProto.input
const GRAPH_OUTPUT_FIELD = 12; // GraphProto.output

/** A dimension: its size, or the name of a symbolic one ('' when it has neither). */
export type GraphDim = number | string;

export interface GraphTensor {
  name: string;
  /** onnx.TensorProto.DataType; 0 when the value is not a tensor. */
  elemType: number;
  /** Null when the graph gives no shape. */
  dims: GraphDim[] | null;
}

export interface GraphSignature {
  /** The inputs a caller feeds (initializers listed as inputs by old exporters are left out). */
  inputs: GraphTensor[];
  outputs: GraphTensor[];
  /** Initializers whose bytes live in files beside the model. */
  externalInitializers: number;
}

/** The graph's signature; throws if the bytes are not a ModelProto with a graph. */
export function readGraphSignature(bytes: Uint8Array): GraphSignature {
  const model = protobuf.Reader.create(bytes);
  let graph: protobuf.Reader | null = null;
  while (model.pos < model.len) {
    const tag = model.uint32();
    if (tag >>> 3 === MODEL_GRAPH_FIELD && (tag & 7) === 2) {
      const length = model.uint32();
      graph = protobuf.Reader.create(bytes.subarray(model.pos, model.pos + length));
      model.skip(length);
    } else {
      model.skipType(tag & 7);
    }
  }
  if (!graph) throw new Error('the model has no graph');
  const inputs: GraphTensor[] = [];
  const outputs: GraphTensor[] = [];
  const initializers = new Set<string>();
  let externalInitializers = 0;
  while (graph.pos < graph.len) {
    const tag = graph.uint32();
    const field = tag >>> 3;
    if (field === GRAPH_INPUT_FIELD) inputs.push(tensorOf(onnx.ValueInfoProto.decode(graph, graph.uint32())));
    else if (field === GRAPH_OUTPUT_FIELD) outputs.push(tensorOf(onnx.ValueInfoProto.decode(graph, graph.uint32())));
    else if (field === GRAPH_INITIALIZER_FIELD) {
      const tensor = onnx.TensorProto.decode(graph, graph.uint32());
      initializers.add(tensor.name);
      if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) externalInitializers++;
    } else graph.skipType(tag & 7);
  }
  return { inputs: inputs.filter((i) => !initializers.has(i.name)), outputs, externalInitializers };
}

function tensorOf(info: InstanceType<typeof onnx.ValueInfoProto>): GraphTensor {
  const tensor = info.type?.tensorType;
  const dims = tensor?.shape
    ? (tensor.shape.dim ?? []).map((d): GraphDim =>
        (d as InstanceType<typeof onnx.TensorShapeProto.Dimension>).value === 'dimValue'
          ? Number(d.dimValue)
          : (d.dimParam ?? ''),
      )
    : null;
  return { name: info.name, elemType: tensor?.elemType ?? 0, dims };
}

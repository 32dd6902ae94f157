// Dynamic int8 quantization of an ONNX graph's dense layers, as onnxruntime's quantize_dynamic does it: MatMul/Gemm
// nodes with constant weights get symmetric int8 weights (per tensor or per output column) and activations quantized
// to uint8 at run time, in operators that ONNX Runtime's CPU provider runs with its integer GEMM kernels; embedding
// tables (Gather of a constant) are stored in int8 too, which is most of the rest of a BERT's file.
import { InputError, UsageError } from '../errors.js';
import { onnx, DataType, type OnnxTypes } from './graph-builder.js';

/**
 * How a quantized dense layer is written:
 * - `integer`: standard ONNX only (DynamicQuantizeLinear, MatMulInteger, Cast, Mul), the layer's bias Add kept;
 * - `integer-to-float`: DynamicQuantizeLinear shared by the layers reading one activation, then com.microsoft
 *   MatMulIntegerToFloat with the rescale and the bias fused;
 * - `dynamic-quantize-matmul`: one com.microsoft DynamicQuantizeMatMul per layer (activation quantized in it), bias fused.
 */
export type QuantizedOperators = 'integer' | 'integer-to-float' | 'dynamic-quantize-matmul';

export interface DynamicQuantizeOptions {
  /** One scale per output column instead of one per weight matrix (closer to fp32, a little bigger). */
  perChannel?: boolean;
  /** Node names (or the names of their weight initializers) to keep in float. */
  exclude?: readonly string[];
  /**
   * Weights in 7 bits ([-63, 63]): the u8 x s8 kernels of AVX2 CPUs without VNNI add pairs of products in
   * 16 bits, which full-range weights can saturate.
   */
  reduceRange?: boolean;
  operators?: QuantizedOperators;
  /** Names the file in error messages. */
  file?: string;
}

export interface QuantizedLayer {
  node: string;
  op: 'MatMul' | 'Gemm' | 'Gather';
  weight: string;
  shape: [number, number];
}

export interface DynamicQuantizeResult {
  bytes: Uint8Array;
  layers: QuantizedLayer[];
  /** Nodes that could have been quantized but were named by `exclude`. */
  excluded: string[];
  /** Weight bytes before and after (float32 vs int8 + scales), of the quantized layers only. */
  weightBytes: { float: number; int8: number };
  operators: QuantizedOperators;
}

/** Metadata key of a quantized model: how to read each quantized weight back as float (JSON, QuantizedWeightsRecord). */
export const INT8_METADATA_KEY = 'ernie_slim.int8';

export interface QuantizedWeightsRecord {
  per_channel: boolean;
  reduce_range: boolean;
  operators: QuantizedOperators;
  /** Original float weight name -> its int8 initializer [K, N], scale initializer ([] or [N]), and whether it was [N, K]. */
  weights: Record<string, { int8: string; scale: string; transposed: boolean }>;
}

const MS_DOMAIN = 'com.microsoft';
const MIN_OPSET = 11; // DynamicQuantizeLinear

type Node = OnnxTypes.INodeProto;
type Tensor = OnnxTypes.ITensorProto;

interface Candidate {
  index: number;
  node: Node;
  op: 'MatMul' | 'Gemm';
  activation: string;
  weight: Tensor;
  transposed: boolean;
  /** A constant bias [N] that can ride in the fused operator, and the Add node it comes from (if any). */
  bias?: { values: Float32Array; addIndex?: number; output: string };
  /** Gemm's non-constant C, added after the product. */
  extraAddend?: { name: string; beta: number };
  name: string;
}

/** Decodes an ONNX model or throws a one-line InputError. */
export function decodeModel(bytes: Uint8Array, file?: string): OnnxTypes.ModelProto {
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new InputError(`not an ONNX model (${(err as Error).message.split('\n')[0]})`, file);
  }
  if (!model.graph || (model.graph.node ?? []).length === 0)
    throw new InputError('not an ONNX model (no graph nodes)', file);
  return model;
}

/** The quantized model's bytes and what changed; refuses a graph with nothing to quantize. */
export function quantizeDynamic(
  input: Uint8Array | OnnxTypes.ModelProto,
  options: DynamicQuantizeOptions = {},
): DynamicQuantizeResult {
  const model = input instanceof Uint8Array ? decodeModel(input, options.file) : input;
  const graph = model.graph!;
  const operators = options.operators ?? 'integer';
  const qmax = options.reduceRange ? 63 : 127;
  const exclude = new Set(options.exclude ?? []);
  if (model.metadataProps?.some((p) => p.key === INT8_METADATA_KEY))
    throw new InputError('the model is already quantized to int8', options.file);
  const defaultOpset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  if (defaultOpset && Number(defaultOpset.version) < 10) {
    throw new InputError(
      `opset ${defaultOpset.version} is too old to quantize (MatMulInteger needs 10 or later)`,
      options.file,
    );
  }

  const initializers = new Map<string, Tensor>();
  for (const t of graph.initializer ?? []) initializers.set(t.name ?? '', t);
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const nodes = graph.node ?? [];
  const consumerIndex = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    for (const x of n.input ?? []) if (x) consumerIndex.set(x, [...(consumerIndex.get(x) ?? []), i]);
  });

  const candidates: Candidate[] = [];
  const embeddings: { index: number; node: Node; table: Tensor; name: string }[] = [];
  const excluded: string[] = [];
  const matchedExcludes = new Set<string>();
  const isExcluded = (...names: string[]) => {
    const named = names.filter((n) => exclude.has(n));
    named.forEach((n) => matchedExcludes.add(n));
    return named.length > 0;
  };
  nodes.forEach((node, index) => {
    const table = embeddingTable(node, initializers);
    if (table) {
      const name = nameOf(node, index);
      if (isExcluded(name, table.name ?? '')) excluded.push(name);
      else embeddings.push({ index, node, table, name });
      return;
    }
    const candidate = denseLayer(node, index, initializers, options.file);
    if (!candidate) return;
    if (isExcluded(candidate.name, candidate.weight.name ?? '')) {
      excluded.push(candidate.name);
      return;
    }
    if (candidate.op === 'MatMul' && operators !== 'integer')
      attachFollowingBias(candidate, nodes, initializers, consumerIndex, graphOutputs);
    candidates.push(candidate);
  });
  const unknown = [...exclude].filter((n) => !matchedExcludes.has(n));
  if (unknown.length) {
    const known = nodes.some((n) => unknown.includes(n.name ?? '')) || unknown.some((n) => initializers.has(n));
    throw new UsageError(
      `--exclude ${unknown[0]}: ${known ? 'not a MatMul, Gemm or Gather node with a constant float weight' : 'the graph has no node or weight of that name'}`,
    );
  }
  if (candidates.length === 0) {
    const why = excluded.length ? 'those it has are excluded' : 'the graph has none';
    throw new InputError(
      `nothing to quantize: no MatMul or Gemm node with a constant 2-D float32 weight (${why})`,
      options.file,
    );
  }

  // Rewrite: every candidate (and the Add it absorbs) is replaced in place by its quantized nodes.
  const used = new Set<string>([
    ...initializers.keys(),
    ...nodes.flatMap((n) => [...(n.input ?? []), ...(n.output ?? [])]),
    ...nodes.map((n) => n.name ?? ''),
  ]);
  const fresh = (base: string) => {
    let name = base;
    for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
  const replacement = new Map<number, Node[]>();
  const dropped = new Set<number>();
  const newInitializers: Tensor[] = [];
  const quantizedActivations = new Map<string, { q: string; scale: string; zeroPoint: string }>();
  const record: QuantizedWeightsRecord = {
    per_channel: options.perChannel === true,
    reduce_range: options.reduceRange === true,
    operators,
    weights: {},
  };
  const layers: QuantizedLayer[] = [];
  const weightBytes = { float: 0, int8: 0 };
  const quantizedWeights = new Map<string, { int8: string; scale: string }>();

  for (const c of candidates) {
    const weightName = c.weight.name ?? '';
    const [K, N] = c.transposed
      ? [Number(c.weight.dims![1]), Number(c.weight.dims![0])]
      : [Number(c.weight.dims![0]), Number(c.weight.dims![1])];
    let names = quantizedWeights.get(`${weightName}|${c.transposed}`);
    if (!names) {
      const floats = floatData(c.weight, options.file);
      const kn = c.transposed ? transpose(floats, N, K) : floats;
      const { q, scales } = quantizeSymmetric(kn, K, N, qmax, options.perChannel === true);
      names = { int8: fresh(`${weightName}_int8`), scale: fresh(`${weightName}_scale`) };
      newInitializers.push(
        tensor(names.int8, [K, N], DataType.INT8, new Uint8Array(q.buffer, q.byteOffset, q.byteLength)),
      );
      newInitializers.push(tensor(names.scale, options.perChannel ? [N] : [], DataType.FLOAT, bytesOf(scales)));
      quantizedWeights.set(`${weightName}|${c.transposed}`, names);
      record.weights[weightName] = { ...names, transposed: c.transposed };
      weightBytes.float += K * N * 4;
      weightBytes.int8 += K * N + scales.length * 4;
    }
    const out: Node[] = [];
    const activationQuantized = () => {
      let a = quantizedActivations.get(c.activation);
      if (!a) {
        a = {
          q: fresh(`${c.activation}_uint8`),
          scale: fresh(`${c.activation}_scale`),
          zeroPoint: fresh(`${c.activation}_zero_point`),
        };
        out.push(
          node(
            'DynamicQuantizeLinear',
            [c.activation],
            [a.q, a.scale, a.zeroPoint],
            fresh(`${c.activation}_DynamicQuantizeLinear`),
          ),
        );
        quantizedActivations.set(c.activation, a);
      }
      return a;
    };
    // The name the float product must end up under: the absorbed Add's output, or the node's own.
    const finalOutput = c.bias?.addIndex !== undefined ? c.bias.output : c.node.output![0]!;
    let biasName = '';
    if (c.bias && operators !== 'integer') {
      biasName = fresh(`${c.name}_bias`);
      newInitializers.push(tensor(biasName, [N], DataType.FLOAT, bytesOf(c.bias.values)));
    }
    const separateBias = c.bias !== undefined && operators === 'integer';
    const productOutput = c.extraAddend || separateBias ? fresh(`${c.name}_product`) : finalOutput;
    if (operators === 'integer') {
      const a = activationQuantized();
      const int32 = fresh(`${c.name}_int32`);
      const asFloat = fresh(`${c.name}_int32_float`);
      const scale = fresh(`${c.name}_output_scale`);
      out.push(node('MatMulInteger', [a.q, names.int8, a.zeroPoint], [int32], fresh(`${c.name}_MatMulInteger`)));
      out.push(node('Cast', [int32], [asFloat], fresh(`${c.name}_Cast`), [intAttribute('to', DataType.FLOAT)]));
      out.push(node('Mul', [a.scale, names.scale], [scale], fresh(`${c.name}_ScaleMul`)));
      out.push(node('Mul', [asFloat, scale], [productOutput], fresh(`${c.name}_Rescale`)));
    } else if (operators === 'integer-to-float') {
      const a = activationQuantized();
      const inputs = [a.q, names.int8, a.scale, names.scale, a.zeroPoint, '', biasName];
      out.push(
        node(
          'MatMulIntegerToFloat',
          trimOptional(inputs),
          [productOutput],
          fresh(`${c.name}_MatMulIntegerToFloat`),
          [],
          MS_DOMAIN,
        ),
      );
    } else {
      const inputs = [c.activation, names.int8, names.scale, '', biasName];
      out.push(
        node(
          'DynamicQuantizeMatMul',
          trimOptional(inputs),
          [productOutput],
          fresh(`${c.name}_DynamicQuantizeMatMul`),
          [],
          MS_DOMAIN,
        ),
      );
    }
    let current = productOutput;
    if (separateBias) {
      // Gemm's constant C in the standard-ONNX form: an Add after the rescale.
      biasName = fresh(`${c.name}_bias`);
      newInitializers.push(tensor(biasName, [N], DataType.FLOAT, bytesOf(c.bias!.values)));
      const target = c.extraAddend ? fresh(`${c.name}_biased`) : finalOutput;
      out.push(node('Add', [current, biasName], [target], fresh(`${c.name}_BiasAdd`)));
      current = target;
    }
    if (c.extraAddend) pushExtraAddend(out, c, current, finalOutput, fresh, newInitializers);
    replacement.set(c.index, out);
    if (c.bias?.addIndex !== undefined) dropped.add(c.bias.addIndex);
    layers.push({ node: c.name, op: c.op, weight: weightName, shape: [K, N] });
  }

  // Embedding tables: int8 rows gathered, then Cast and rescaled (no integer product, so full range is safe).
  for (const e of embeddings) {
    const tableName = e.table.name ?? '';
    const [V, H] = (e.table.dims ?? []).map(Number) as [number, number];
    let names = quantizedWeights.get(`${tableName}|false`);
    if (!names) {
      const { q, scales } = quantizeSymmetric(floatData(e.table, options.file), V, H, 127, options.perChannel === true);
      names = { int8: fresh(`${tableName}_int8`), scale: fresh(`${tableName}_scale`) };
      newInitializers.push(
        tensor(names.int8, [V, H], DataType.INT8, new Uint8Array(q.buffer, q.byteOffset, q.byteLength)),
      );
      newInitializers.push(tensor(names.scale, options.perChannel ? [H] : [], DataType.FLOAT, bytesOf(scales)));
      quantizedWeights.set(`${tableName}|false`, names);
      record.weights[tableName] = { ...names, transposed: false };
      weightBytes.float += V * H * 4;
      weightBytes.int8 += V * H + scales.length * 4;
    }
    const gathered = fresh(`${e.name}_int8`);
    const asFloat = fresh(`${e.name}_int8_float`);
    replacement.set(e.index, [
      node('Gather', [names.int8, e.node.input![1]!], [gathered], fresh(`${e.name}_int8`), e.node.attribute ?? []),
      node('Cast', [gathered], [asFloat], fresh(`${e.name}_Cast`), [intAttribute('to', DataType.FLOAT)]),
      node('Mul', [asFloat, names.scale], [e.node.output![0]!], fresh(`${e.name}_Rescale`)),
    ]);
    layers.push({ node: e.name, op: 'Gather', weight: tableName, shape: [V, H] });
  }
  const order = new Map(nodes.map((n, i) => [nameOf(n, i), i]));
  layers.sort((a, b) => order.get(a.node)! - order.get(b.node)!);

  const rewritten: Node[] = [];
  nodes.forEach((n, i) => {
    if (dropped.has(i)) return;
    rewritten.push(...(replacement.get(i) ?? [n]));
  });
  graph.node = rewritten as OnnxTypes.NodeProto[];

  // Float weights nobody reads any more go; those still read elsewhere (tied weights, subgraphs) stay.
  const stillRead = countConsumers(graph);
  const removable = new Set(
    [...quantizedWeights.keys()].map((k) => k.split('|')[0]!).filter((w) => !stillRead.has(w) && !graphOutputs.has(w)),
  );
  for (const c of candidates) {
    // Bias initializers the fused operators copied.
    const biasSource =
      c.bias && c.bias.addIndex !== undefined
        ? nodes[c.bias.addIndex]!.input!.find((x) => initializers.has(x))
        : undefined;
    if (biasSource && !stillRead.has(biasSource)) removable.add(biasSource);
    if (c.op === 'Gemm' && c.node.input![2] && initializers.has(c.node.input![2]) && !stillRead.has(c.node.input![2]))
      removable.add(c.node.input![2]);
  }
  graph.initializer = [
    ...(graph.initializer ?? []).filter((t) => !removable.has(t.name ?? '')),
    ...newInitializers,
  ] as OnnxTypes.TensorProto[];
  graph.input = (graph.input ?? []).filter((i) => !removable.has(i.name ?? ''));
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => !removable.has(v.name ?? ''));

  updateOpsets(model, operators);
  model.metadataProps = [
    ...(model.metadataProps ?? []),
    onnx.StringStringEntryProto.create({ key: INT8_METADATA_KEY, value: JSON.stringify(record) }),
  ];
  const bytes = onnx.ModelProto.encode(model).finish();
  return { bytes, layers, excluded, weightBytes, operators };
}

/** Gather rows (axis 0) of a constant 2-D float32 table: an embedding. */
function embeddingTable(node: Node, initializers: Map<string, Tensor>): Tensor | null {
  if (node.opType !== 'Gather' || (node.domain ?? '') !== '') return null;
  const table = initializers.get(node.input?.[0] ?? '');
  if (!table || table.dataType !== DataType.FLOAT || (table.dims ?? []).length !== 2) return null;
  if (table.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return null;
  const axis = Number((node.attribute ?? []).find((a) => a.name === 'axis')?.i ?? 0);
  return axis === 0 ? table : null;
}

/** A MatMul/Gemm whose weight is a constant 2-D float32 initializer, or null. */
function denseLayer(node: Node, index: number, initializers: Map<string, Tensor>, file?: string): Candidate | null {
  const domain = node.domain ?? '';
  if (domain !== '' && domain !== 'ai.onnx') return null;
  const op = node.opType;
  if (op !== 'MatMul' && op !== 'Gemm') return null;
  const [activation, weightName] = node.input ?? [];
  if (!activation || !weightName) return null;
  const weight = initializers.get(weightName);
  if (!weight || weight.dataType !== DataType.FLOAT || (weight.dims ?? []).length !== 2) return null;
  if (weight.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new InputError(`weight ${weightName} is stored in an external data file, which quantize does not read`, file);
  }
  const name = nameOf(node, index);
  if (op === 'MatMul') return { index, node, op, activation, weight, transposed: false, name };
  const attr = (n: string) => (node.attribute ?? []).find((a) => a.name === n);
  const alpha = attr('alpha')?.f ?? 1;
  const beta = attr('beta')?.f ?? 1;
  if (Number(attr('transA')?.i ?? 0) !== 0 || alpha !== 1) return null;
  const transposed = Number(attr('transB')?.i ?? 0) !== 0;
  const candidate: Candidate = { index, node, op, activation, weight, transposed, name };
  const c = node.input![2];
  if (c) {
    const N = Number(weight.dims![transposed ? 0 : 1]);
    const constant = initializers.get(c);
    const dims = (constant?.dims ?? []).map(Number);
    if (
      constant &&
      constant.dataType === DataType.FLOAT &&
      ((dims.length === 1 && dims[0] === N) || (dims.length === 2 && dims[0] === 1 && dims[1] === N))
    ) {
      const values = floatData(constant, file).map((v) => v * beta);
      candidate.bias = { values, output: node.output![0]! };
    } else {
      candidate.extraAddend = { name: c, beta };
    }
  }
  return candidate;
}

/** MatMul followed by its only reader, Add of a constant [N] bias: the fused operators take the bias in. */
function attachFollowingBias(
  c: Candidate,
  nodes: Node[],
  initializers: Map<string, Tensor>,
  consumerIndex: Map<string, number[]>,
  graphOutputs: Set<string>,
): void {
  const product = c.node.output![0]!;
  const readers = consumerIndex.get(product) ?? [];
  if (readers.length !== 1 || graphOutputs.has(product)) return;
  const add = nodes[readers[0]!]!;
  if (add.opType !== 'Add' || (add.domain ?? '') !== '' || (add.input ?? []).length !== 2) return;
  const other = add.input![0] === product ? add.input![1]! : add.input![0]!;
  const bias = initializers.get(other);
  const N = Number(c.weight.dims![1]);
  if (!bias || bias.dataType !== DataType.FLOAT || (bias.dims ?? []).length !== 1 || Number(bias.dims![0]) !== N)
    return;
  if (bias.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return;
  c.bias = { values: floatData(bias), addIndex: readers[0], output: add.output![0]! };
}

function pushExtraAddend(
  out: Node[],
  c: Candidate,
  product: string,
  finalOutput: string,
  fresh: (b: string) => string,
  inits: Tensor[],
): void {
  let addend = c.extraAddend!.name;
  if (c.extraAddend!.beta !== 1) {
    const beta = fresh(`${c.name}_beta`);
    inits.push(tensor(beta, [], DataType.FLOAT, bytesOf(Float32Array.of(c.extraAddend!.beta))));
    const scaled = fresh(`${c.name}_scaled_c`);
    out.push(node('Mul', [addend, beta], [scaled], fresh(`${c.name}_BetaMul`)));
    addend = scaled;
  }
  out.push(node('Add', [product, addend], [finalOutput], fresh(`${c.name}_AddC`)));
}

/** Symmetric int8: w ~ q * scale, q in [-qmax, qmax]; one scale, or one per column of the [K, N] matrix. */
export function quantizeSymmetric(
  w: Float32Array,
  K: number,
  N: number,
  qmax: number,
  perChannel: boolean,
): { q: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(perChannel ? N : 1);
  const absMax = new Float32Array(scales.length);
  for (let k = 0; k < K; k++) {
    for (let n = 0; n < N; n++) {
      const a = Math.abs(w[k * N + n]!);
      const s = perChannel ? n : 0;
      if (a > absMax[s]!) absMax[s] = a;
    }
  }
  // An all-zero column keeps scale 1 so that nothing divides by zero.
  for (let s = 0; s < scales.length; s++) scales[s] = absMax[s]! > 0 ? absMax[s]! / qmax : 1;
  const q = new Int8Array(K * N);
  for (let k = 0; k < K; k++) {
    for (let n = 0; n < N; n++) {
      const v = w[k * N + n]! / scales[perChannel ? n : 0]!;
      q[k * N + n] = Math.max(-qmax, Math.min(qmax, roundHalfEven(v)));
    }
  }
  return { q, scales };
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Float weights of a quantized model read back as float32 [dims of the original], by original name. */
export function dequantizedWeights(model: OnnxTypes.IModelProto): Map<string, { dims: number[]; data: Float32Array }> {
  const out = new Map<string, { dims: number[]; data: Float32Array }>();
  const entry = (model.metadataProps ?? []).find((p) => p.key === INT8_METADATA_KEY);
  if (!entry) return out;
  const record = JSON.parse(entry.value ?? '{}') as QuantizedWeightsRecord;
  const byName = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t] as const));
  for (const [name, w] of Object.entries(record.weights ?? {})) {
    const q = byName.get(w.int8);
    const s = byName.get(w.scale);
    if (!q || !s) throw new Error(`the int8 weight of ${name} is missing`);
    const [K, N] = (q.dims ?? []).map(Number) as [number, number];
    const raw = q.rawData ?? new Uint8Array();
    const values = new Int8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    const scales = floatData(s);
    const data = new Float32Array(K * N);
    for (let k = 0; k < K; k++)
      for (let n = 0; n < N; n++) data[k * N + n] = values[k * N + n]! * scales[scales.length === 1 ? 0 : n]!;
    out.set(name, w.transposed ? { dims: [N, K], data: transpose(data, K, N) } : { dims: [K, N], data });
  }
  return out;
}

function updateOpsets(model: OnnxTypes.ModelProto, operators: QuantizedOperators): void {
  const imports = model.opsetImport ?? [];
  const main = imports.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!main) imports.push(onnx.OperatorSetIdProto.create({ domain: '', version: MIN_OPSET }));
  else if (Number(main.version) < MIN_OPSET) main.version = MIN_OPSET;
  if (operators !== 'integer' && !imports.some((o) => o.domain === MS_DOMAIN))
    imports.push(onnx.OperatorSetIdProto.create({ domain: MS_DOMAIN, version: 1 }));
  model.opsetImport = imports as OnnxTypes.OperatorSetIdProto[];
}

/** How many nodes read each value, subgraphs (If/Loop/Scan bodies) included. */
function countConsumers(graph: OnnxTypes.IGraphProto): Map<string, number> {
  const counts = new Map<string, number>();
  const visit = (g: OnnxTypes.IGraphProto) => {
    for (const n of g.node ?? []) {
      for (const x of n.input ?? []) if (x) counts.set(x, (counts.get(x) ?? 0) + 1);
      for (const a of n.attribute ?? []) {
        if (a.g) visit(a.g);
        for (const sub of a.graphs ?? []) visit(sub);
      }
    }
  };
  visit(graph);
  return counts;
}

function nameOf(node: Node, index: number): string {
  return node.name || `${node.opType}_${index}`;
}

function trimOptional(inputs: string[]): string[] {
  let end = inputs.length;
  while (end > 0 && inputs[end - 1] === '') end--;
  return inputs.slice(0, end);
}

function node(
  opType: string,
  input: string[],
  output: string[],
  name: string,
  attribute: OnnxTypes.IAttributeProto[] = [],
  domain = '',
): Node {
  return onnx.NodeProto.create({ opType, input, output, name, attribute, domain });
}

function intAttribute(name: string, i: number): OnnxTypes.IAttributeProto {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });
}

function tensor(name: string, dims: number[], dataType: number, rawData: Uint8Array): Tensor {
  return onnx.TensorProto.create({ name, dims, dataType, rawData });
}

function bytesOf(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function floatData(t: Tensor, file?: string): Float32Array {
  if (t.rawData && t.rawData.length) {
    const copy = new Uint8Array(t.rawData.length);
    copy.set(t.rawData);
    return new Float32Array(copy.buffer);
  }
  if (t.floatData && t.floatData.length) return Float32Array.from(t.floatData);
  const count = (t.dims ?? []).reduce((a: number, d) => a * Number(d), 1);
  if (count === 0) return new Float32Array(0);
  throw new InputError(`weight ${t.name} has no data`, file);
}

/** [rows, cols] -> [cols, rows]. */
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

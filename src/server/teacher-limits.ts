// What an ERNIE/BERT graph can take, read from its embedding tables: the id range of each id input and the longest
// row. The service checks requests against these and answers 400, instead of letting ONNX Gather wrap a negative id
// or fail with its own text.
import fs from 'node:fs';
import { onnx, type OnnxTypes } from '../onnx/graph-builder.js';

export interface TeacherLimits {
  /** Exclusive upper bound of each id input's values (input name -> rows of its embedding table). */
  idRanges: Map<string, number>;
  /** The longest row the position embeddings cover; null when the graph does not tell. */
  maxPositions: number | null;
}

const positionInputs = ['position_ids', 'pos_ids'];

/** Limits found in the graph; none when it cannot be read or does not show them. */
export async function readTeacherLimits(file: string, idInputs: readonly string[]): Promise<TeacherLimits> {
  const limits: TeacherLimits = { idRanges: new Map(), maxPositions: null };
  let graph: OnnxTypes.IGraphProto | null | undefined;
  try {
    graph = onnx.ModelProto.decode(await fs.promises.readFile(file)).graph;
  } catch {
    return limits;
  }
  if (!graph) return limits;
  const tables = new Map<string, number>();
  for (const t of graph.initializer ?? []) if (t.name && t.dims?.length === 2) tables.set(t.name, Number(t.dims[0]));
  // A Cast between an input and its Gather keeps the values: follow it.
  const sourceOf = new Map<string, string>();
  for (const node of graph.node ?? [])
    if (node.opType === 'Cast' && node.input?.[0] && node.output?.[0]) sourceOf.set(node.output[0], node.input[0]);
  const origin = (name: string) => {
    for (let i = 0; i < 4 && sourceOf.has(name); i++) name = sourceOf.get(name)!;
    return name;
  };
  for (const node of graph.node ?? []) {
    if (node.opType !== 'Gather' || !node.input || node.input.length < 2) continue;
    const axis = node.attribute?.find((a) => a.name === 'axis');
    if (axis && Number(axis.i ?? 0) !== 0) continue;
    const rows = tables.get(node.input[0]!);
    if (rows === undefined) continue;
    const indices = origin(node.input[1]!);
    if (positionInputs.includes(indices)) limits.maxPositions = Math.min(rows, limits.maxPositions ?? Infinity);
    else if (idInputs.includes(indices))
      limits.idRanges.set(indices, Math.min(rows, limits.idRanges.get(indices) ?? Infinity));
    else if (/position/i.test(node.input[0]!)) limits.maxPositions = Math.min(rows, limits.maxPositions ?? Infinity);
  }
  return limits;
}

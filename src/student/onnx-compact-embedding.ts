// A compact student's embedding in a standard ONNX graph: the rows' uint8 codes and the codebooks are gathered
// and the sub-vectors laid side by side, times each row's scale (its norm, 1, or 0 for a row not kept).
//
//   embedding.slot     int32 [rows]             row -> 1 + its kept index, 0 where not kept
//   embedding.codes    uint8 [kept + 1, nsubq]  (entry 0: the zero row's, never read with a non-zero scale)
//   embedding.codebook float [nsubq * 256, dsub] sub-space m's entry k at m * 256 + k (the last padded with zeros)
//   embedding.scale    float [kept + 1]         0, then each kept row's decoded norm (1 without norms)
import { DataType, GraphBuilder } from '../onnx/graph-builder.js';
import { CODEBOOK_SIZE, subspaceCount, subspaceWidth } from './product-quantizer.js';
import type { QuantizedRows } from './quantized-rows.js';
import type { Tensor } from './model-file.js';

export const COMPACT_EMBEDDING_TENSORS = ['embedding.codebook', 'embedding.codes', 'embedding.scale', 'embedding.slot'];

function littleEndianInt32(values: Int32Array): Uint8Array {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => bytes.writeInt32LE(v, i * 4));
  return bytes;
}

/** The initializers above, for q. */
export function addCompactEmbedding(g: GraphBuilder, q: QuantizedRows): void {
  const [rows, dim] = q.shape;
  const { dsub } = q.pq;
  const nsubq = subspaceCount(dim, dsub);
  const kept = q.rows.length;
  const slot = new Int32Array(rows);
  q.rows.forEach((row, k) => (slot[row] = k + 1));
  const codes = new Uint8Array((kept + 1) * nsubq);
  codes.set(q.pq.codes, nsubq);
  const book = new Float32Array(nsubq * CODEBOOK_SIZE * dsub);
  for (let m = 0; m < nsubq; m++) {
    const d = subspaceWidth(dim, dsub, m);
    for (let k = 0; k < CODEBOOK_SIZE; k++) {
      for (let i = 0; i < d; i++)
        book[(m * CODEBOOK_SIZE + k) * dsub + i] = q.pq.centroids[m * CODEBOOK_SIZE * dsub + k * d + i]!;
    }
  }
  const scale = new Float32Array(kept + 1);
  for (let k = 0; k < kept; k++) scale[k + 1] = q.norms ? q.norms.centroids[q.norms.codes[k]!]! : 1;
  g.rawTensor('embedding.slot', [rows], 'int32', littleEndianInt32(slot));
  g.rawTensor('embedding.codes', [kept + 1, nsubq], 'uint8', codes);
  g.floatTensor('embedding.codebook', [nsubq * CODEBOOK_SIZE, dsub], book);
  g.floatTensor('embedding.scale', [kept + 1], scale);
}

/** The embedding rows of int64 ids [batch, seq]: float [batch, seq, dim], decoded in the graph. */
export function compactGather(g: GraphBuilder, q: QuantizedRows, ids: string): string {
  const [, dim] = q.shape;
  const nsubq = subspaceCount(dim, q.pq.dsub);
  const slot = g.op('Cast', [g.op('Gather', ['embedding.slot', ids])], { to: DataType.INT64 });
  const codes = g.op('Cast', [g.op('Gather', ['embedding.codes', slot])], { to: DataType.INT64 });
  const offsets = g.int64Tensor(
    'embedding.code_offsets',
    [nsubq],
    Array.from({ length: nsubq }, (_, m) => m * CODEBOOK_SIZE),
  );
  const entries = g.op('Gather', ['embedding.codebook', g.op('Add', [codes, offsets])]);
  // [batch, seq, nsubq, dsub] -> [batch, seq, nsubq * dsub], then the padding of a ragged last sub-space cut off
  let vectors = g.op('Reshape', [entries, g.int64('embedding.flat_shape', [0, 0, -1])]);
  if (nsubq * q.pq.dsub !== dim) {
    vectors = g.op('Slice', [
      vectors,
      g.int64('embedding.dim_start', [0]),
      g.int64('embedding.dim_end', [dim]),
      g.int64('embedding.dim_axis', [2]),
    ]);
  }
  const scale = g.op('Unsqueeze', [g.op('Gather', ['embedding.scale', slot]), g.int64('embedding.scale_axis', [2])]);
  return g.op('Mul', [vectors, scale]);
}

/** The quantized embedding back from the initializers above (an exported compact student read back). */
export function compactEmbeddingOf(
  dim: number,
  tensors: { slot: Int32Array; codes: Uint8Array; codebook: Tensor; scale: Float32Array },
): QuantizedRows {
  const [entries, dsub] = tensors.codebook.shape as [number, number];
  const nsubq = subspaceCount(dim, dsub);
  if (entries !== nsubq * CODEBOOK_SIZE)
    throw new Error(`embedding.codebook has ${entries} entries, not ${nsubq * CODEBOOK_SIZE}`);
  const kept = tensors.scale.length - 1;
  const rows = new Int32Array(kept);
  tensors.slot.forEach((s, row) => {
    if (s > 0) rows[s - 1] = row;
  });
  const centroids = new Float32Array(CODEBOOK_SIZE * dim);
  for (let m = 0; m < nsubq; m++) {
    const d = subspaceWidth(dim, dsub, m);
    for (let k = 0; k < CODEBOOK_SIZE; k++) {
      for (let i = 0; i < d; i++)
        centroids[m * CODEBOOK_SIZE * dsub + k * d + i] = tensors.codebook.data[(m * CODEBOOK_SIZE + k) * dsub + i]!;
    }
  }
  const q: QuantizedRows = {
    shape: [tensors.slot.length, dim],
    rows,
    pq: { dim, dsub, centroids, codes: tensors.codes.slice(nsubq) },
  };
  const scales = tensors.scale.subarray(1);
  if (scales.some((v) => v !== 1)) {
    // The scales are the decoded norms: at most 256 distinct values, the norm codebook again.
    const distinct = [...new Set(scales)].sort((a, b) => a - b);
    const index = new Map(distinct.map((v, i) => [v, i]));
    const normCentroids = new Float32Array(CODEBOOK_SIZE);
    normCentroids.set(distinct);
    q.norms = { dim: 1, dsub: 1, centroids: normCentroids, codes: Uint8Array.from(scales, (v) => index.get(v)!) };
  }
  return q;
}

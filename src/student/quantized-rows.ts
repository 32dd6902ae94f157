// A float matrix [rows, dim] kept in compact form: only some rows (the rest read as zero), each product-quantized,
// with its norm optionally quantized apart (fastText's -qnorm: the codes then hold unit rows).
import { addDecodedRow, trainProductCodes, type ProductCodes } from './product-quantizer.js';
import type { NativeQuantizedTable } from './native-api.js';

/** A float tensor, as model-file.ts's Tensor (not imported from there: the model file imports this module). */
interface Tensor {
  shape: number[];
  data: Float32Array;
}

export interface QuantizedRows {
  /** The float tensor's shape [rows, dim]. */
  shape: [number, number];
  /** Ids of the kept rows, ascending; kept row k is rows[k]. */
  rows: Int32Array;
  /** The kept rows' codes, in `rows` order. */
  pq: ProductCodes;
  /** The kept rows' norms ([k, 1], dsub 1) when they are quantized apart; pq then codes the unit rows. */
  norms?: ProductCodes;
}

export interface QuantizeRowsOptions {
  dsub: number;
  qnorm: boolean;
  seed?: number;
  /** Native threads for k-means (default: every core). */
  threads?: number;
}

/** Quantizes the given rows (ascending ids) of `tensor`. */
export async function quantizeRows(
  tensor: Tensor,
  rows: Int32Array,
  options: QuantizeRowsOptions,
): Promise<QuantizedRows> {
  if (tensor.shape.length !== 2) throw new RangeError(`only matrices are quantized (got shape [${tensor.shape}])`);
  const [, dim] = tensor.shape as [number, number];
  const kept = new Float32Array(rows.length * dim);
  rows.forEach((row, k) => kept.set(tensor.data.subarray(row * dim, (row + 1) * dim), k * dim));
  const seed = options.seed ?? 1234;
  const threads = options.threads;
  if (!options.qnorm) {
    const pq = await trainProductCodes(kept, rows.length, dim, options.dsub, { seed, threads });
    return { shape: [tensor.shape[0]!, dim], rows, pq };
  }
  const norms = new Float32Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    let sum = 0;
    for (let i = 0; i < dim; i++) sum += kept[k * dim + i]! ** 2;
    norms[k] = Math.sqrt(sum);
    if (norms[k]! > 0) for (let i = 0; i < dim; i++) kept[k * dim + i]! /= norms[k]!;
  }
  return {
    shape: [tensor.shape[0]!, dim],
    rows,
    pq: await trainProductCodes(kept, rows.length, dim, options.dsub, { seed, threads }),
    norms: await trainProductCodes(norms, rows.length, 1, 1, { seed: seed + 1, threads }),
  };
}

/** The decoded float tensor (what the compact form stands for). */
export function decodeQuantizedRows(q: QuantizedRows): Tensor {
  const [rowCount, dim] = q.shape;
  const data = new Float32Array(rowCount * dim);
  q.rows.forEach((row, k) =>
    addDecodedRow(q.pq, k, q.norms ? q.norms.centroids[q.norms.codes[k]!]! : 1, data, row * dim),
  );
  return { shape: [rowCount, dim], data };
}

/** A one-line description of why `q` is not well formed, or null. */
export function quantizedRowsProblem(q: QuantizedRows): string | null {
  const [rowCount, dim] = q.shape;
  if (q.pq.dim !== dim) return `codes of width ${q.pq.dim} for rows of width ${dim}`;
  for (let k = 0; k < q.rows.length; k++) {
    const row = q.rows[k]!;
    if (row < 0 || row >= rowCount || (k > 0 && row <= q.rows[k - 1]!))
      return `kept row ids are not ascending ids below ${rowCount}`;
  }
  return null;
}

/** The native model's view of a quantized embedding (the arrays are shared, not copied). */
export function nativeTable(q: QuantizedRows): NativeQuantizedTable {
  const table: NativeQuantizedTable = { dsub: q.pq.dsub, rows: q.rows, centroids: q.pq.centroids, codes: q.pq.codes };
  if (q.norms) Object.assign(table, { normCentroids: q.norms.centroids, normCodes: q.norms.codes });
  return table;
}

/** The quantized rows a native table holds (as nativeTable made it), for a matrix of `shape`. */
export function quantizedRowsOf(table: NativeQuantizedTable, shape: [number, number]): QuantizedRows {
  const pq = { dim: shape[1], dsub: table.dsub, centroids: table.centroids, codes: table.codes };
  const q: QuantizedRows = { shape, rows: table.rows, pq };
  if (table.normCentroids && table.normCodes)
    q.norms = { dim: 1, dsub: 1, centroids: table.normCentroids, codes: table.normCodes };
  return q;
}

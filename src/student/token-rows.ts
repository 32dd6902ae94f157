// Packs id rows into the CSR batches (ids + offsets, and idsB + offsetsB for pairs) that the native models take.
import type { TokenRows } from './native-api.js';

/** One row's word ids: text_b's separately for a pair (two-tower) model. */
export interface StudentRow {
  ids: Int32Array;
  idsB?: Int32Array;
}

function csr(rows: readonly Int32Array[]): { ids: Int32Array; offsets: Int32Array } {
  const offsets = new Int32Array(rows.length + 1);
  for (let r = 0; r < rows.length; r++) offsets[r + 1] = offsets[r]! + rows[r]!.length;
  const ids = new Int32Array(offsets[rows.length]!);
  for (let r = 0; r < rows.length; r++) ids.set(rows[r]!, offsets[r]!);
  return { ids, offsets };
}

export function packRows(rows: readonly Int32Array[]): TokenRows {
  return csr(rows);
}

/** Rows of a one-text model, or of a pair model (then every row has idsB). */
export function packStudentRows(rows: readonly StudentRow[]): TokenRows {
  const packed: TokenRows = csr(rows.map((r) => r.ids));
  if (rows.length > 0 && rows[0]!.idsB !== undefined) {
    const b = csr(
      rows.map((r) => {
        if (!r.idsB) throw new Error('packStudentRows: a row without text_b among pair rows');
        return r.idsB;
      }),
    );
    packed.idsB = b.ids;
    packed.offsetsB = b.offsets;
  }
  return packed;
}

/** Tokens of a row, both texts counted (for length bucketing). */
export function studentRowLength(row: StudentRow): number {
  return row.ids.length + (row.idsB?.length ?? 0);
}

// Packs id rows into the CSR batches (ids + offsets) that the native models take.
import type { TokenRows } from './native-api.js';

export function packRows(rows: readonly Int32Array[]): TokenRows {
  const offsets = new Int32Array(rows.length + 1);
  for (let r = 0; r < rows.length; r++) offsets[r + 1] = offsets[r]! + rows[r]!.length;
  const ids = new Int32Array(offsets[rows.length]!);
  for (let r = 0; r < rows.length; r++) ids.set(rows[r]!, offsets[r]!);
  return { ids, offsets };
}

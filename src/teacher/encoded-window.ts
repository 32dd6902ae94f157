// A window of tokenized rows (one padded tensor set), and the per-batch tensors cut out of it.

/** What WordPieceTokenizer.encodeBatch returns: row-major tensors padded to the longest row. */
export interface EncodedTensors {
  inputIds: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  attentionMask: BigInt64Array;
  batchSize: number;
  seqLen: number;
}

export interface TeacherTensorNames {
  inputIds: boolean;
  tokenTypeIds: boolean;
  attentionMask: boolean;
}

/** Real (unpadded) token count of each row. */
export function rowLengths(window: EncodedTensors): Int32Array {
  const lengths = new Int32Array(window.batchSize);
  const { attentionMask: mask, seqLen } = window;
  for (let r = 0; r < window.batchSize; r++) {
    let n = 0;
    const base = r * seqLen;
    // The mask is 1 on a prefix of each row.
    while (n < seqLen && mask[base + n] !== 0n) n++;
    lengths[r] = n;
  }
  return lengths;
}

/** Copies the given rows out of the window, padded only to their own longest row. */
export function gatherRows(window: EncodedTensors, rows: number[], lengths: Int32Array, padId: bigint): EncodedTensors {
  let seqLen = 1;
  for (const r of rows) seqLen = Math.max(seqLen, lengths[r]!);
  const n = rows.length;
  const inputIds = new BigInt64Array(n * seqLen).fill(padId);
  const tokenTypeIds = new BigInt64Array(n * seqLen);
  const attentionMask = new BigInt64Array(n * seqLen);
  for (let i = 0; i < n; i++) {
    const src = rows[i]! * window.seqLen;
    const len = lengths[rows[i]!]!;
    const dst = i * seqLen;
    inputIds.set(window.inputIds.subarray(src, src + len), dst);
    tokenTypeIds.set(window.tokenTypeIds.subarray(src, src + len), dst);
    attentionMask.set(window.attentionMask.subarray(src, src + len), dst);
  }
  return { inputIds, tokenTypeIds, attentionMask, batchSize: n, seqLen };
}

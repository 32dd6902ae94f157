// Groups rows of similar length so each batch is padded only to its own longest row.

export interface BatchLimits {
  /** Rows per batch at most. */
  batchSize: number;
  /** Padded tokens (rows x longest row) per batch at most: the guard against running a GPU out of memory. */
  maxTokens: number;
}

/** Row indices per batch: rows sorted by length (ties by position), cut where a limit would be passed. */
export function bucketByLength(lengths: ArrayLike<number>, limits: BatchLimits): number[][] {
  const order = Array.from({ length: lengths.length }, (_, i) => i);
  order.sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  return cutBatches(order, lengths, limits);
}

/** Row indices per batch in input order, each padded to its longest row: the naive baseline. */
export function batchInOrder(lengths: ArrayLike<number>, limits: BatchLimits): number[][] {
  return cutBatches(
    Array.from({ length: lengths.length }, (_, i) => i),
    lengths,
    limits,
  );
}

function cutBatches(order: number[], lengths: ArrayLike<number>, limits: BatchLimits): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let longest = 0;
  for (const row of order) {
    const nextLongest = Math.max(longest, lengths[row]!);
    if (
      current.length > 0 &&
      (current.length + 1 > limits.batchSize || (current.length + 1) * nextLongest > limits.maxTokens)
    ) {
      batches.push(current);
      current = [];
      longest = 0;
    }
    current.push(row);
    longest = Math.max(longest, lengths[row]!);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Padded tokens the batches cost: what bucketing saves. */
export function paddedTokens(batches: number[][], lengths: ArrayLike<number>): number {
  let total = 0;
  for (const batch of batches) {
    let longest = 0;
    for (const row of batch) longest = Math.max(longest, lengths[row]!);
    total += longest * batch.length;
  }
  return total;
}

// Each epoch's row order: supervised and distillation rows shuffled apart, cut into full batches, and the
// two kinds of batch interleaved evenly (ERNIE Slim alternates them), so every batch is one kind.
import { SeededRandom } from '../util/random.js';

/** `rows` shuffled and cut into batches of exactly `batchSize` (the last one topped up from the start). */
function fullBatches(rows: Int32Array, batchSize: number, random: SeededRandom): Int32Array[] {
  if (rows.length === 0) return [];
  const shuffled = random.shuffle(rows.slice());
  const batches: Int32Array[] = [];
  for (let start = 0; start < shuffled.length; start += batchSize) {
    const batch = new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++) batch[i] = shuffled[(start + i) % shuffled.length]!;
    batches.push(batch);
  }
  return batches;
}

export function batchesPerEpoch(supervised: number, distill: number, batchSize: number): number {
  return Math.ceil(supervised / batchSize) + Math.ceil(distill / batchSize);
}

/**
 * The order for one epoch: consecutive `batchSize` slices are the batches. Batches of the two kinds are
 * spread evenly over the epoch (the kind that is further behind its share goes next).
 */
export function epochOrder(
  supervised: Int32Array,
  distill: Int32Array,
  batchSize: number,
  random: SeededRandom,
): Int32Array {
  const a = fullBatches(supervised, batchSize, random);
  const b = fullBatches(distill, batchSize, random);
  const order = new Int32Array((a.length + b.length) * batchSize);
  let ia = 0;
  let ib = 0;
  for (let step = 0; step < a.length + b.length; step++) {
    const takeA = ib >= b.length || (ia < a.length && (ia + 0.5) / a.length <= (ib + 0.5) / b.length);
    order.set(takeA ? a[ia++]! : b[ib++]!, step * batchSize);
  }
  return order;
}

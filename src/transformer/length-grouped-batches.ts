// An epoch's batches for fine-tuning: rows shuffled, then in windows of 50 batches sorted by length and cut, so a
// batch pads little, yet each epoch mixes differently; the batches' order is shuffled too (Hugging Face's
// group_by_length does the same with its "megabatches").
import type { SeededRandom } from '../util/random.js';
import { bucketByLength } from '../teacher/length-bucketer.js';

const WINDOW_BATCHES = 50;

export function lengthGroupedBatches(lengths: ArrayLike<number>, batchSize: number, random: SeededRandom): number[][] {
  const order = shuffled(
    Array.from({ length: lengths.length }, (_, i) => i),
    random,
  );
  const batches: number[][] = [];
  const window = batchSize * WINDOW_BATCHES;
  for (let start = 0; start < order.length; start += window) {
    const rows = order.slice(start, start + window);
    const cut = bucketByLength(
      rows.map((r) => lengths[r]!),
      { batchSize, maxTokens: Number.MAX_SAFE_INTEGER },
    );
    for (const batch of cut) batches.push(batch.map((i) => rows[i]!));
  }
  return shuffled(batches, random);
}

function shuffled<T>(items: T[], random: SeededRandom): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

// finetune's schedule and batches: linear warmup then linear decay to 0 (Hugging Face's
// get_linear_schedule_with_warmup); length-grouped batches cover every row once, pad little, differ by seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linearWarmupDecay } from '../dist/transformer/learning-rate.js';
import { lengthGroupedBatches } from '../dist/transformer/length-grouped-batches.js';
import { SeededRandom } from '../dist/util/random.js';

test('linear warmup and decay: 0 at the start, the peak after warmup, 0 at the end', () => {
  const lr = (step) => linearWarmupDecay(1e-3, step, 10, 100);
  assert.equal(lr(0), 0);
  assert.equal(lr(5), 5e-4);
  assert.equal(lr(10), 1e-3);
  assert.ok(Math.abs(lr(55) - 5e-4) < 1e-12);
  assert.equal(lr(100), 0);
  assert.equal(linearWarmupDecay(1e-3, 0, 0, 100), 1e-3, 'no warmup: the peak at once');
});

test('length-grouped batches: every row once, at most batchSize, less padding than in order, seeded', () => {
  const rng = new SeededRandom(4);
  const lengths = Array.from({ length: 1000 }, () => 3 + rng.int(120));
  const batches = lengthGroupedBatches(lengths, 16, new SeededRandom(1));
  assert.deepEqual(
    batches.flat().sort((a, b) => a - b),
    lengths.map((_, i) => i),
  );
  assert.ok(batches.every((b) => b.length >= 1 && b.length <= 16));
  const padded = (bs) => bs.reduce((s, b) => s + b.length * Math.max(...b.map((r) => lengths[r])), 0);
  const inOrder = Array.from({ length: Math.ceil(1000 / 16) }, (_, i) =>
    lengths.map((_, r) => r).slice(i * 16, i * 16 + 16),
  );
  assert.ok(padded(batches) < 0.75 * padded(inOrder), `${padded(batches)} vs ${padded(inOrder)}`);
  assert.deepEqual(lengthGroupedBatches(lengths, 16, new SeededRandom(1)), batches);
  assert.notDeepEqual(lengthGroupedBatches(lengths, 16, new SeededRandom(2)), batches);
});

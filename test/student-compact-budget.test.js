// The compact student's default size: a byte budget (--max-bytes) chooses the kept rows and the codes' width.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  BUDGET_DSUB,
  chooseCompactOptions,
  compactFileBytes,
  compactStudent,
  defaultCompactOptions,
} from '../dist/student/compact-student.js';
import { encodeModelFile, writeModelFile, Student } from '../dist/index.js';
import { defaultSegmentation } from '../dist/student/segmentation.js';
import { rng } from './student-native-helpers.js';

// 38 words and 3,000 bigram buckets of width 24, every row but [PAD] non-zero (so 3,039 rows count as touched).
function budgetModel() {
  const rand = rng(7);
  const [V, B, E, H] = [40, 3000, 24, 4];
  const floats = (n) => Float32Array.from({ length: n }, () => rand() - 0.5);
  const embedding = floats((V + B) * E);
  embedding.fill(0, 0, E);
  return {
    config: {
      model: { kind: 'bow', vocabSize: V, bigramBuckets: B, embDim: E, hidden: H, numLabels: 2, seed: 1 },
      segmentation: { ...defaultSegmentation, segmenter: 'whitespace' },
    },
    vocabulary: ['[PAD]', '[UNK]', ...Array.from({ length: V - 2 }, (_, i) => `w${i}`)],
    labels: ['a', 'b'],
    weights: {
      embedding: { shape: [V + B, E], data: embedding },
      'dense1.weight': { shape: [E, H], data: floats(E * H) },
      'dense1.bias': { shape: [H], data: floats(H) },
      'dense2.weight': { shape: [H, 2], data: floats(H * 2) },
      'dense2.bias': { shape: [2], data: floats(2) },
    },
  };
}
const TOUCHED = 3039;

test('defaults: a 2 MB budget, the narrowest dsub of 2..8 that holds 70% of the touched rows, norms apart, float head', () => {
  assert.deepEqual(defaultCompactOptions, { qnorm: true, qout: false, maxBytes: 2_000_000 });
  assert.deepEqual(BUDGET_DSUB, { narrowest: 2, widest: 8, keptShare: 0.7 });
});

test('compactFileBytes: never under the written file, at most its record slack over it', async () => {
  const model = budgetModel();
  const bytes = compactFileBytes(model, { qnorm: true });
  // A row costs its codes (ceil(24 / dsub) bytes) and its norm's code: 3 + 1 at dsub 8, 4 + 1 at dsub 7.
  assert.equal(bytes(1000, 8) - bytes(0, 8), 4000);
  assert.equal(bytes(1000, 7) - bytes(0, 7), 5000);
  for (const [cutoff, dsub] of [
    [TOUCHED, 8],
    [1500, 7],
  ]) {
    const written = encodeModelFile(await compactStudent(model, { cutoff, dsub, qnorm: true, qout: false })).length;
    const estimate = bytes(cutoff, dsub);
    assert.ok(estimate >= written && estimate - written <= 256, `${estimate} for ${written}`);
  }
});

test('chooseCompactOptions: the narrowest dsub at which 70% of the touched rows fit, the top rows that fit there', async () => {
  const model = budgetModel();
  const bytes = compactFileBytes(model, { qnorm: true });
  const choose = (given) => chooseCompactOptions(model, given, TOUCHED);
  const fit = (dsub, maxBytes) => {
    let k = TOUCHED;
    while (bytes(k, dsub) > maxBytes) k--;
    return k;
  };
  const base = { qnorm: true, qout: false };
  // A row costs 13 bytes at dsub 2, 9 at 3, 7 at 4, 6 at 5, 5 at 6 and 7, 4 at 8.
  for (const dsub of [2, 3]) {
    const maxBytes = bytes(TOUCHED, dsub);
    assert.deepEqual(choose({ maxBytes }), { ...base, cutoff: TOUCHED, dsub, maxBytes }, `all rows at ${dsub}`);
  }
  // Where every row fits at dsub 4 (7 bytes), 78% of them fit at dsub 3 (9 bytes): the top 78% at 3.
  const all4 = bytes(TOUCHED, 4);
  assert.deepEqual(choose({ maxBytes: all4 }), { ...base, cutoff: fit(3, all4), dsub: 3, maxBytes: all4 });
  assert.ok(fit(3, all4) >= 0.7 * TOUCHED && fit(3, all4) < TOUCHED && fit(2, all4) < 0.7 * TOUCHED);
  const all5 = bytes(TOUCHED, 5);
  assert.deepEqual(choose({ maxBytes: all5 }), { ...base, cutoff: fit(4, all5), dsub: 4, maxBytes: all5 });
  assert.ok(fit(4, all5) < TOUCHED && fit(3, all5) < 0.7 * TOUCHED);
  // Under 70% even at the widest: the rows that fit at dsub 8.
  const tight = bytes(1500, 8);
  assert.deepEqual(choose({ maxBytes: tight }), { ...base, cutoff: 1500, dsub: 8, maxBytes: tight });
  // A given dsub keeps the rows that fit at it; a given cutoff picks the dsub; given both, the budget is not used.
  const all8 = bytes(TOUCHED, 8);
  assert.deepEqual(choose({ maxBytes: all8 - 4000, dsub: 8 }), {
    ...base,
    cutoff: 2040,
    dsub: 8,
    maxBytes: all8 - 4000,
  });
  // 2,000 rows fit all8 at dsub 5 (6 bytes a row), not at 4 (7 bytes); 0 means every touched row.
  assert.deepEqual(choose({ maxBytes: all8, cutoff: 2000 }), { ...base, cutoff: 2000, dsub: 5, maxBytes: all8 });
  assert.deepEqual(choose({ maxBytes: all5, cutoff: 0 }), { ...base, cutoff: 0, dsub: 5, maxBytes: all5 });
  assert.deepEqual(choose({ maxBytes: 10, cutoff: 5, dsub: 2 }), { ...base, cutoff: 5, dsub: 2, maxBytes: 10 });
  // The default budget holds this whole model at dsub 2.
  assert.deepEqual(choose({}), { ...base, cutoff: TOUCHED, dsub: 2, maxBytes: 2_000_000 });
  assert.throws(() => choose({ maxBytes: 1000 }), {
    message: `--max-bytes 1000 is below the student's size without embedding rows (${bytes(0, 2)} bytes)`,
  });
  assert.throws(() => choose({ maxBytes: 0 }), { message: '--max-bytes must be a positive whole number' });
  // The file written with the chosen options is within the budget.
  const chosen = choose({ maxBytes: all5 });
  assert.ok(encodeModelFile(await compactStudent(model, chosen)).length <= all5);
});

test('a loaded compact student keeps no codes of its own: toData() reads them back from the native model, byte for byte', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-budget-'));
  const file = path.join(dir, 'c.bin');
  await writeModelFile(file, await compactStudent(budgetModel(), { cutoff: 1200, dsub: 8, qnorm: true, qout: false }));
  const student = await Student.load(file);
  assert.equal(student.compact, true);
  assert.equal(student.data.quantized.embedding, undefined);
  assert.deepEqual(encodeModelFile(student.toData()), fs.readFileSync(file));
  fs.rmSync(dir, { recursive: true, force: true });
});

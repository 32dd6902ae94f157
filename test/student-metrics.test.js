// The figures of eval: accuracy, macro-F1, and the positive/negative order ratio on hand-computed cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classificationMetrics, posNegRatio } from '../dist/student/metrics.js';

test('accuracy and macro-F1 of a small case', () => {
  // gold 0 0 1 1, predicted 0 1 1 1: label 0 F1 = 2/3, label 1 F1 = 4/5
  const m = classificationMetrics([0, 0, 1, 1], [0, 1, 1, 1], 2);
  assert.equal(m.accuracy, 0.75);
  assert.ok(Math.abs(m.macroF1 - (2 / 3 + 4 / 5) / 2) < 1e-12);
});

test('pos_neg_ratio: each query orders its positive/negative candidate pairs', () => {
  // q1: positives 0.9, 0.4; negatives 0.5, 0.1 -> (0.9>0.5 c) (0.9>0.1 c) (0.4<0.5 d) (0.4>0.1 c): 3 c, 1 d
  // q2: positive 0.2, negative 0.7 -> 1 d
  // q3: one candidate only; q4: negatives only -> no pairs
  const queries = ['q1', 'q1', 'q1', 'q1', 'q2', 'q2', 'q3', 'q4', 'q4'];
  const positive = [true, true, false, false, true, false, true, false, false];
  const scores = [0.9, 0.4, 0.5, 0.1, 0.2, 0.7, 0.8, 0.3, 0.6];
  assert.deepEqual(posNegRatio(queries, positive, scores), {
    ratio: 1.5,
    concordant: 3,
    discordant: 2,
    ties: 0,
    queries: 2,
  });
});

test('pos_neg_ratio: ties count in neither side; no discordant pair gives a null ratio', () => {
  const tied = posNegRatio(['a', 'a', 'a'], [true, false, false], [0.5, 0.5, 0.2]);
  assert.deepEqual(tied, { ratio: null, concordant: 1, discordant: 0, ties: 1, queries: 1 });
  assert.deepEqual(posNegRatio(['a', 'b'], [true, false], [0.1, 0.9]), {
    ratio: null,
    concordant: 0,
    discordant: 0,
    ties: 0,
    queries: 0,
  });
  // Row order within a query does not matter.
  const a = posNegRatio(['x', 'x', 'x', 'x'], [false, true, false, true], [0.3, 0.6, 0.7, 0.1]);
  const b = posNegRatio(['x', 'x', 'x', 'x'], [true, true, false, false], [0.1, 0.6, 0.7, 0.3]);
  assert.deepEqual(a, b);
  assert.deepEqual(a, { ratio: 1 / 3, concordant: 1, discordant: 3, ties: 0, queries: 1 });
});

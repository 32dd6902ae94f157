// One scoring function: scoreLogits on hand-made logits, and train (dev), eval and distill's teacher scoring
// giving identical figures for the same logits.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, test } from 'node:test';
import { train, evaluate, UsageError, LabelMap } from '../dist/index.js';
import { alignLogits, positiveLabelId, scoreLogits } from '../dist/student/score-logits.js';
import { classificationMetrics } from '../dist/student/metrics.js';
import { scoreDevSet } from '../dist/student/train-epochs.js';
import { scoreTeacher } from '../dist/distill/teacher-step.js';
import { generatePairs, tempDir, writePairTsv } from './student-fixtures.js';

const dir = tempDir('ernie-slim-scoring-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('scoreLogits: arg-max labels, macro-F1, and the order ratio on the positive label', () => {
  // Rows: (q1, gold 1, p1 high), (q1, gold 0, p1 low), (q1, gold 0, p1 higher than the positive), (q2, gold 1), (q2, gold 0)
  const logits = Float32Array.from([0, 2, /**/ 1, 0, /**/ 0, 3, /**/ 0, 0.5, /**/ 0.2, 0]);
  const gold = [1, 0, 0, 1, 0];
  const queries = ['q1', 'q1', 'q1', 'q2', 'q2'];
  const s = scoreLogits(logits, 2, gold, { queries });
  const predicted = [1, 0, 1, 1, 0];
  const { accuracy, macroF1, n } = classificationMetrics(gold, predicted, 2);
  assert.deepEqual({ accuracy: s.accuracy, macroF1: s.macroF1, n: s.n }, { accuracy, macroF1, n });
  assert.equal(s.accuracy, 0.8);
  // q1: positive 2 against negatives (1,0)->low and (0,3)->higher: 1 concordant, 1 discordant; q2: 1 concordant.
  assert.deepEqual(s.posNeg, { ratio: 2, concordant: 2, discordant: 1, ties: 0, queries: 2 });
  // Label 0 as the positive label: q1's positives (1,0) and (0,3) against its negative (0,2): one each way; q2's
  // (0.2,0) above (0,0.5).
  assert.deepEqual(scoreLogits(logits, 2, gold, { queries, positiveId: 0 }).posNeg, {
    ratio: 2,
    concordant: 2,
    discordant: 1,
    ties: 0,
    queries: 2,
  });
  // No queries, or more than two labels: no order ratio.
  assert.equal(scoreLogits(logits, 2, gold).posNeg, null);
  assert.equal(scoreLogits(new Float32Array(9), 3, [0, 1, 2], { queries: ['a', 'a', 'a'] }).posNeg, null);
  assert.throws(() => scoreLogits(new Float32Array(5), 2, [0, 1, 0]), /5 logits for 3 rows of 2 labels/);
});

test('the positive label is the second label unless one is named', () => {
  assert.equal(positiveLabelId(['0', '1']), 1);
  assert.equal(positiveLabelId(['neg', 'pos']), 1);
  assert.equal(positiveLabelId(['no', 'yes'], 'no'), 0);
  assert.throws(
    () => positiveLabelId(['0', '1'], 'yes'),
    (err) => err instanceof UsageError && err.message === "--positive-label yes is not among the model's labels (0, 1)",
  );
});

test("alignLogits puts a teacher's columns in the training labels' order", () => {
  const rows = [Float32Array.from([1, 2, 3]), Float32Array.from([4, 5, 6])];
  assert.deepEqual([...alignLogits(rows, ['b', 'c', 'a'], ['a', 'b', 'c'])], [3, 1, 2, 6, 4, 5]);
  assert.throws(() => alignLogits(rows, ['b', 'c', 'x'], ['a', 'b', 'c']), /not all among/);
});

test("train (dev), eval and distill's teacher scoring score the same logits identically", async () => {
  const trainFile = writePairTsv(dir, 'train.tsv', generatePairs(200, 31));
  const devFile = writePairTsv(dir, 'dev.tsv', generatePairs(80, 32));
  const result = await train({
    train: trainFile,
    dev: devFile,
    model: 'bow',
    epochs: 3,
    embDim: 16,
    hidden: 8,
    threads: 1,
    seed: 5,
  });
  assert.equal(result.pair, true);
  assert.notEqual(result.devPosNegRatio, null, 'pairs with two labels have an order ratio');
  const devRows = fs
    .readFileSync(devFile, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line, i) => {
      const [textA, textB, label] = line.split('\t');
      return { textA, textB, label, line: i + 2 };
    });
  const student = result.student;
  const logits = await student.logitsOfRows(await student.packedRows(devRows.map((r) => [r.textA, r.textB])), 1);
  const labels = LabelMap.fromLabels(result.labels);
  const gold = Int32Array.from(devRows, (r) => labels.idOf(r.label));
  const reference = scoreLogits(logits, 2, gold, { queries: devRows.map((r) => r.textA) });

  // train: its best epoch's dev figures, and the dev scorer the epoch runner calls.
  assert.deepEqual(
    [result.devAccuracy, result.devMacroF1, result.devPosNegRatio],
    [reference.accuracy, reference.macroF1, reference.posNeg.ratio],
  );
  const devSet = { rows: null, gold, queries: devRows.map((r) => r.textA) };
  assert.deepEqual(await scoreDevSet({ predictRows: async () => logits }, devSet, 2, 1), reference);

  // eval on the dev file.
  const evaluated = await evaluate({ model: student, data: devFile });
  assert.deepEqual(
    { accuracy: evaluated.accuracy, macroF1: evaluated.macroF1, n: evaluated.n, posNeg: evaluated.posNeg },
    reference,
  );
  assert.equal(evaluated.posNegRatio, reference.posNeg.ratio);

  // distill: a teacher giving the same logits with its labels in the other order ('1' first).
  let seen = null;
  const teacher = {
    score: async (texts) => {
      seen = texts;
      return texts.map((_, r) => Float32Array.from([logits[2 * r + 1], logits[2 * r]]));
    },
  };
  const teacherScores = await scoreTeacher(teacher, ['1', '0'], devRows, labels, 64);
  assert.deepEqual(teacherScores, reference);
  assert.deepEqual(seen[0], [devRows[0].textA, devRows[0].textB], 'the teacher reads pairs');
});

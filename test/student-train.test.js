// train() on a small generated data set: learning, the best epoch, distillation rows, errors, reproducibility.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { train, Student, InputError } from '../dist/index.js';
import { generateReviews, tempDir, writeLabeledTsv } from './student-fixtures.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const trainFile = writeLabeledTsv(dir, 'train.tsv', generateReviews(600, 1));
const devFile = writeLabeledTsv(dir, 'dev.tsv', generateReviews(200, 2));
const small = { embDim: 16, hidden: 8, threads: 1, seed: 3 };

test('bow learns the generated task; predict and predictBatch agree; the model reloads', async () => {
  const out = path.join(dir, 'bow.bin');
  const epochs = [];
  const result = await train({
    train: trainFile,
    dev: devFile,
    out,
    model: 'bow',
    epochs: 4,
    ...small,
    onEpoch: (e) => epochs.push(e),
  });
  assert.equal(epochs.length, 4);
  assert.ok(result.devAccuracy > 0.85, `dev accuracy ${result.devAccuracy}`);
  assert.equal(result.devAccuracy, Math.max(...epochs.map((e) => e.devAccuracy)), 'the best epoch is kept');
  assert.ok(result.tokensPerSecond > 0 && result.trainSeconds > 0);
  assert.deepEqual(result.labels, ['neg', 'pos']);
  const student = await Student.load(out);
  assert.equal(student.predict('很好，喜欢，推荐').label, 'pos');
  assert.equal(student.predict('糟糕，失望，垃圾').label, 'neg');
  const texts = ['很好，喜欢，推荐', '糟糕，失望，垃圾', '酒店[UNK]房间', 'TERRIBLE 退货'];
  const batch = await student.predictBatch(texts);
  texts.forEach((t, i) => {
    const one = student.predict(t);
    assert.equal(batch[i].label, one.label);
    one.probs.forEach((p, k) => assert.ok(Math.abs(p - batch[i].probs[k]) < 1e-6));
    assert.ok(Math.abs(one.probs.reduce((a, b) => a + b) - 1) < 1e-6);
  });
  const reloaded = (await Student.load(out)).logits('很好');
  assert.deepEqual([...reloaded], [...result.student.logits('很好')]);
});

test('--threads 1 --seed N gives a byte-identical model file', async () => {
  const a = path.join(dir, 'a.bin');
  const b = path.join(dir, 'b.bin');
  for (const out of [a, b])
    await train({ train: trainFile, dev: devFile, out, model: 'bow', ngrams: 2, buckets: 1000, epochs: 2, ...small });
  assert.deepEqual(fs.readFileSync(a), fs.readFileSync(b));
  const c = path.join(dir, 'c.bin');
  await train({
    train: trainFile,
    dev: devFile,
    out: c,
    model: 'bow',
    ngrams: 2,
    buckets: 1000,
    epochs: 2,
    ...small,
    seed: 4,
  });
  assert.notDeepEqual(fs.readFileSync(a), fs.readFileSync(c), 'another seed gives another model');
});

test('distillation rows (soft logits, or hard teacher labels) train together with the labeled rows', async () => {
  const teacherRows = generateReviews(300, 5).map((r) => {
    const logits = r.label === 'pos' ? '-2,2' : '2,-2';
    return `${r.text}\t${r.label}\t${logits}\n`;
  });
  const soft = path.join(dir, 'soft.tsv');
  fs.writeFileSync(soft, 'text_a\tlabel\tlogits\n' + teacherRows.join(''));
  const hard = path.join(dir, 'hard.tsv');
  fs.writeFileSync(
    hard,
    'text_a\tlabel\n' +
      generateReviews(100, 6)
        .map((r) => `${r.text}\t${r.label}\n`)
        .join(''),
  );
  const result = await train({
    train: trainFile,
    dev: devFile,
    distill: [soft, hard],
    model: 'bow',
    epochs: 2,
    temperature: 2,
    alpha: 0.7,
    ...small,
  });
  assert.equal(result.distillRows, 400);
  assert.ok(result.devAccuracy > 0.85, `dev accuracy ${result.devAccuracy}`);
});

test('an empty training set, an unseen dev label and bad teacher logits are errors naming the file', async () => {
  const empty = path.join(dir, 'empty.tsv');
  fs.writeFileSync(empty, 'label\ttext_a\n');
  await assert.rejects(
    train({ train: empty, model: 'bow', ...small }),
    (err) => err instanceof InputError && /empty\.tsv: the training set is empty/.test(err.message),
  );
  const dev = path.join(dir, 'dev-new-label.tsv');
  fs.writeFileSync(dev, 'label\ttext_a\npos\t很好\nmeh\t一般\n');
  await assert.rejects(
    train({ train: trainFile, dev, model: 'bow', epochs: 1, ...small }),
    /dev-new-label\.tsv:3: unknown label "meh" \(not among the training labels\)/,
  );
  const logits = path.join(dir, 'three-logits.tsv');
  fs.writeFileSync(logits, 'text_a\tlabel\tlogits\n很好\tpos\t1,2,3\n');
  await assert.rejects(
    train({ train: trainFile, distill: [logits], model: 'bow', epochs: 1, ...small }),
    /three-logits\.tsv:2: 3 logits, but the training set has 2 labels/,
  );
});

test('--skip-bad-lines drops malformed training rows and counts them', async () => {
  const messy = path.join(dir, 'messy.tsv');
  fs.writeFileSync(messy, fs.readFileSync(trainFile, 'utf8') + 'pos\n\t\t\npos\t\n');
  await assert.rejects(
    train({ train: messy, model: 'bow', epochs: 1, ...small }),
    /messy\.tsv:602: expected 2 tab-separated columns, found 1/,
  );
  const result = await train({ train: messy, model: 'bow', epochs: 1, skipBadLines: true, ...small });
  assert.equal(result.skippedLines, 3);
  assert.equal(result.trainRows, 600);
});

test('--segmented takes space-separated words as they are', async () => {
  const seg = writeLabeledTsv(dir, 'seg.tsv', generateReviews(300, 7, ' '));
  const result = await train({ train: seg, dev: seg, model: 'bow', epochs: 3, segmented: true, ...small });
  assert.ok(result.devAccuracy > 0.85, `dev accuracy ${result.devAccuracy}`);
  assert.equal(result.student.segmentation.segmenter, 'whitespace');
  assert.deepEqual([...result.student.encode('很好 great 从未见过')].slice(2), [1]);
});

test('a diverging run stops with a message and writes no NaN model', async () => {
  const out = path.join(dir, 'nan.bin');
  await assert.rejects(
    train({ train: trainFile, dev: devFile, out, model: 'bow', epochs: 2, lr: 1e38, ...small }),
    /training diverged in the first epoch \(NaN\/Inf loss\); no model written/,
  );
  assert.equal(fs.existsSync(out), false);
});

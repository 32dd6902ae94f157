// Text pairs end to end on generated question pairs: two-tower training, predict, ONNX export with two inputs
// (onnxruntime within 1e-4 of native), eval's pos_neg_ratio, predict/label/train through the CLI, exported pair
// students as teachers, and the errors a user meets.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { train, evaluate, exportOnnx, Student, Teacher, UsageError } from '../dist/index.js';
import { cli, generatePairs, generateReviews, tempDir, writeLabeledTsv, writePairTsv } from './student-fixtures.js';

const dir = tempDir('ernie-slim-pairs-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const trainFile = writePairTsv(dir, 'train.tsv', generatePairs(300, 31));
const devFile = writePairTsv(dir, 'dev.tsv', generatePairs(80, 32));
const small = { embDim: 16, hidden: 12, matchHidden: 8, threads: 1, seed: 5 };
const lastJson = (stdout) => JSON.parse(stdout.trim().split('\n').at(-1));
let bow;

before(async () => {
  bow = await train({
    train: trainFile,
    dev: devFile,
    out: path.join(dir, 'bow.bin'),
    model: 'bow',
    epochs: 6,
    lr: 0.01,
    ...small,
  });
});

test('a training TSV with text_b trains a two-tower model that tells matching questions apart', async () => {
  assert.equal(bow.pair, true);
  assert.ok(bow.devAccuracy > 0.8, `dev accuracy ${bow.devAccuracy}`);
  assert.ok(bow.devPosNegRatio > 2, `dev pos_neg_ratio ${bow.devPosNegRatio}`);
  const student = await Student.load(bow.out);
  assert.equal(student.pair, true);
  assert.equal(student.data.config.model.pair, true);
  assert.equal(student.data.config.model.matchHidden, 8);
  assert.equal(student.predict({ textA: '手机多少钱', textB: '请问手机多少钱？' }).label, '1');
  assert.equal(student.predict(['手机多少钱', '护照怎么办理']).label, '0');
  const inputs = [
    ['快递怎么退货', '求助快递怎么退货'],
    { textA: '驾照丢了怎么办', textB: '驾照在哪里买' },
    ['[UNK]', '从未见过'],
  ];
  const batch = await student.predictBatch(inputs);
  inputs.forEach((input, i) => {
    const one = student.predict(input);
    assert.equal(batch[i].label, one.label);
    one.probs.forEach((p, k) => assert.ok(Math.abs(p - batch[i].probs[k]) < 1e-6));
  });
  assert.throws(() => student.predict('手机多少钱'), UsageError);
  assert.throws(() => student.encode('手机多少钱'), /pairs/);
});

test('the concat option keeps the one-row model (text_b appended); --threads 1 --seed N is byte-identical', async () => {
  const concat = await train({
    train: trainFile,
    dev: devFile,
    model: 'bow',
    epochs: 1,
    pairs: 'concat',
    ...small,
    matchHidden: undefined,
  });
  assert.equal(concat.pair, false);
  assert.equal(concat.student.pair, false);
  const a = path.join(dir, 'a.bin');
  const b = path.join(dir, 'b.bin');
  for (const out of [a, b])
    await train({ train: trainFile, dev: devFile, out, model: 'cnn', epochs: 1, wordDropout: 0.2, ...small });
  assert.deepEqual(fs.readFileSync(a), fs.readFileSync(b));
  await assert.rejects(
    train({ train: writeLabeledTsv(dir, 'one.tsv', generateReviews(50, 1)), model: 'bow', pairs: 'towers' }),
    /--pairs applies to training data with a text_b column/,
  );
});

async function onnxParity(name, options) {
  const result = await train({ train: trainFile, epochs: 1, ...small, ...options });
  const student = result.student;
  const file = path.join(dir, `${name}.onnx`);
  await exportOnnx(student.toData(), file);
  // Rows of different lengths on each side, [UNK]s and unknown words, in one padded batch.
  const pairs = [
    ['手机', '请问手机多少钱呢？'],
    ['谁知道信用卡丢了怎么办啊', '卡'],
    ['[UNK] 发票', '从未见过的词语组合'],
    ['GREAT 电脑', '电脑 great'],
  ];
  const rows = await student.encodeRows(pairs);
  const tensor = (key) => {
    const seq = Math.max(...rows.map((r) => r[key].length));
    const ids = new BigInt64Array(rows.length * seq);
    rows.forEach((r, i) => r[key].forEach((v, j) => (ids[i * seq + j] = BigInt(v))));
    return new ort.Tensor('int64', ids, [rows.length, seq]);
  };
  const session = await ort.InferenceSession.create(file);
  assert.deepEqual(session.inputNames, ['ids_a', 'ids_b']);
  const out = await session.run({ ids_a: tensor('ids'), ids_b: tensor('idsB') });
  assert.deepEqual(out.logits.dims, [pairs.length, 2]);
  let worst = 0;
  pairs.forEach((p, i) =>
    student.logits(p).forEach((v, k) => (worst = Math.max(worst, Math.abs(v - out.logits.data[i * 2 + k])))),
  );
  assert.ok(worst < 1e-4, `${name}: max |onnx - native| = ${worst}`);
  await session.release();
  return { file, student };
}

test('pair bow: ONNX logits (inputs ids_a, ids_b) equal native logits', async () => {
  await onnxParity('pair-bow', { model: 'bow' });
});

test('pair bow with hashed bigrams and no match layer: ONNX logits equal native logits', async () => {
  await onnxParity('pair-bow2', { model: 'bow', ngrams: 2, buckets: 997, matchHidden: 0 });
});

test('pair cnn and pair lstm: ONNX logits equal native logits', async () => {
  await onnxParity('pair-cnn', { model: 'cnn' });
  await onnxParity('pair-lstm', { model: 'lstm' });
});

test('the pair .onnx loads back (native and onnxruntime agree) and carries pair: true in its metadata', async () => {
  const { file, student } = await onnxParity('pair-meta', { model: 'bow', segmenter: 'char' });
  const model = onnxProto.onnx.ModelProto.decode(fs.readFileSync(file));
  const meta = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
  const config = JSON.parse(meta['ernie_slim.config']);
  assert.equal(config.model.pair, true);
  assert.equal(config.segmentation.segmenter, 'char');
  const back = await Student.load(file);
  assert.deepEqual([...back.logits(['手机多少钱', '电脑多少钱'])], [...student.logits(['手机多少钱', '电脑多少钱'])]);
  const viaOrt = await Student.load(file, { runtime: 'onnxruntime' });
  const a = await evaluate({ model: back, data: devFile });
  const b = await evaluate({ model: viaOrt, data: devFile });
  assert.equal(b.accuracy, a.accuracy);
  assert.deepEqual(b.posNeg, a.posNeg);
  await viaOrt.close();
});

test('eval --json reports pos_neg_ratio and its counts for pairs; a pair model refuses one-text data', () => {
  const run = cli(['eval', '--model', bow.out, '--data', devFile, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const out = lastJson(run.stdout);
  assert.equal(out.pos_neg_ratio, out.pos_neg.ratio);
  assert.ok(out.pos_neg_ratio > 2, JSON.stringify(out));
  assert.equal(out.pos_neg.ratio, out.pos_neg.concordant / out.pos_neg.discordant);
  assert.ok(out.pos_neg.queries > 50 && out.pos_neg.queries <= 80, JSON.stringify(out.pos_neg));
  assert.equal(out.accuracy, bow.devAccuracy);
  assert.match(run.stderr, /pos_neg_ratio [\d.]+ \(\d+\/\d+, \d+ queries\)/);
  const reviews = writeLabeledTsv(
    dir,
    'reviews.tsv',
    generateReviews(10, 3).map((r) => ({ ...r, label: r.label === 'pos' ? '1' : '0' })),
  );
  const wrong = cli(['eval', '--model', bow.out, '--data', reviews]);
  assert.equal(wrong.status, 1);
  assert.equal(
    wrong.stderr,
    `ernie-slim: ${reviews}: this student compares text pairs, but the data has no text_b column\n`,
  );
  const badLabel = cli(['eval', '--model', bow.out, '--data', devFile, '--positive-label', 'yes']);
  assert.equal(badLabel.status, 2);
});

test('predict takes a text_a/text_b TSV on stdin; plain lines exit 1 naming the line', () => {
  const run = cli(
    ['predict', '--model', bow.out, '--probs'],
    'text_a\ttext_b\n手机多少钱\t请问手机多少钱？\n手机多少钱\t护照怎么办理\n',
  );
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.match(lines[0], /^1\t[0-9.e-]+,[0-9.e-]+$/);
  assert.match(lines[1], /^0\t/);
  const plain = cli(['predict', '--model', bow.out], '手机多少钱\n');
  assert.equal(plain.status, 1);
  assert.equal(
    plain.stderr,
    'ernie-slim: <stdin>:1: this student compares text pairs: give a TSV whose header names text_a and text_b\n',
  );
});

test('an exported pair student is a teacher for pair data: label, then train --distill', async () => {
  const onnx = path.join(dir, 'teacher-pair.onnx');
  await exportOnnx(bow.student.toData(), onnx);
  const teacher = await Teacher.open(onnx);
  const [match, differ] = await teacher.score([
    ['手机多少钱', '请问手机多少钱？'],
    ['手机多少钱', '护照怎么办理'],
  ]);
  assert.ok(match[1] > match[0] && differ[0] > differ[1]);
  await assert.rejects(teacher.score(['手机多少钱']), /compares text pairs/);
  await teacher.close();
  const unlabeled = path.join(dir, 'unlabeled.tsv');
  fs.writeFileSync(
    unlabeled,
    'text_a\ttext_b\n' +
      generatePairs(40, 33)
        .map((r) => `${r.a}\t${r.b}\n`)
        .join(''),
  );
  const labeled = path.join(dir, 'labeled.tsv');
  const run = cli(['label', '--teacher', onnx, '--input', unlabeled, '--output', labeled, '--soft', '--json']);
  assert.equal(run.status, 0, run.stderr);
  const lines = fs.readFileSync(labeled, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'text_a\ttext_b\tlabel\tlogits');
  assert.equal(lines.length, 1 + lastJson(run.stdout).rows);
  const distilled = cli([
    'train',
    '--train',
    trainFile,
    '--dev',
    devFile,
    '--distill',
    labeled,
    '--out',
    path.join(dir, 'd.bin'),
    '--epochs',
    '2',
    '--emb-dim',
    '16',
    '--hidden',
    '12',
    '--threads',
    '1',
    '--json',
  ]);
  assert.equal(distilled.status, 0, distilled.stderr);
  const out = lastJson(distilled.stdout);
  assert.equal(out.pair, true);
  assert.equal(out.distill_rows, lines.length - 1);
  assert.equal(typeof out.dev_pos_neg_ratio, 'number');
});

test('train: teacher-labeled rows without text_b exit 1 naming file:line; --match-hidden without pairs exits 2', () => {
  const oneText = path.join(dir, 'one-text-labels.tsv');
  fs.writeFileSync(oneText, 'text_a\tlabel\n手机多少钱\t1\n');
  const run = cli(['train', '--train', trainFile, '--distill', oneText, '--out', path.join(dir, 'x.bin')]);
  assert.equal(run.status, 1);
  assert.equal(
    run.stderr,
    `ernie-slim: ${oneText}:2: the training set has text pairs (text_b) but this row has no text_b\n`,
  );
  const reviews = writeLabeledTsv(dir, 'reviews2.tsv', generateReviews(20, 4));
  const flag = cli(['train', '--train', reviews, '--out', path.join(dir, 'y.bin'), '--match-hidden', '8']);
  assert.equal(flag.status, 2);
  assert.equal(
    flag.stderr,
    'ernie-slim: --match-hidden applies to two-tower pair models only (training data with text_b)\n',
  );
});

test('serve: an exported pair student answers KServe text + text_pair requests; text alone is a 400', async () => {
  const { TeacherService } = await import('../dist/server/teacher-service.js');
  const onnx = path.join(dir, 'served-pair.onnx');
  await exportOnnx(bow.student.toData(), onnx);
  const service = await TeacherService.start({ teacher: onnx, port: 0, maxBatch: 8 });
  try {
    const url = `http://127.0.0.1:${service.address.port}/v2/models/teacher/infer`;
    const infer = (inputs) =>
      fetch(url, { method: 'POST', body: JSON.stringify({ inputs }), headers: { 'content-type': 'application/json' } });
    const texts = ['手机多少钱', '手机多少钱'];
    const pairs = ['请问手机多少钱？', '护照怎么办理'];
    const res = await infer([
      { name: 'text', datatype: 'BYTES', shape: [2], data: texts },
      { name: 'text_pair', datatype: 'BYTES', shape: [2], data: pairs },
    ]);
    assert.equal(res.status, 200);
    const logits = (await res.json()).outputs[0].data;
    texts.forEach((t, i) =>
      bow.student.logits([t, pairs[i]]).forEach((v, k) => assert.ok(Math.abs(v - logits[i * 2 + k]) < 1e-4)),
    );
    const alone = await infer([{ name: 'text', datatype: 'BYTES', shape: [1], data: ['手机多少钱'] }]);
    assert.equal(alone.status, 400);
    assert.match((await alone.json()).error, /text_pair/);
  } finally {
    await service.close();
  }
});

test('distill on pair data: a trained two-tower teacher, augmented pairs, pos/neg order ratios in metrics and report', async () => {
  const { distill } = await import('../dist/distill/pipeline.js');
  const out = path.join(dir, 'distill-out');
  const result = await distill({
    trainTeacher: 'cnn',
    teacherEpochs: 1,
    train: trainFile,
    dev: devFile,
    augmentTimes: 1,
    epochs: 2,
    out,
    seed: 3,
    threads: 1,
    ernieBaseSpeedup: false,
  });
  const m = result.metrics;
  assert.equal(m.student.pair, true);
  assert.equal(m.data.augmented_rows, fs.readFileSync(trainFile, 'utf8').trim().split('\n').length - 1);
  for (const k of ['teacher_pos_neg_ratio', 'baseline_pos_neg_ratio', 'student_pos_neg_ratio'])
    assert.equal(typeof m[k], 'number', k);
  assert.equal(result.files.labels.length, 1);
  assert.equal(fs.readFileSync(result.files.labels[0], 'utf8').split('\n')[0], 'text_a\ttext_b\tlabel\tlogits');
  const student = await Student.load(result.files.onnx);
  assert.equal(student.pair, true);
  assert.match(
    fs.readFileSync(result.files.report, 'utf8'),
    /\| model \| dev accuracy \| dev macro-F1 \| dev pos\/neg order ratio \|/,
  );
});

test('online distillation of a two-tower student: the teacher labels pair rows as training reaches them', async () => {
  const rows = generatePairs(60, 34).map((r, i) => ({ line: i + 2, textA: r.a, textB: r.b }));
  let asked = 0;
  const online = {
    rows,
    segmentBatches: 2,
    label: async (batch) => {
      asked += batch.length;
      assert.ok(
        batch.every((r) => r.textB !== undefined),
        'pair rows reach the teacher whole',
      );
      return Float32Array.from(
        batch.flatMap((r) => (bow.student.predict([r.textA, r.textB]).label === '1' ? [-2, 2] : [2, -2])),
      );
    },
  };
  const result = await train({
    train: trainFile,
    dev: devFile,
    model: 'bow',
    epochs: 2,
    batchSize: 16,
    online,
    ...small,
  });
  assert.equal(result.pair, true);
  assert.equal(result.distillRows, rows.length);
  assert.ok(asked >= 2 * rows.length, `the teacher labeled ${asked} rows`);
  assert.ok(result.devAccuracy > 0.75, `dev accuracy ${result.devAccuracy}`);
  await assert.rejects(
    train({
      train: trainFile,
      model: 'bow',
      epochs: 1,
      online: { ...online, rows: [{ line: 9, textA: '手机' }] },
      ...small,
    }),
    /online distillation row 9/,
  );
});

// export: onnxruntime-node's logits equal the native ones within 1e-4 for every model kind.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { train, exportOnnx, Student, ONNX_METADATA } from '../dist/index.js';
import { generateReviews, tempDir, writeLabeledTsv } from './student-fixtures.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const trainFile = writeLabeledTsv(dir, 'train.tsv', generateReviews(300, 21));

// Rows of very different lengths in one padded batch, a one-word row, [UNK]s and unknown words.
const texts = [
  '很好',
  '酒店房间很干净，服务也很好，早餐丰富，价格合理，下次还会再来，推荐给大家！',
  '[UNK] 糟糕 [UNK]',
  '从未见过的词语组合',
  'GREAT great Great 退货',
  '糟糕，失望，垃圾，很差，难吃，吵闹，肮脏，退货，terrible，很差，失望，垃圾，很差，难吃',
];

async function parity(name, options) {
  const result = await train({ train: trainFile, epochs: 1, threads: 1, seed: 5, embDim: 12, hidden: 6, ...options });
  const student = result.student;
  const file = path.join(dir, `${name}.onnx`);
  await exportOnnx(student.toData(), file);
  const rows = texts.map((t) => student.encode(t));
  const seq = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * seq);
  rows.forEach((r, i) => r.forEach((v, j) => (ids[i * seq + j] = BigInt(v))));
  const session = await ort.InferenceSession.create(file);
  const out = await session.run({ ids: new ort.Tensor('int64', ids, [rows.length, seq]) });
  assert.deepEqual(out.logits.dims, [rows.length, 2]);
  let worst = 0;
  texts.forEach((t, i) =>
    student.logits(t).forEach((v, k) => (worst = Math.max(worst, Math.abs(v - out.logits.data[i * 2 + k])))),
  );
  assert.ok(worst < 1e-4, `${name}: max |onnx - native| = ${worst}`);
  // One row at a time (no padding) gives the same logits too.
  const single = await session.run({
    ids: new ort.Tensor('int64', BigInt64Array.from(rows[0], BigInt), [1, rows[0].length]),
  });
  student.logits(texts[0]).forEach((v, k) => assert.ok(Math.abs(v - single.logits.data[k]) < 1e-4));
  await session.release();
  return { file, student };
}

test('bow: ONNX logits equal native logits', async () => {
  await parity('bow', { model: 'bow' });
});

test('bow with hashed bigrams: ONNX logits equal native logits', async () => {
  await parity('bow2', { model: 'bow', ngrams: 2, buckets: 997 });
});

test('cnn: ONNX logits equal native logits', async () => {
  await parity('cnn', { model: 'cnn' });
});

test('lstm: ONNX logits equal native logits', async () => {
  await parity('lstm', { model: 'lstm' });
});

test('the .onnx is standard (opset >= 17, ids -> logits) and carries vocabulary, labels and segmentation', async () => {
  const { file, student } = await parity('meta', { model: 'bow' });
  const model = onnxProto.onnx.ModelProto.decode(fs.readFileSync(file));
  assert.ok(Number(model.opsetImport[0].version) >= 17);
  assert.deepEqual(
    model.graph.input.map((i) => i.name),
    ['ids'],
  );
  assert.deepEqual(
    model.graph.output.map((o) => o.name),
    ['logits'],
  );
  const meta = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
  assert.deepEqual(JSON.parse(meta[ONNX_METADATA.labels]), ['neg', 'pos']);
  assert.deepEqual(JSON.parse(meta[ONNX_METADATA.vocabulary]), [...student.vocabulary.words]);
  assert.equal(JSON.parse(meta[ONNX_METADATA.config]).segmentation.segmenter, 'jieba');
  const back = await Student.load(file);
  assert.deepEqual([...back.logits(texts[1])], [...student.logits(texts[1])]);
  const viaOrt = await Student.load(file, { runtime: 'onnxruntime' });
  const batch = await viaOrt.predictBatch(texts);
  texts.forEach((t, i) => assert.equal(batch[i].label, student.predict(t).label));
});

// Compact students: product quantization (fastText's scheme), pruning by norm, the version-3 model file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { productQuantize, trainProductCodes, addDecodedRow, subspaceCount } from '../dist/student/product-quantizer.js';
import { quantizeRows, decodeQuantizedRows } from '../dist/student/quantized-rows.js';
import { compactStudent, decodedStudent, rowsByNorm, isCompact } from '../dist/student/compact-student.js';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { encodeModelFile, decodeModelFile, writeModelFile, exportOnnx, InputError, Student } from '../dist/index.js';
import { createNativeModel } from '../dist/student/native-model.js';
import { packRows } from '../dist/student/token-rows.js';
import { UsageError } from '../dist/errors.js';
import { defaultSegmentation } from '../dist/student/segmentation.js';
import { rng } from './student-native-helpers.js';

function decodeAll(pq, rows) {
  const out = new Float32Array(rows * pq.dim);
  for (let r = 0; r < rows; r++) addDecodedRow(pq, r, 1, out, r * pq.dim);
  return out;
}

// rows drawn from `prototypes` distinct vectors, plus noise of at most `noise`
function clusteredRows(rows, dim, prototypes, noise, seed) {
  const rand = rng(seed);
  const protos = Float32Array.from({ length: prototypes * dim }, () => rand() * 2 - 1);
  const x = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const p = Math.floor(rand() * prototypes);
    for (let i = 0; i < dim; i++) x[r * dim + i] = protos[p * dim + i] + (rand() * 2 - 1) * noise;
  }
  return x;
}

test('product quantization: fewer distinct sub-vectors than codebook entries decode exactly', () => {
  const x = clusteredRows(100, 6, 100, 0, 1);
  const pq = productQuantize(x, 100, 6, 2);
  assert.equal(pq.codes.length, 100 * subspaceCount(6, 2));
  assert.equal(pq.centroids.length, 256 * 6);
  assert.deepEqual([...decodeAll(pq, 100)], [...x]);
});

test('product quantization: k-means finds 50 clusters to within their noise, 200 to within 0.1%; a ragged last sub-space', () => {
  const dim = 7;
  assert.equal(subspaceCount(dim, 2), 4);
  for (const [clusters, check] of [
    [50, (worst) => worst < 0.005],
    [200, (_, relative) => relative < 0.001],
  ]) {
    const x = clusteredRows(3000, dim, clusters, 1e-3, 2);
    const pq = productQuantize(x, 3000, dim, 2);
    const y = decodeAll(pq, 3000);
    let worst = 0,
      err = 0,
      norm = 0;
    for (let i = 0; i < x.length; i++) {
      worst = Math.max(worst, Math.abs(x[i] - y[i]));
      err += (x[i] - y[i]) ** 2;
      norm += x[i] ** 2;
    }
    assert.ok(
      check(worst, err / norm),
      `${clusters} clusters: worst error ${worst}, relative squared error ${err / norm}`,
    );
    assert.deepEqual(productQuantize(x, 3000, dim, 2).codes, pq.codes, 'the same seed gives the same codes');
  }
  assert.throws(() => productQuantize(new Float32Array(7), 1, dim, 8), RangeError);
});

// Past 65,536 rows k-means samples its points; a ragged last sub-space; fewer rows than codebook entries.
test("native k-means gives the TypeScript reference's codebooks and codes bit for bit, with AVX2 and without, 1 or 3 threads", () => {
  // In child processes: the AVX2 choice is made once per process (ERNIE_SLIM_NO_AVX2 keeps the baseline).
  const script = `
    import fs from 'node:fs';
    import { trainProductCodes } from ${JSON.stringify(path.resolve('dist/student/product-quantizer.js'))};
    const [file, rows, dim, dsub, threads] = JSON.parse(process.argv[1]);
    const bytes = fs.readFileSync(file);
    const x = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    const pq = await trainProductCodes(x, rows, dim, dsub, { seed: 7, threads });
    process.stdout.write(JSON.stringify([[...pq.centroids], [...pq.codes]]));`;
  const file = path.join(os.tmpdir(), `ernie-slim-pq-${process.pid}.f32`);
  for (const [rows, dim, dsub, prototypes] of [
    [70000, 6, 4, 16],
    [3000, 7, 2, 300],
    [3000, 5, 5, 40],
    [100, 6, 3, 100],
    [1, 3, 1, 1],
    [0, 4, 2, 1],
  ]) {
    const x = clusteredRows(rows, dim, prototypes, 0.05, rows + dim);
    fs.writeFileSync(file, x);
    const want = productQuantize(x, rows, dim, dsub, 7);
    for (const [noAvx2, threads] of [
      [false, 3],
      [true, 1],
    ]) {
      const env = { ...process.env };
      if (noAvx2) env.ERNIE_SLIM_NO_AVX2 = '1';
      else delete env.ERNIE_SLIM_NO_AVX2;
      const args = JSON.stringify([file, rows, dim, dsub, threads]);
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, args], {
        env,
        maxBuffer: 1 << 28,
      });
      const [centroids, codes] = JSON.parse(out);
      const label = `${rows}x${dim} dsub ${dsub}${noAvx2 ? ' without AVX2' : ''}, ${threads} threads`;
      assert.deepEqual(codes, [...want.codes], `${label}: codes`);
      assert.deepEqual(centroids, [...want.centroids], `${label}: centroids`);
    }
  }
  fs.rmSync(file);
});

test('native k-means refuses a dsub wider than the rows', async () => {
  await assert.rejects(() => trainProductCodes(new Float32Array(8), 2, 4, 5), RangeError);
});

test('qnorm: unit rows and their norms quantized apart; kept rows decode, the rest are zero', async () => {
  const dim = 4;
  const x = clusteredRows(50, dim, 50, 0, 3);
  const keep = Int32Array.from([1, 7, 20, 49]);
  for (const qnorm of [false, true]) {
    const q = await quantizeRows({ shape: [50, dim], data: x }, keep, { dsub: 2, qnorm });
    assert.equal(q.norms !== undefined, qnorm);
    const back = decodeQuantizedRows(q);
    assert.deepEqual(back.shape, [50, dim]);
    for (let r = 0; r < 50; r++) {
      for (let i = 0; i < dim; i++) {
        const want = keep.includes(r) ? x[r * dim + i] : 0;
        assert.ok(
          Math.abs(back.data[r * dim + i] - want) < 1e-6,
          `row ${r}[${i}]: ${back.data[r * dim + i]} vs ${want}`,
        );
      }
    }
  }
});

test('pruning keeps the rows of largest norm, never [PAD] nor an all-zero row, in id order', () => {
  const data = Float32Array.from([9, 9, /* PAD */ 1, 0, 0, 0, 3, 4, 0.5, 0, 2, 0]);
  const embedding = { shape: [6, 2], data };
  assert.deepEqual([...rowsByNorm(embedding, 2)], [3, 5]);
  assert.deepEqual([...rowsByNorm(embedding, 0)], [1, 3, 4, 5]);
  assert.deepEqual([...rowsByNorm(embedding, 10)], [1, 3, 4, 5]);
});

function sampleModel(kind = 'bow') {
  const rand = rng(5);
  const V = 40,
    B = 300,
    E = 8,
    H = 4;
  const floats = (n) => Float32Array.from({ length: n }, () => rand() - 0.5);
  const embedding = floats((V + B) * E);
  embedding.fill(0, 0, E);
  return {
    config: {
      model: { kind, vocabSize: V, bigramBuckets: B, embDim: E, hidden: H, numLabels: 3, seed: 1 },
      segmentation: { ...defaultSegmentation },
    },
    vocabulary: ['[PAD]', '[UNK]', ...Array.from({ length: V - 2 }, (_, i) => `w${i}`)],
    labels: ['a', 'b', 'c'],
    weights: {
      embedding: { shape: [V + B, E], data: embedding },
      'dense1.weight': { shape: [E, H], data: floats(E * H) },
      'dense1.bias': { shape: [H], data: floats(H) },
      'dense2.weight': { shape: [H, 3], data: floats(H * 3) },
      'dense2.bias': { shape: [3], data: floats(3) },
    },
  };
}

test('compact model file: version 3 round trip (codes, codebooks, norms, kept rows); float files stay version 1', async () => {
  const model = sampleModel();
  assert.equal(encodeModelFile(model).readUInt32LE(8), 1);
  const compact = await compactStudent(model, { cutoff: 100, dsub: 2, qnorm: true, qout: true });
  assert.ok(isCompact(compact));
  assert.deepEqual(Object.keys(compact.quantized).sort(), ['dense2.weight', 'embedding']);
  assert.ok(!('embedding' in compact.weights) && !('dense2.weight' in compact.weights));
  assert.equal(compact.quantized.embedding.rows.length, 100);
  const bytes = encodeModelFile(compact);
  assert.equal(bytes.readUInt32LE(8), 3);
  const back = decodeModelFile(bytes, 'c.bin');
  assert.deepEqual(back.config, compact.config);
  for (const [name, q] of Object.entries(compact.quantized)) {
    const b = back.quantized[name];
    assert.deepEqual(b.shape, q.shape);
    assert.deepEqual([...b.rows], [...q.rows]);
    assert.deepEqual([...b.pq.codes], [...q.pq.codes]);
    assert.deepEqual([...b.pq.centroids], [...q.pq.centroids]);
    assert.deepEqual([...b.norms.codes], [...q.norms.codes]);
    assert.deepEqual([...b.norms.centroids], [...q.norms.centroids]);
  }
  assert.deepEqual(encodeModelFile(back), bytes, 'encoding is deterministic');
  const decoded = decodedStudent(back);
  assert.deepEqual(decoded.weights.embedding.shape, model.weights.embedding.shape);
  assert.deepEqual(decoded.weights['dense2.weight'].shape, [4, 3]);
  for (let at = 12; at < bytes.length; at += Math.floor(bytes.length / 7)) {
    const altered = Buffer.from(bytes);
    altered[at] ^= 0x01;
    assert.throws(
      () => decodeModelFile(altered, 'c.bin'),
      (err) => err instanceof InputError && /checksum mismatch/.test(err.message),
    );
  }
  const future = Buffer.from(bytes);
  future.writeUInt32LE(4, 8);
  assert.throws(() => decodeModelFile(future, 'c.bin'), {
    message: 'c.bin: model file format version 4 is not supported (this ernie-slim reads versions 1 to 3)',
  });
});

test('the decoded table is close to the float one where kept (dsub 2, norms apart); pruned rows read zero', async () => {
  const model = sampleModel();
  const compact = await compactStudent(model, { cutoff: 200, dsub: 2, qnorm: false, qout: false });
  const kept = new Set(compact.quantized.embedding.rows);
  const E = 8;
  const a = model.weights.embedding.data,
    b = decodedStudent(compact).weights.embedding.data;
  let err = 0,
    norm = 0;
  for (let r = 0; r < 340; r++) {
    for (let i = 0; i < E; i++) {
      if (!kept.has(r)) assert.equal(b[r * E + i], 0);
      else ((err += (a[r * E + i] - b[r * E + i]) ** 2), (norm += a[r * E + i] ** 2));
    }
  }
  assert.ok(err / norm < 0.01, `relative squared error ${err / norm}`);
  assert.deepEqual(decodedStudent(compact).weights['dense1.weight'], model.weights['dense1.weight']);
});

test('refusals: cnn and lstm students, an already compact one, a bad --dsub or --cutoff', async () => {
  for (const kind of ['cnn', 'lstm']) {
    await assert.rejects(() => compactStudent(sampleModel(kind), { cutoff: 10, dsub: 2, qnorm: false, qout: false }), {
      name: UsageError.name,
      message: `quantize takes bow students; a ${kind} student keeps its float embeddings`,
    });
  }
  const compact = await compactStudent(sampleModel(), { cutoff: 10, dsub: 2, qnorm: false, qout: false });
  await assert.rejects(
    () => compactStudent(compact, { cutoff: 10, dsub: 2, qnorm: false, qout: false }),
    /already compact/,
  );
  await assert.rejects(() => compactStudent(sampleModel(), { cutoff: 10, dsub: 9, qnorm: false, qout: false }), {
    message: '--dsub must be an integer in 1..8 (the embedding width)',
  });
  await assert.rejects(
    () => compactStudent(sampleModel(), { cutoff: -1, dsub: 2, qnorm: false, qout: false }),
    /--cutoff/,
  );
});

// A bow + bigram student with the given weights, on whitespace-separated words w0 w1 ...
function whitespaceModel() {
  const model = sampleModel();
  model.config.segmentation = { ...defaultSegmentation, segmenter: 'whitespace' };
  return model;
}

function randomRows(count, vocabSize, seed) {
  const rand = rng(seed);
  const rows = Array.from({ length: count }, () =>
    Int32Array.from({ length: Math.floor(rand() * 12) }, () => 1 + Math.floor(rand() * (vocabSize - 1))),
  );
  return { rows, packed: packRows(rows) };
}

test('decode parity: a compact student predicts as the float student over its decoded table (rows, texts, one text)', async () => {
  for (const options of [
    { cutoff: 150, dsub: 2, qnorm: true, qout: true },
    { cutoff: 0, dsub: 3, qnorm: false, qout: false },
  ]) {
    const compact = await compactStudent(whitespaceModel(), options);
    const student = Student.fromData(compact);
    const reference = Student.fromData(decodedStudent(compact));
    assert.equal(student.compact, true);
    assert.equal(reference.compact, false);
    const { rows, packed } = randomRows(60, 40, 9);
    const got = await student.logitsOfRows(packed);
    const want = await reference.logitsOfRows(packed);
    for (let i = 0; i < want.length; i++)
      assert.ok(Math.abs(got[i] - want[i]) < 1e-5, `logit ${i}: ${got[i]} vs ${want[i]}`);
    const texts = rows.slice(0, 20).map((ids) => [...ids].map((id) => `w${id - 2}`).join(' '));
    const batch = await student.predictBatch(texts);
    const batchWant = await reference.predictBatch(texts);
    texts.forEach((text, r) => {
      assert.equal(batch[r].label, batchWant[r].label);
      batch[r].probs.forEach((p, j) => assert.ok(Math.abs(p - batchWant[r].probs[j]) < 1e-6));
      student.predict(text).probs.forEach((p, j) => assert.ok(Math.abs(p - batchWant[r].probs[j]) < 1e-6));
    });
    const differs = (await Student.fromData(whitespaceModel()).logitsOfRows(packed)).some(
      (v, i) => Math.abs(v - want[i]) > 1e-3,
    );
    assert.ok(differs || options.cutoff === 0, 'pruning changes the logits (the comparison is not vacuous)');
  }
});

test('decode parity on long rows: the bag sums past its 128-row passes and 256-bigram chunks exactly as the float bag', async () => {
  const rand = rng(12);
  const rows = [0, 1, 127, 128, 129, 255, 256, 257, 300, 700].map((n) =>
    Int32Array.from({ length: n }, () => 1 + Math.floor(rand() * 39)),
  );
  for (const options of [
    { cutoff: 150, dsub: 4, qnorm: true, qout: false },
    { cutoff: 0, dsub: 5, qnorm: false, qout: false },
    { cutoff: 100, dsub: 3, qnorm: true, qout: false },
  ]) {
    const compact = await compactStudent(whitespaceModel(), options);
    const got = await Student.fromData(compact).logitsOfRows(packRows(rows));
    const want = await Student.fromData(decodedStudent(compact)).logitsOfRows(packRows(rows));
    assert.deepEqual(got, want, JSON.stringify(options));
  }
});

test('a compact student saves and loads as a version-3 file, predicts the same, and is refused for training', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-compact-'));
  try {
    const compact = await compactStudent(whitespaceModel(), { cutoff: 150, dsub: 2, qnorm: true, qout: true });
    const file = path.join(dir, 'c.bin');
    await writeModelFile(file, compact);
    const student = await Student.load(file);
    assert.equal(student.compact, true);
    const { packed } = randomRows(30, 40, 11);
    assert.deepEqual(await student.logitsOfRows(packed), await Student.fromData(compact).logitsOfRows(packed));
    const again = path.join(dir, 'again.bin');
    await student.save(again);
    assert.deepEqual(fs.readFileSync(again), fs.readFileSync(file), 'save writes the compact form back as it was read');
    assert.deepEqual(Object.keys(student.weights()).sort(), ['dense1.bias', 'dense1.weight', 'dense2.bias']);
    const native = createNativeModel({ ...compact.config.model, quantizedEmbedding: true });
    const data = {
      ids: Int32Array.from([2, 3]),
      offsets: Int32Array.from([0, 2]),
      labels: Int32Array.from([0]),
      teacherLogits: null,
    };
    assert.throws(() => native.lossAndGradients(data, Int32Array.from([0]), 1, 0), {
      message:
        'StudentModel: lossAndGradients: a compact student only predicts (train its float student, then quantize)',
    });
    assert.throws(
      () => createNativeModel({ ...compact.config.model, kind: 'cnn', bigramBuckets: 0, quantizedEmbedding: true }),
      {
        message: 'StudentModel: a quantized embedding is supported by the bow student only',
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('ONNX export of a compact student: uint8 codes and codebooks gathered in plain onnxruntime, probabilities equal native predict; read back', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-compact-onnx-'));
  try {
    for (const [i, options] of [
      { cutoff: 150, dsub: 2, qnorm: true, qout: true },
      { cutoff: 0, dsub: 3, qnorm: false, qout: false },
    ].entries()) {
      const compact = await compactStudent(whitespaceModel(), options);
      const file = path.join(dir, `c${i}.onnx`);
      await exportOnnx(compact, file);
      const proto = onnxProto.onnx.ModelProto.decode(fs.readFileSync(file));
      const inits = new Map(proto.graph.initializer.map((t) => [t.name, t]));
      assert.ok(!inits.has('embedding'), 'no float embedding in the graph');
      assert.equal(inits.get('embedding.codes').dataType, onnxProto.onnx.TensorProto.DataType.UINT8);
      const session = await ort.InferenceSession.create(file);
      const { rows } = randomRows(40, 40, 13);
      const seq = Math.max(1, ...rows.map((r) => r.length));
      const ids = new BigInt64Array(rows.length * seq);
      rows.forEach((r, k) => r.forEach((id, t) => (ids[k * seq + t] = BigInt(id))));
      const { logits } = await session.run({ ids: new ort.Tensor('int64', ids, [rows.length, seq]) });
      const student = Student.fromData(compact);
      const native = await student.logitsOfRows(packRows(rows.map((r) => (r.length ? r : Int32Array.from([1])))));
      rows.forEach((r, k) => {
        if (r.length === 0) return; // an empty row is one [UNK] natively, all padding in the graph
        const want = softmax(native.subarray(k * 3, k * 3 + 3));
        const got = softmax(logits.data.subarray(k * 3, k * 3 + 3));
        want.forEach((p, j) => assert.ok(Math.abs(p - got[j]) < 1e-4, `row ${k} label ${j}: ${got[j]} vs ${p}`));
      });
      await session.release();
      const back = await Student.load(file);
      assert.equal(back.compact, true);
      const again = await back.logitsOfRows(packRows(rows.filter((r) => r.length)));
      const direct = await student.logitsOfRows(packRows(rows.filter((r) => r.length)));
      for (let j = 0; j < direct.length; j++)
        assert.ok(Math.abs(again[j] - direct[j]) < 1e-6, `read back: ${again[j]} vs ${direct[j]}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function softmax(logits) {
  const max = Math.max(...logits);
  const e = [...logits].map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

// Native students: training lowers the loss and separates generated data, threads=1 + seed is bit-for-bit
// reproducible, a diverging run stops with finite weights, predictRow == predictRows, weights round-trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  StudentModel,
  separableData,
  pairData,
  accuracy,
  permutation,
  epochOptions,
  rowsFrom,
} from './student-native-helpers.js';

const VOCAB = 42;
const small = (kind, extra = {}) => ({
  kind,
  vocabSize: VOCAB,
  bigramBuckets: 0,
  embDim: 16,
  hidden: 12,
  numLabels: 2,
  seed: 3,
  ...extra,
});

async function train(model, data, epochs, overrides = {}) {
  const n = data.labels.length;
  const batchSize = overrides.batchSize ?? 16;
  const perEpoch = Math.ceil(n / batchSize);
  const results = [];
  for (let e = 0; e < epochs; e++) {
    results.push(
      await model.trainEpoch(
        data,
        epochOptions({
          order: permutation(n, 100 + e),
          batchSize,
          stepOffset: e * perEpoch,
          totalSteps: epochs * perEpoch,
          warmupSteps: perEpoch,
          ...overrides,
        }),
      ),
    );
  }
  return results;
}

for (const [kind, extra, lr] of [
  ['bow', {}, 0.01],
  ['bow', { bigramBuckets: 31 }, 0.01],
  ['cnn', {}, 0.005],
  ['lstm', {}, 0.01],
]) {
  const label = `${kind}${extra.bigramBuckets ? ' + bigrams' : ''}`;
  test(`${label}: trainEpoch lowers the loss and separates the data`, async () => {
    const train_ = separableData(600, VOCAB, 1);
    const dev = separableData(200, VOCAB, 2);
    const model = new StudentModel(small(kind, extra));
    const before = accuracy(await model.predictRows(dev, 1), dev.labels, 2);
    const results = await train(model, train_, 6, { lr });
    for (const r of results) {
      assert.equal(r.finite, true);
      assert.equal(r.steps, Math.ceil(600 / 16));
      assert.equal(r.tokens, train_.ids.length);
      assert.ok(r.seconds >= 0);
    }
    assert.ok(results.at(-1).loss < results[0].loss * 0.7, `loss ${results[0].loss} -> ${results.at(-1).loss}`);
    const after = accuracy(await model.predictRows(dev, 2), dev.labels, 2);
    assert.ok(after >= 0.95, `dev accuracy ${before} -> ${after}`);
  });
}

for (const [kind, extra, lr] of [
  ['bow', { matchHidden: 16 }, 0.01],
  ['bow', { bigramBuckets: 31 }, 0.01],
  ['cnn', { matchHidden: 16 }, 0.005],
  ['lstm', {}, 0.01],
]) {
  const threads = extra.bigramBuckets ? 2 : 1;
  test(`pair ${kind}${extra.matchHidden ? ' + match layer' : ''}${extra.bigramBuckets ? ' + bigrams' : ''}, ${threads} thread(s): two towers learn whether two texts match`, async () => {
    const train_ = pairData(800, VOCAB, 1);
    const dev = pairData(200, VOCAB, 2);
    const model = new StudentModel(small(kind, { pair: true, ...extra }));
    const results = await train(model, train_, 8, { lr, threads });
    for (const r of results) {
      assert.equal(r.finite, true);
      assert.equal(r.tokens, train_.ids.length + train_.idsB.length, 'tokens of both texts count');
    }
    const after = accuracy(await model.predictRows(dev, 2), dev.labels, 2);
    assert.ok(after >= 0.9, `dev accuracy ${after}`);
  });
}

test('pair: predictRow equals predictRows, threads 1 with a seed is bit-for-bit reproducible, word dropout covers text_b', async () => {
  const data = pairData(200, VOCAB, 9);
  const weightsAfter = async (overrides) => {
    const model = new StudentModel(small('cnn', { pair: true, matchHidden: 8 }));
    const results = await train(model, data, 2, overrides);
    return { model, w: model.getWeights(), loss: results.map((r) => r.loss) };
  };
  const a = await weightsAfter({ wordDropout: 0.2 }),
    b = await weightsAfter({ wordDropout: 0.2 });
  assert.deepEqual(a.loss, b.loss);
  for (const name of Object.keys(a.w))
    assert.deepEqual(Buffer.from(a.w[name].data.buffer), Buffer.from(b.w[name].data.buffer), name);
  const batch = await a.model.predictRows(data, 2);
  for (let r = 0; r < 200; r++) {
    const one = a.model.predictRow(
      data.ids.subarray(data.offsets[r], data.offsets[r + 1]),
      data.idsB.subarray(data.offsetsB[r], data.offsetsB[r + 1]),
    );
    assert.deepEqual(Array.from(one), Array.from(batch.subarray(r * 2, r * 2 + 2)), `row ${r}`);
  }
  // Both texts empty: the encodings are constant, the logits finite.
  assert.ok(a.model.predictRow(new Int32Array(0), new Int32Array(0)).every(Number.isFinite));
  // Swapping text_a and text_b changes the input (u and v have their own places in the features).
  const swapped = await a.model.predictRows(
    { ids: data.idsB, offsets: data.offsetsB, idsB: data.ids, offsetsB: data.offsets },
    1,
  );
  assert.notDeepEqual(Array.from(swapped), Array.from(batch));
  const plain = await weightsAfter({});
  assert.notDeepEqual(plain.loss, a.loss, 'word dropout changes the run');
});

test('distillation: soft targets only, and mixed rows, also train', async () => {
  const data = separableData(400, VOCAB, 5);
  const teacherLogits = new Float32Array(400 * 2);
  const labels = new Int32Array(400);
  for (let r = 0; r < 400; r++) {
    teacherLogits[r * 2 + data.labels[r]] = 3;
    labels[r] = r % 3 === 0 ? data.labels[r] : -1; // a third keeps its hard label too
    if (r % 5 === 1) {
      teacherLogits[r * 2] = NaN;
      teacherLogits[r * 2 + 1] = NaN;
      labels[r] = data.labels[r];
    }
  }
  const model = new StudentModel(small('bow'));
  await train(model, { ...data, labels, teacherLogits }, 5, { temperature: 2, alpha: 0.7 });
  const acc = accuracy(await model.predictRows(data, 1), data.labels, 2);
  assert.ok(acc >= 0.95, `accuracy ${acc}`);
});

for (const kind of ['bow', 'cnn', 'lstm']) {
  test(`${kind}: threads 1 with a seed is bit-for-bit reproducible (word and feature dropout on)`, async () => {
    const data = separableData(200, VOCAB, 9);
    const weightsAfter = async () => {
      const model = new StudentModel(small(kind, kind === 'bow' ? { bigramBuckets: 17 } : {}));
      const results = await train(model, data, 2, { wordDropout: 0.2, featureDropout: 0.3 });
      return { w: model.getWeights(), loss: results.map((r) => r.loss) };
    };
    const a = await weightsAfter(),
      b = await weightsAfter();
    assert.deepEqual(a.loss, b.loss);
    for (const name of Object.keys(a.w)) {
      assert.deepEqual(Buffer.from(a.w[name].data.buffer), Buffer.from(b.w[name].data.buffer), name);
    }
    const other = new StudentModel(small(kind, { seed: 4 }));
    assert.notDeepEqual(other.getWeights().embedding.data, new StudentModel(small(kind)).getWeights().embedding.data);
  });
}

test('word dropout trains and changes the run', async () => {
  const data = separableData(600, VOCAB, 1);
  const plain = new StudentModel(small('bow')),
    dropped = new StudentModel(small('bow'));
  await train(plain, data, 1);
  const results = await train(dropped, data, 4, { wordDropout: 0.3 });
  assert.ok(results.every((r) => r.finite));
  assert.notDeepEqual(dropped.getWeights()['dense1.weight'].data, plain.getWeights()['dense1.weight'].data);
  assert.ok(accuracy(await dropped.predictRows(data, 1), data.labels, 2) >= 0.95);
  await assert.rejects(
    async () => dropped.trainEpoch(data, epochOptions({ order: permutation(600, 1), wordDropout: 1 })),
    /wordDropout/,
  );
});

for (const kind of ['bow', 'cnn']) {
  test(`${kind}: feature dropout trains and changes the run`, async () => {
    const data = separableData(600, VOCAB, 1);
    const plain = new StudentModel(small(kind)),
      dropped = new StudentModel(small(kind));
    await train(plain, data, 3);
    const results = await train(dropped, data, 3, { featureDropout: 0.5 });
    assert.ok(results.every((r) => r.finite));
    assert.notDeepEqual(dropped.getWeights().embedding.data, plain.getWeights().embedding.data);
    assert.ok(accuracy(await dropped.predictRows(data, 1), data.labels, 2) >= 0.95);
    await assert.rejects(
      async () => dropped.trainEpoch(data, epochOptions({ order: permutation(600, 1), featureDropout: 1 })),
      /featureDropout must be in \[0, 1\)/,
    );
    await assert.rejects(
      async () => dropped.trainEpoch(data, epochOptions({ order: permutation(600, 1), labelSmoothing: -0.5 })),
      /labelSmoothing must be in \[0, 1\)/,
    );
  });
}

test('two threads train too (Hogwild)', async () => {
  const data = separableData(600, VOCAB, 1);
  const model = new StudentModel(small('bow'));
  const results = await train(model, data, 4, { threads: 2 });
  assert.ok(results.every((r) => r.finite && r.steps === Math.ceil(600 / 16)));
  assert.ok(accuracy(await model.predictRows(data, 2), data.labels, 2) >= 0.95);
});

for (const kind of ['bow', 'cnn', 'lstm']) {
  test(`${kind}: a huge learning rate stops with finite = false and finite weights`, async () => {
    const data = separableData(400, VOCAB, 3);
    const model = new StudentModel(small(kind));
    let stopped = false;
    for (let e = 0; e < 20 && !stopped; e++) {
      const r = await model.trainEpoch(
        data,
        epochOptions({ order: permutation(400, e), lr: 1e38, clipNorm: 0, weightDecay: 0, totalSteps: 1e6 }),
      );
      stopped = !r.finite;
      if (stopped) assert.ok(r.steps < Math.ceil(400 / 16) || e > 0);
    }
    assert.ok(stopped, 'the run never reported finite = false');
    for (const [name, { data: w }] of Object.entries(model.getWeights())) {
      assert.ok(w.every(Number.isFinite), `${name} holds a non-finite weight`);
    }
  });
}

for (const kind of ['bow', 'cnn', 'lstm']) {
  test(`${kind}: predictRow equals predictRows, and an empty row predicts the bias path`, async () => {
    const data = separableData(150, VOCAB, 4);
    const model = new StudentModel(small(kind, kind === 'bow' ? { bigramBuckets: 13 } : {}));
    await train(model, data, 1);
    const batch = await model.predictRows(data, 2);
    for (let r = 0; r < 150; r++) {
      const one = model.predictRow(data.ids.subarray(data.offsets[r], data.offsets[r + 1]));
      assert.deepEqual(Array.from(one), Array.from(batch.subarray(r * 2, r * 2 + 2)), `row ${r}`);
    }
    const empty = model.predictRow(new Int32Array(0));
    assert.ok(empty.every(Number.isFinite));
    const withEmpty = await model.predictRows(rowsFrom([[], [3, 4]]), 1);
    assert.deepEqual(Array.from(withEmpty.subarray(0, 2)), Array.from(empty));
  });
}

test('getWeights / setWeights round trip', async () => {
  for (const kind of ['bow', 'cnn', 'lstm']) {
    const data = separableData(100, VOCAB, 6);
    const a = new StudentModel(small(kind));
    await train(a, data, 1);
    const b = new StudentModel(small(kind, { seed: 99 }));
    const w = a.getWeights();
    b.setWeights(w);
    const wb = b.getWeights();
    for (const name of Object.keys(w)) {
      assert.deepEqual(wb[name].shape, w[name].shape);
      assert.deepEqual(wb[name].data, w[name].data);
    }
    assert.deepEqual(await a.predictRows(data, 1), await b.predictRows(data, 1));
    assert.throws(() => b.setWeights({ ...w, embedding: { shape: [1, 2], data: new Float32Array(2) } }), /shape/);
    assert.deepEqual(b.getWeights().embedding.data, w.embedding.data, 'a refused setWeights changes nothing');
  }
});

test('weight names and shapes follow model.h', () => {
  const shapes = (cfg) =>
    Object.fromEntries(Object.entries(new StudentModel(cfg).getWeights()).map(([k, v]) => [k, v.shape]));
  const c = { vocabSize: 10, bigramBuckets: 0, embDim: 6, hidden: 5, numLabels: 3, seed: 1 };
  assert.deepEqual(shapes({ ...c, kind: 'bow', bigramBuckets: 4 }), {
    embedding: [14, 6],
    'dense1.weight': [6, 5],
    'dense1.bias': [5],
    'dense2.weight': [5, 3],
    'dense2.bias': [3],
  });
  assert.deepEqual(shapes({ ...c, kind: 'cnn' }), {
    embedding: [10, 6],
    'conv.weight': [3, 6, 5],
    'conv.bias': [5],
    'dense.weight': [5, 3],
    'dense.bias': [3],
  });
  assert.deepEqual(shapes({ ...c, kind: 'lstm' }), {
    embedding: [10, 6],
    'lstm.W': [2, 20, 6],
    'lstm.R': [2, 20, 5],
    'lstm.B': [2, 40],
    'dense.weight': [10, 3],
    'dense.bias': [3],
  });
  assert.deepEqual(shapes({ ...c, kind: 'bow', pair: true, matchHidden: 7 }), {
    embedding: [10, 6],
    'dense1.weight': [6, 5],
    'dense1.bias': [5],
    'match.weight': [20, 7],
    'match.bias': [7],
    'classifier.weight': [7, 3],
    'classifier.bias': [3],
  });
  assert.deepEqual(shapes({ ...c, kind: 'cnn', pair: true }), {
    embedding: [10, 6],
    'conv.weight': [3, 6, 5],
    'conv.bias': [5],
    'classifier.weight': [20, 3],
    'classifier.bias': [3],
  });
  assert.deepEqual(shapes({ ...c, kind: 'lstm', pair: true })['classifier.weight'], [40, 3], 'lstm encodes to 2H');
  const m = new StudentModel({ ...c, kind: 'bow' });
  assert.deepEqual(m.config, { ...c, kind: 'bow', pair: false, matchHidden: 0 });
  assert.ok(
    m
      .getWeights()
      .embedding.data.subarray(0, 6)
      .every((v) => v === 0),
    '[PAD] row is zero',
  );
});

test('bad arguments are refused with clear errors', async () => {
  assert.throws(() => new StudentModel({ ...small('rnn') }), /kind/);
  assert.throws(() => new StudentModel({ ...small('cnn'), bigramBuckets: 10 }), /bigram/);
  assert.throws(() => new StudentModel({ ...small('bow'), vocabSize: 1 }), /vocabSize/);
  const model = new StudentModel(small('bow'));
  assert.throws(() => model.predictRow(new Int32Array([0])), /ids\[0\]/);
  assert.throws(() => model.predictRow(new Int32Array([VOCAB])), /outside/);
  assert.throws(() => model.predictRow([1, 2]), /Int32Array/);
  const data = separableData(10, VOCAB, 1);
  await assert.rejects(
    async () =>
      model.trainEpoch({ ...data, labels: new Int32Array(10).fill(2) }, epochOptions({ order: new Int32Array([0]) })),
    /labels/,
  );
  await assert.rejects(async () => model.trainEpoch(data, epochOptions({ order: new Int32Array([10]) })), /order/);
  assert.throws(() => model.predictRows({ ids: new Int32Array([1]), offsets: new Int32Array([0, 2]) }, 1), /offsets/);
  assert.throws(() => new StudentModel({ ...small('bow'), matchHidden: 4 }), /pair models only/);
  assert.throws(() => new StudentModel({ ...small('bow'), pair: 'yes' }), /pair must be a boolean/);
  assert.throws(() => model.predictRow(new Int32Array([2]), new Int32Array([3])), /pair models only/);
  assert.throws(
    () => model.predictRows({ ...rowsFrom([[2]]), idsB: new Int32Array([2]), offsetsB: new Int32Array([0, 1]) }, 1),
    /pair models only/,
  );
  const pairModel = new StudentModel(small('bow', { pair: true }));
  assert.throws(() => pairModel.predictRow(new Int32Array([2])), /text_b/);
  assert.throws(() => pairModel.predictRows(rowsFrom([[2]]), 1), /text_b/);
  assert.throws(
    () =>
      pairModel.predictRows(
        { ...rowsFrom([[2], [3]]), idsB: new Int32Array([2]), offsetsB: new Int32Array([0, 1]) },
        1,
      ),
    /as many rows/,
  );
  assert.throws(() => pairModel.predictRow(new Int32Array([2]), new Int32Array([VOCAB])), /idsB\[0\]/);
  const running = model.trainEpoch(data, epochOptions({ order: permutation(10, 1) }));
  assert.throws(() => model.setWeights(model.getWeights()), /trainEpoch is running/);
  await running;
  model.setWeights(model.getWeights());
});

test('option ranges are checked once, natively, and named with the class', async () => {
  assert.throws(() => new StudentModel({ ...small('bow'), embDim: 70000 }), {
    name: 'TypeError',
    message: 'StudentModel: embDim must be in 1..65536',
  });
  assert.throws(() => new StudentModel({ ...small('bow'), hidden: 1.5 }), {
    message: 'StudentModel: hidden must be an integer',
  });
  assert.throws(() => new StudentModel({ ...small('bow'), seed: -1 }), {
    message: 'StudentModel: seed must be an integer in 0..4294967295',
  });
  const model = new StudentModel(small('bow'));
  const data = separableData(10, VOCAB, 1);
  const refused = {
    batchSize: [0, 'batchSize must be in 1..16777216'],
    lr: [-1, 'lr must be >= 0'],
    stepOffset: [-1, 'stepOffset must be >= 0'],
    weightDecay: [-0.1, 'weightDecay must be >= 0'],
    clipNorm: [-1, 'clipNorm must be >= 0'],
    temperature: [0, 'temperature must be > 0'],
    alpha: [1.5, 'alpha must be in [0, 1]'],
    wordDropout: [1, 'wordDropout must be in [0, 1)'],
    threads: [1.5, 'threads must be an integer in 1..1024'],
  };
  for (const [name, [value, message]] of Object.entries(refused)) {
    assert.throws(
      () => model.trainEpoch(data, epochOptions({ order: permutation(10, 1), [name]: value })),
      { message: `StudentModel: ${message}` },
      name,
    );
  }
  assert.throws(() => model.trainEpoch(data, epochOptions({ order: permutation(10, 1), lr: Infinity })), {
    message: 'StudentModel: lr must be a finite number',
  });
  assert.throws(() => model.lossAndGradients(data, new Int32Array([0]), 0, 0.5), {
    message: 'StudentModel: temperature must be > 0',
  });
  for (const threads of [0, 1.5, 1025, '2']) {
    assert.throws(
      () => model.predictRows(rowsFrom([[2]]), threads),
      { message: 'StudentModel: threads must be an integer in 1..1024' },
      String(threads),
    );
  }
  assert.equal((await model.predictRows(rowsFrom([[2]]), undefined)).length, 2, 'threads default to 1');
});

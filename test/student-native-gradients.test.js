// Every layer of every student: analytic gradients (lossAndGradients) against central finite differences
// of a float64 reference of the same model (test/student-native-reference.js), plus forward parity.
// Each parameter tensor belongs to one layer (embedding bag / gather, conv1d, lstm, dense, softsign, tanh,
// relu, max pooling, the losses), so checking all tensors checks every layer's backward pass.
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { StudentModel, rng, rowsFrom } from './student-native-helpers.js';
import { referenceLogits, referenceLoss } from './student-native-reference.js';

const L = 3;

function fixture(vocabSize, pair = false, maxLength = 6) {
  const rand = rng(11);
  const randomRow = () =>
    Array.from({ length: 1 + Math.floor(rand() * maxLength) }, () => 1 + Math.floor(rand() * (vocabSize - 1)));
  const list = [];
  for (let i = 0; i < 6; i++) list.push(randomRow());
  list.push([3, 3, 3, 4]); // repeated ids (and a repeated bigram)
  const n = list.length;
  // text_b: random rows, one sharing words with its text_a, one identical to it (u = v)
  const listB = pair ? list.map((row, i) => (i === 4 ? [row[0], 5, 6] : i === 5 ? [...row] : randomRow())) : null;
  // rows 0-1 hard only, 2-3 soft only, 4-6 both
  const labels = Int32Array.from({ length: n }, (_, i) => (i === 2 || i === 3 ? -1 : i % L));
  const teacherLogits = new Float32Array(n * L);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < L; k++) teacherLogits[i * L + k] = i < 2 ? NaN : rand() * 4 - 2;
  }
  const b = listB ? rowsFrom(listB) : null;
  return { ...rowsFrom(list), ...(b ? { idsB: b.ids, offsetsB: b.offsets } : {}), labels, teacherLogits };
}

// sample: check only that many entries of each tensor (large layers that exercise every matrix-product tile).
function gradientCheck(
  config,
  { temperature, alpha, featureDropout, labelSmoothing = 0, sample = Infinity, maxLength = 6 },
) {
  const model = new StudentModel(config);
  const data = fixture(config.vocabSize, config.pair === true, maxLength);
  const rows = Int32Array.from({ length: data.labels.length }, (_, i) => i);
  const options = {
    labelSmoothing,
    ...(featureDropout ? { featureDropout: featureDropout.p, seed: featureDropout.seed } : {}),
  };
  const { loss, gradients } = model.lossAndGradients(data, rows, temperature, alpha, 'cpu', options);
  const weights = model.getWeights();
  const W64 = Object.fromEntries(Object.entries(weights).map(([k, v]) => [k, { data: Float64Array.from(v.data) }]));
  const lossOf = () => referenceLoss(config, W64, data, rows, temperature, alpha, { featureDropout, labelSmoothing });
  // the native forward and loss agree with the float64 reference of the encoders' and head's formulas
  const refLoss = lossOf();
  assert.ok(Number.isFinite(loss) && loss > 0);
  assert.ok(Math.abs(loss - refLoss) < 1e-5 * Math.max(1, refLoss), `loss ${loss} vs reference ${refLoss}`);
  for (const r of rows) {
    const ids = data.ids.subarray(data.offsets[r], data.offsets[r + 1]);
    const idsB = data.idsB?.subarray(data.offsetsB[r], data.offsetsB[r + 1]);
    const z = model.predictRow(ids, idsB),
      zr = referenceLogits(config, W64, Array.from(ids), idsB && Array.from(idsB));
    z.forEach((v, k) => assert.ok(Math.abs(v - zr[k]) < 1e-5, `logits row ${r}: ${v} vs ${zr[k]}`));
  }
  assert.deepEqual(Object.keys(gradients).sort(), Object.keys(weights).sort());
  const E = config.embDim;
  for (let k = 0; k < E; k++) assert.equal(gradients.embedding[k], 0, '[PAD] row gets no gradient');
  const h = 1e-6;
  for (const [name, { data: w }] of Object.entries(W64)) {
    const g = gradients[name];
    assert.equal(g.length, w.length);
    let diff2 = 0,
      ref2 = 0,
      worst = 0;
    const pick = rng(w.length);
    const entries = w.length <= sample ? w.keys() : Array.from({ length: sample }, () => Math.floor(pick() * w.length));
    for (const i of entries) {
      const orig = w[i];
      w[i] = orig + h;
      const up = lossOf();
      w[i] = orig - h;
      const down = lossOf();
      w[i] = orig;
      const numeric = (up - down) / (2 * h);
      diff2 += (numeric - g[i]) ** 2;
      ref2 += numeric ** 2;
      worst = Math.max(worst, Math.abs(numeric - g[i]) / (1e-6 + Math.abs(numeric)));
    }
    assert.ok(ref2 > 0, `${config.kind} ${name}: no gradient at all`);
    const rel = Math.sqrt(diff2 / ref2);
    assert.ok(rel < 1e-3, `${config.kind} ${name}: relative gradient error ${rel}`);
    assert.ok(worst < 2e-2, `${config.kind} ${name}: worst entry off by ${worst} (relative)`);
  }
}

const base = { vocabSize: 13, bigramBuckets: 0, embDim: 5, hidden: 4, numLabels: L, seed: 5 };

test('bow gradients: hard + soft mixed, T = 2', () => {
  gradientCheck({ ...base, kind: 'bow' }, { temperature: 2, alpha: 0.3 });
});

test('bow gradients with hashed bigrams, T = 1', () => {
  gradientCheck({ ...base, kind: 'bow', bigramBuckets: 7 }, { temperature: 1, alpha: 0.7 });
});

test('bow gradients, soft loss only (alpha = 1), T = 4', () => {
  gradientCheck({ ...base, kind: 'bow', bigramBuckets: 5 }, { temperature: 4, alpha: 1 });
});

test('cnn gradients: conv1d, relu, sum pooling, softsign, dense; T = 2', () => {
  gradientCheck({ ...base, kind: 'cnn' }, { temperature: 2, alpha: 0.5 });
});

test('lstm gradients: bidirectional lstm, max pooling, dense; T = 3', () => {
  gradientCheck({ ...base, kind: 'lstm' }, { temperature: 3, alpha: 0.4 });
});

test('pair bow gradients: two towers, [u, v, |u-v|, u*v], tanh match layer; T = 2', () => {
  gradientCheck({ ...base, kind: 'bow', pair: true, matchHidden: 3 }, { temperature: 2, alpha: 0.5 });
});

test('pair bow gradients with hashed bigrams, features straight to the classifier; T = 1', () => {
  gradientCheck({ ...base, kind: 'bow', bigramBuckets: 7, pair: true }, { temperature: 1, alpha: 0.3 });
});

test('pair cnn gradients: two conv towers, match layer; T = 3', () => {
  gradientCheck({ ...base, kind: 'cnn', pair: true, matchHidden: 3 }, { temperature: 3, alpha: 0.6 });
});

test('pair lstm gradients: two bidirectional lstm towers; T = 2', () => {
  gradientCheck({ ...base, kind: 'lstm', pair: true }, { temperature: 2, alpha: 0.5 });
});

// Layers wide enough for every tile of the matrix-product kernels (6-row and 16/8-column blocks and their
// remainders; AVX2 where the CPU has it) and rows up to 23 tokens: forward parity and sampled gradients.
const wide = { vocabSize: 61, bigramBuckets: 0, embDim: 37, hidden: 45, numLabels: L, seed: 8 };
for (const kind of ['bow', 'cnn', 'lstm']) {
  test(`${kind} at kernel-tile sizes (E 37, H 45, rows of 1-23 tokens): logits and sampled gradients`, () => {
    gradientCheck(
      { ...wide, kind, ...(kind === 'bow' ? { bigramBuckets: 11 } : {}) },
      { temperature: 2, alpha: 0.5, sample: 40, maxLength: 23 },
    );
  });
}

// The baseline kernels (no AVX2) get the same checks, in a child process that turns AVX2 off.
test(
  'the baseline (non-AVX2) kernels pass these checks too',
  { skip: process.env.ERNIE_SLIM_NO_AVX2 ? 'this is that run' : false },
  () => {
    const { NODE_TEST_CONTEXT, ...env } = process.env; // a run of its own, not a child of this test runner
    const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', fileURLToPath(import.meta.url)], {
      env: { ...env, ERNIE_SLIM_NO_AVX2: '1' },
      encoding: 'utf8',
    });
    assert.equal(
      run.status,
      0,
      run.stdout
        .split('\n')
        .filter((l) => /^not ok|error/.test(l.trim()))
        .join('\n'),
    );
    assert.match(run.stdout, /# fail 0/);
  },
);

// Feature dropout: the reference draws the same masks (SplitMix64 from the seed), so the loss matches and the
// masked backward is checked by finite differences like the rest.
test('bow gradients under feature dropout 0.5 (batched path), T = 2', () => {
  gradientCheck(
    { ...base, kind: 'bow', bigramBuckets: 7 },
    { temperature: 2, alpha: 0.3, featureDropout: { p: 0.5, seed: 7 } },
  );
});

test('cnn gradients under feature dropout 0.5', () => {
  gradientCheck({ ...base, kind: 'cnn' }, { temperature: 2, alpha: 0.5, featureDropout: { p: 0.5, seed: 3 } });
});

test('lstm gradients under feature dropout 0.25', () => {
  gradientCheck({ ...base, kind: 'lstm' }, { temperature: 1, alpha: 0.4, featureDropout: { p: 0.25, seed: 9 } });
});

test('pair cnn gradients under feature dropout 0.5 on both towers', () => {
  gradientCheck(
    { ...base, kind: 'cnn', pair: true, matchHidden: 3 },
    { temperature: 2, alpha: 0.5, featureDropout: { p: 0.5, seed: 4 } },
  );
});

test('feature dropout drops units: the loss moves with the seed, p = 0 is the plain loss', () => {
  const model = new StudentModel({ ...base, kind: 'cnn', hidden: 16 });
  const data = fixture(base.vocabSize);
  const rows = Int32Array.from({ length: data.labels.length }, (_, i) => i);
  const plain = model.lossAndGradients(data, rows, 1, 0.5).loss;
  assert.equal(model.lossAndGradients(data, rows, 1, 0.5, 'cpu', { featureDropout: 0, seed: 3 }).loss, plain);
  const a = model.lossAndGradients(data, rows, 1, 0.5, 'cpu', { featureDropout: 0.5, seed: 1 }).loss;
  const b = model.lossAndGradients(data, rows, 1, 0.5, 'cpu', { featureDropout: 0.5, seed: 2 }).loss;
  assert.equal(model.lossAndGradients(data, rows, 1, 0.5, 'cpu', { featureDropout: 0.5, seed: 1 }).loss, a);
  assert.notEqual(a, plain);
  assert.notEqual(a, b);
  assert.throws(
    () => model.lossAndGradients(data, rows, 1, 0.5, 'cpu', { featureDropout: 1, seed: 1 }),
    /featureDropout must be in \[0, 1\)/,
  );
});

test('cnn gradients with label smoothing 0.1 (hard and mixed rows), T = 2', () => {
  gradientCheck({ ...base, kind: 'cnn' }, { temperature: 2, alpha: 0.5, labelSmoothing: 0.1 });
});

test('pair bow gradients with label smoothing 0.2 and feature dropout', () => {
  gradientCheck(
    { ...base, kind: 'bow', pair: true, matchHidden: 3 },
    { temperature: 1, alpha: 0.3, labelSmoothing: 0.2, featureDropout: { p: 0.5, seed: 2 } },
  );
});

test('label smoothing: cross-entropy against (1 - eps) onehot + eps / L; eps = 0 is the plain loss; eps out of range is refused', () => {
  const model = new StudentModel({ ...base, kind: 'bow' });
  const data = { ...fixture(base.vocabSize), teacherLogits: null };
  const rows = Int32Array.from([0, 1, 4]);
  const eps = 0.3;
  const { loss } = model.lossAndGradients(data, rows, 1, 0, 'cpu', { labelSmoothing: eps });
  let expected = 0;
  for (const r of rows) {
    const z = model.predictRow(data.ids.subarray(data.offsets[r], data.offsets[r + 1]));
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
    expected += z.reduce((s, zk, k) => s + ((k === data.labels[r] ? 1 - eps : 0) + eps / L) * (lse - zk), 0);
  }
  assert.ok(Math.abs(loss - expected / 3) < 1e-5, `${loss} vs ${expected / 3}`);
  assert.equal(
    model.lossAndGradients(data, rows, 1, 0, 'cpu', { labelSmoothing: 0 }).loss,
    model.lossAndGradients(data, rows, 1, 0).loss,
  );
  assert.throws(
    () => model.lossAndGradients(data, rows, 1, 0, 'cpu', { labelSmoothing: 1 }),
    /labelSmoothing must be in \[0, 1\)/,
  );
});

test('hard loss only (alpha = 0) equals cross-entropy of the logits', () => {
  const model = new StudentModel({ ...base, kind: 'bow' });
  const data = fixture(base.vocabSize);
  const { loss } = model.lossAndGradients({ ...data, teacherLogits: null }, Int32Array.from([0, 1, 4]), 1, 0);
  let expected = 0;
  for (const r of [0, 1, 4]) {
    const z = model.predictRow(data.ids.subarray(data.offsets[r], data.offsets[r + 1]));
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
    expected += lse - z[data.labels[r]];
  }
  assert.ok(Math.abs(loss - expected / 3) < 1e-5, `${loss} vs ${expected / 3}`);
});

test('soft loss equals T^2 * CE(softmax(t/T), softmax(z/T))', () => {
  const model = new StudentModel({ ...base, kind: 'cnn' });
  const data = fixture(base.vocabSize);
  const T = 2.5;
  const { loss } = model.lossAndGradients(data, Int32Array.from([2]), T, 0.3); // row 2: soft only
  const z = model.predictRow(data.ids.subarray(data.offsets[2], data.offsets[3]));
  const t = data.teacherLogits.subarray(2 * L, 3 * L);
  const softmax = (v) => {
    const m = Math.max(...v);
    const e = v.map((x) => Math.exp(x - m));
    const s = e.reduce((a, b) => a + b);
    return e.map((x) => x / s);
  };
  const q = softmax(Array.from(t, (x) => x / T));
  const p = softmax(Array.from(z, (x) => x / T));
  const expected = T * T * q.reduce((s, qk, k) => s - qk * Math.log(p[k]), 0);
  assert.ok(Math.abs(loss - expected) < 1e-5, `${loss} vs ${expected}`);
});

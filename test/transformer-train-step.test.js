// The native transformer's training step: AdamW with decoupled weight decay on every ".weight" but LayerNorm's,
// after global-norm clipping, checked against the same update computed here in float64 from the native
// gradients; dropout draws the same masks for the same seed; repeated steps fit a small batch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCheckpoint, NativeTransformer } from '../dist/index.js';
import { writeCheckpoint } from './transformer-helpers.js';

let dir;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-transformer-step-'))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const SMALL = {
  vocab_size: 14,
  hidden_size: 8,
  num_attention_heads: 2,
  intermediate_size: 12,
  num_hidden_layers: 2,
  max_position_embeddings: 8,
};

const BATCH = {
  inputIds: Int32Array.from([2, 7, 9, 3, 2, 11, 3, 0, 2, 12, 12, 3]),
  tokenTypeIds: Int32Array.from([0, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1, 1]),
  attentionMask: Int32Array.from([1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1]),
  batchSize: 3,
  seqLen: 4,
};
const LABELS = Int32Array.from([1, 0, 2]);

function model(name) {
  const ckpt = path.join(dir, name);
  writeCheckpoint(ckpt, { layout: 'bert', config: SMALL, seed: 5, extraTensors: false });
  const { config, weights } = readCheckpoint(ckpt);
  return NativeTransformer.fromWeights(config, weights);
}

test('two AdamW steps (clipped, decayed where BERT decays) match a float64 AdamW on the native gradients', async () => {
  const net = model('adamw');
  const lr = 1e-3,
    weightDecay = 0.1,
    maxGradNorm = 0.5;
  const w = new Map([...net.tensors()].map(([k, v]) => [k, Float64Array.from(v)]));
  const m = new Map([...w].map(([k, v]) => [k, new Float64Array(v.length)]));
  const v2 = new Map([...w].map(([k, v]) => [k, new Float64Array(v.length)]));
  for (let t = 1; t <= 2; t++) {
    const { loss, gradients } = await net.lossAndGradients(BATCH, LABELS);
    let squares = 0;
    for (const g of Object.values(gradients)) for (const x of g) squares += x * x;
    const norm = Math.sqrt(squares);
    assert.ok(norm > maxGradNorm, 'the test clips');
    const scale = maxGradNorm / norm;
    for (const [name, values] of w) {
      const decay = name.endsWith('.weight') && !name.includes('LayerNorm');
      const g = gradients[name];
      for (let i = 0; i < values.length; i++) {
        const gi = g[i] * scale;
        m.get(name)[i] = 0.9 * m.get(name)[i] + 0.1 * gi;
        v2.get(name)[i] = 0.999 * v2.get(name)[i] + 0.001 * gi * gi;
        const mhat = m.get(name)[i] / (1 - 0.9 ** t);
        const vhat = v2.get(name)[i] / (1 - 0.999 ** t);
        values[i] = values[i] * (decay ? 1 - lr * weightDecay : 1) - (lr * mhat) / (Math.sqrt(vhat) + 1e-8);
      }
    }
    const step = await net.trainStep(BATCH, LABELS, { lr, weightDecay, maxGradNorm });
    assert.ok(Math.abs(step.loss - loss) < 1e-6, `loss ${step.loss} vs ${loss}`);
    assert.ok(Math.abs(step.gradNorm - norm) < 1e-4 * norm, `norm ${step.gradNorm} vs ${norm}`);
    for (const [name, got] of net.tensors()) {
      const want = w.get(name);
      for (let i = 0; i < got.length; i++) {
        assert.ok(Math.abs(got[i] - want[i]) < 2e-6, `step ${t}: ${name}[${i}] ${got[i]} vs ${want[i]}`);
      }
    }
  }
});

test('dropout: the same seed gives the same loss, another seed another; training fits a small batch', async () => {
  const net = model('fit');
  const drop = (seed) => ({ hiddenDropout: 0.1, attentionDropout: 0.1, seed });
  const a = await net.lossAndGradients(BATCH, LABELS, 1, drop(1));
  const b = await net.lossAndGradients(BATCH, LABELS, 2, drop(1));
  const c = await net.lossAndGradients(BATCH, LABELS, 1, drop(2));
  assert.ok(Math.abs(a.loss - b.loss) < 1e-6);
  assert.ok(Math.abs(a.loss - c.loss) > 1e-6);
  const first = (await net.lossAndGradients(BATCH, LABELS)).loss;
  for (let s = 0; s < 60; s++) await net.trainStep(BATCH, LABELS, { lr: 1e-2, weightDecay: 0.01, ...drop(s) });
  const last = (await net.lossAndGradients(BATCH, LABELS)).loss;
  assert.ok(last < 0.1 * first, `loss ${first} -> ${last}`);
  const logits = await net.forward(BATCH);
  for (let r = 0; r < 3; r++) {
    const row = Array.from(logits.subarray(r * 3, r * 3 + 3));
    assert.equal(row.indexOf(Math.max(...row)), LABELS[r]);
  }
});

test('bad step options and calls during a step are refused', async () => {
  const net = model('bad');
  assert.throws(
    () => net.trainStep(BATCH, LABELS, { lr: 1e-3, hiddenDropout: 1 }),
    /hiddenDropout must be in \[0, 1\)/,
  );
  assert.throws(() => net.trainStep(BATCH, LABELS, {}), /NativeTransformer: lr must be a finite number/);
  const step = net.trainStep(BATCH, LABELS, { lr: 1e-3 });
  assert.throws(() => net.forward(BATCH), /NativeTransformer: a training step is running; await it first/);
  await step;
  await net.forward(BATCH);
});

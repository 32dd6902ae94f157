// The native transformer's backward pass: analytic gradients of the mean cross-entropy against central finite
// differences of the float64 reference (test/transformer-reference.js), for every entry of every tensor of
// small models in both layouts (gelu and relu). Each tensor belongs to one layer (embeddings, LayerNorm,
// Q/K/V and the masked softmax, the attention output, the feed-forward block, pooler, classifier), so
// checking all tensors checks every layer's backward pass.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCheckpoint, NativeTransformer } from '../dist/index.js';
import { referenceLogits } from './transformer-reference.js';
import { writeCheckpoint } from './transformer-helpers.js';

let dir;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-transformer-grad-'))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function referenceLoss(config, W, rows, labels, dropout) {
  const logits = referenceLogits(config, W, rows.ids, rows.typeIds, rows.mask, dropout);
  let loss = 0;
  logits.forEach((z, r) => {
    const top = Math.max(...z);
    const lse = top + Math.log(z.reduce((s, v) => s + Math.exp(v - top), 0));
    loss += lse - z[labels[r]];
  });
  return loss / logits.length;
}

// Padded rows of 1, 4 and 6 tokens (the shortest is [CLS] alone), token types 0 and 1, a repeated id.
const ROWS = {
  ids: [[2], [2, 7, 9, 3], [2, 11, 7, 7, 12, 3]],
  typeIds: [[0], [0, 0, 1, 1], [0, 0, 0, 1, 1, 1]],
};
ROWS.mask = ROWS.ids.map((r) => r.map(() => 1));
const LABELS = [1, 0, 2];

function padded(rows) {
  const seq = Math.max(...rows.ids.map((r) => r.length));
  const flat = (rs) => Int32Array.from(rs.flatMap((r) => [...r, ...Array(seq - r.length).fill(0)]));
  return {
    inputIds: flat(rows.ids),
    tokenTypeIds: flat(rows.typeIds),
    attentionMask: flat(rows.mask),
    batchSize: rows.ids.length,
    seqLen: seq,
  };
}

/** `count` entries of a tensor of `length`, the same each call. */
function sampledEntries(length, count) {
  const pick = lcg(length);
  return Array.from({ length: count }, () => Math.floor(pick() * length));
}

const SMALL = {
  vocab_size: 14,
  hidden_size: 8,
  num_attention_heads: 2,
  intermediate_size: 12,
  num_hidden_layers: 2,
  max_position_embeddings: 8,
};

function lcg(seed) {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 4294967296;
}

// Longer rows, for the matrix products' full register tiles (6 x 16) and their edges.
function longRows(vocabSize, lengths = [19, 7, 13]) {
  const rng = lcg(9);
  const ids = lengths.map((n) =>
    Array.from({ length: n }, (_, t) => (t === 0 ? 2 : 5 + Math.floor(rng() * (vocabSize - 6)))),
  );
  return {
    ids,
    typeIds: ids.map((r) => r.map((_, t) => (t > r.length / 2 ? 1 : 0))),
    mask: ids.map((r) => r.map(() => 1)),
  };
}

const WIDE = {
  vocab_size: 30,
  hidden_size: 36,
  num_attention_heads: 3,
  intermediate_size: 40,
  num_hidden_layers: 2,
  max_position_embeddings: 24,
};

// Enough token rows (148) and a wide enough feed-forward block that two threads share each product's rows.
const BLOCKS = {
  vocab_size: 30,
  hidden_size: 24,
  num_attention_heads: 2,
  intermediate_size: 100,
  num_hidden_layers: 2,
  max_position_embeddings: 80,
};

for (const c of [
  { layout: 'bert', config: SMALL },
  { layout: 'ernie', config: { ...SMALL, hidden_act: 'relu' } },
  { layout: 'ernie', config: SMALL },
  { layout: 'ernie', config: WIDE, rows: longRows(WIDE.vocab_size), sample: 10 },
  // Dropout everywhere BERT has it, with masks the reference draws from the same seeded streams.
  { layout: 'bert', config: SMALL, dropout: { hidden: 0.25, attention: 0.2, seed: 17 } },
  {
    layout: 'ernie',
    config: WIDE,
    rows: longRows(WIDE.vocab_size),
    sample: 10,
    dropout: { hidden: 0.1, attention: 0.1, seed: 3 },
  },
  {
    layout: 'bert',
    config: BLOCKS,
    rows: longRows(BLOCKS.vocab_size, [70, 45, 33]),
    sample: 10,
    dropout: { hidden: 0.1, attention: 0.1, seed: 5 },
  },
]) {
  const rowsOf = c.rows ?? ROWS;
  const what = c.sample ? `${c.sample} sampled entries of every tensor match` : 'every gradient entry matches';
  const drop = c.dropout ? ` with dropout ${c.dropout.hidden}/${c.dropout.attention}` : '';
  test(`${c.layout} ${c.config.hidden_act ?? 'gelu'} hidden ${c.config.hidden_size}${drop}: ${what} float64 finite differences`, async () => {
    const ckpt = path.join(
      dir,
      `${c.layout}-${c.config.hidden_act ?? 'gelu'}-${c.config.hidden_size}${c.dropout ? '-drop' : ''}`,
    );
    const { config, tensors } = writeCheckpoint(ckpt, {
      layout: c.layout,
      config: c.config,
      seed: 5,
      extraTensors: false,
    });
    const { config: parsed, weights } = readCheckpoint(ckpt);
    const net = NativeTransformer.fromWeights(parsed, weights);
    const labels = Int32Array.from(LABELS);
    const dropout = c.dropout && {
      hiddenDropout: c.dropout.hidden,
      attentionDropout: c.dropout.attention,
      seed: c.dropout.seed,
    };
    const { loss, gradients } = await net.lossAndGradients(padded(rowsOf), labels, 1, dropout);
    // Two threads sum their rows' gradients to the same values (each row's masks are its own).
    const two = await net.lossAndGradients(padded(rowsOf), labels, 2, dropout);
    assert.ok(Math.abs(two.loss - loss) < 1e-6);

    const W = new Map([...tensors].map(([name, v]) => [name, Float64Array.from(v)]));
    const refLoss = referenceLoss(config, W, rowsOf, LABELS, c.dropout);
    if (c.dropout) {
      // The masks matter: without them the loss differs.
      const plain = await net.lossAndGradients(padded(rowsOf), labels, 1);
      assert.ok(Math.abs(plain.loss - loss) > 1e-4, `dropout changed nothing: ${plain.loss} vs ${loss}`);
    }
    assert.ok(Math.abs(loss - refLoss) < 1e-5, `loss ${loss} vs reference ${refLoss}`);
    assert.deepEqual(Object.keys(gradients).sort(), [...W.keys()].sort());

    const h = 1e-6;
    for (const [name, w] of W) {
      const g = gradients[name];
      assert.equal(g.length, w.length, name);
      for (let i = 0; i < g.length; i++)
        assert.ok(Math.abs(g[i] - two.gradients[name][i]) < 1e-6, `${name}[${i}] differs with two threads`);
      let diff2 = 0,
        ref2 = 0,
        worst = 0,
        largest = 0;
      const numeric = new Float64Array(w.length);
      for (const i of c.sample ? sampledEntries(w.length, c.sample) : w.keys()) {
        const orig = w[i];
        w[i] = orig + h;
        const up = referenceLoss(config, W, rowsOf, LABELS, c.dropout);
        w[i] = orig - h;
        const down = referenceLoss(config, W, rowsOf, LABELS, c.dropout);
        w[i] = orig;
        numeric[i] = (up - down) / (2 * h);
        largest = Math.max(largest, Math.abs(numeric[i]));
      }
      if (name.endsWith('attention.self.key.bias')) {
        // q . (k_j + b) shifts every score of a row by the same q . b, which softmax ignores: the gradient is 0.
        assert.ok(largest < 1e-8, `${name}: finite differences ${largest}`);
        assert.ok(
          g.every((v) => Math.abs(v) < 1e-6),
          `${name}: ${[...g]}`,
        );
        continue;
      }
      for (const i of c.sample ? sampledEntries(w.length, c.sample) : w.keys()) {
        diff2 += (numeric[i] - g[i]) ** 2;
        ref2 += numeric[i] ** 2;
        worst = Math.max(worst, Math.abs(numeric[i] - g[i]) / (1e-4 * largest + Math.abs(numeric[i])));
      }
      assert.ok(ref2 > 0, `${name}: no gradient at all`);
      const rel = Math.sqrt(diff2 / ref2);
      assert.ok(rel < 1e-3, `${name}: relative gradient error ${rel}`);
      assert.ok(worst < 2e-2, `${name}: worst entry off by ${worst} (relative)`);
    }
    // Rows the batch never used get nothing: positions past the longest row.
    const H = config.hidden_size;
    const longest = Math.max(...rowsOf.ids.map((r) => r.length));
    assert.ok(gradients['embeddings.position_embeddings.weight'].subarray(longest * H).every((v) => v === 0));
    if (!c.sample)
      assert.ok(
        gradients['embeddings.word_embeddings.weight'].subarray(13 * H).every((v) => v === 0),
        'word 13 is never used',
      );
  });
}

test('labels outside the classes are refused', async () => {
  const ckpt = path.join(dir, 'labels');
  writeCheckpoint(ckpt, { layout: 'bert', config: SMALL, extraTensors: false });
  const { config, weights } = readCheckpoint(ckpt);
  const net = NativeTransformer.fromWeights(config, weights);
  await assert.rejects(
    net.lossAndGradients(padded(ROWS), Int32Array.from([0, 3, 1])),
    /label 3 is outside the 3 labels/,
  );
  assert.throws(() => net.lossAndGradients(padded(ROWS), Int32Array.from([0, 1])), /labels must hold batch values/);
});

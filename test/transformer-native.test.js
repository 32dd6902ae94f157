// The native transformer's forward pass against the converted ONNX graph in onnxruntime and against the
// float64 reference, both layouts: max |Δlogit| <= 1e-4; padding, threads and bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { convert, readCheckpoint, NativeTransformer } from '../dist/index.js';
import { referenceLogits } from './transformer-reference.js';
import { writeCheckpoint } from './transformer-helpers.js';

let dir;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-native-transformer-'))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function lcg(seed) {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** Rows of 1 to 30 tokens, [CLS] first, token types past the middle, right-padded with id 0 and mask 0. */
function batchOf(config, rows, seed) {
  const rng = lcg(seed);
  const lengths = Array.from({ length: rows }, (_, i) => (i === 0 ? 1 : 2 + Math.floor(rng() * 29)));
  const seq = Math.max(...lengths);
  const ids = [],
    typeIds = [],
    mask = [];
  for (const n of lengths) {
    ids.push(Array.from({ length: n }, (_, t) => (t === 0 ? 2 : 5 + Math.floor(rng() * (config.vocab_size - 5)))));
    typeIds.push(Array.from({ length: n }, (_, t) => (t < n / 2 ? 0 : Math.floor(rng() * config.type_vocab_size))));
    mask.push(Array(n).fill(1));
  }
  const flat = (rowsOf) => rowsOf.flatMap((r) => [...r, ...Array(seq - r.length).fill(0)]);
  return {
    ids,
    typeIds,
    mask,
    seq,
    flat: { input_ids: flat(ids), token_type_ids: flat(typeIds), attention_mask: flat(mask) },
  };
}

const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

for (const c of [
  { layout: 'bert', dtype: 'F32', config: {} },
  { layout: 'ernie', dtype: 'BF16', config: {} },
  { layout: 'ernie', dtype: 'F16', config: { hidden_act: 'relu', num_attention_heads: 2, intermediate_size: 40 } },
]) {
  test(`${c.layout} ${c.dtype} ${c.config.hidden_act ?? 'gelu'}: native logits = onnxruntime = float64 reference within 1e-4`, async () => {
    const ckpt = path.join(dir, `${c.layout}-${c.dtype}`);
    const { config, tensors } = writeCheckpoint(ckpt, {
      layout: c.layout,
      dtype: c.dtype,
      config: { num_hidden_layers: 3, ...c.config },
      seed: 21,
    });
    const model = path.join(ckpt, 'model.onnx');
    await convert({ pretrained: ckpt, out: model });
    const { config: parsed, weights } = readCheckpoint(ckpt);
    const net = NativeTransformer.fromWeights(parsed, weights);

    const batch = batchOf(config, 9, 3);
    const rows = batch.ids.length;
    const toInt32 = (a) => Int32Array.from(a);
    const logits = await net.forward(
      {
        inputIds: toInt32(batch.flat.input_ids),
        tokenTypeIds: toInt32(batch.flat.token_type_ids),
        attentionMask: toInt32(batch.flat.attention_mask),
        batchSize: rows,
        seqLen: batch.seq,
      },
      2,
    );
    assert.equal(logits.length, rows * 3);

    const session = await ort.InferenceSession.create(model);
    const feeds = {};
    for (const name of session.inputNames)
      feeds[name] = new ort.Tensor('int64', BigInt64Array.from(batch.flat[name], BigInt), [rows, batch.seq]);
    const onnx = (await session.run(feeds)).logits.data;
    await session.release();
    const reference = referenceLogits(config, tensors, batch.ids, batch.typeIds, batch.mask).flat();

    if (process.env.ERNIE_SLIM_PRINT_DIFFS)
      console.log(
        `${c.layout} ${c.dtype}: native-onnx ${maxDiff(logits, onnx)} native-ref ${maxDiff(logits, reference)}`,
      );
    assert.ok(maxDiff(logits, onnx) <= 1e-4, `native vs onnxruntime ${maxDiff(logits, onnx)}`);
    assert.ok(maxDiff(logits, reference) <= 1e-4, `native vs reference ${maxDiff(logits, reference)}`);
    assert.ok(Math.max(...reference) - Math.min(...reference) > 0.1, 'logits far from flat');

    // Each row alone, unpadded and on one thread, gives the same logits as in the padded batch.
    for (let r = 0; r < rows; r += 4) {
      const n = batch.ids[r].length;
      const alone = await net.forward({
        inputIds: toInt32(batch.ids[r]),
        tokenTypeIds: toInt32(batch.typeIds[r]),
        batchSize: 1,
        seqLen: n,
      });
      assert.ok(maxDiff(alone, logits.subarray(r * 3, r * 3 + 3)) <= 1e-6, `row ${r}`);
    }
  });
}

test('bad input is refused with one line; the arrays must fit batch x seq', async () => {
  const ckpt = path.join(dir, 'bad');
  writeCheckpoint(ckpt, { layout: 'bert' });
  const { config, weights } = readCheckpoint(ckpt);
  const net = NativeTransformer.fromWeights(config, weights);
  const one = (ids, types = ids.map(() => 0)) => ({
    inputIds: Int32Array.from(ids),
    tokenTypeIds: Int32Array.from(types),
    batchSize: 1,
    seqLen: ids.length,
  });
  await assert.rejects(net.forward(one([2, 40])), /token id 40 is outside the vocabulary of 40/);
  await assert.rejects(net.forward(one([2, 5], [0, 2])), /token type 2 is outside the 2 token types/);
  await assert.rejects(net.forward(one(Array(33).fill(5))), /sequences of 33 tokens exceed the model's 32 positions/);
  assert.throws(() => net.forward({ ...one([2, 5]), seqLen: 3 }), /ids must hold batch x seq values/);
  assert.throws(
    () =>
      NativeTransformer.fromWeights(config, { ...weights, pooler: { ...weights.pooler, bias: new Float32Array(3) } }),
    /pooler\.dense\.bias has 3 values, the model needs 16/,
  );
});

// The checkpoint reader: safetensors (F32, F16, BF16) written by the test helpers, both key layouts, the
// optional heads, and one-line refusals naming the key or file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCheckpoint } from '../dist/index.js';
import { SafetensorsFile, halfToFloat } from '../dist/transformer/safetensors.js';
import { encodeSafetensors, writeCheckpoint } from './transformer-helpers.js';

let dir;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-checkpoint-'))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('safetensors: F32, F16 and BF16 values decode exactly; __metadata__ is kept apart', () => {
  const bytes = encodeSafetensors(
    [
      { name: 'f32', dtype: 'F32', shape: [2, 2], data: [1.5, -2, 3.25e-8, 65536] },
      { name: 'f16', dtype: 'F16', shape: [6], data: [1, -2, 65504, 2 ** -24, 0.333251953125, -0] },
      { name: 'bf16', dtype: 'BF16', shape: [3], data: [1, -3.140625, 2 ** 100] },
    ],
    { format: 'pt' },
  );
  const file = SafetensorsFile.parse(bytes, 'x.safetensors');
  assert.deepEqual(file.metadata, { format: 'pt' });
  assert.deepEqual([...file.entries.keys()], ['f32', 'f16', 'bf16']);
  assert.deepEqual([...file.float32('f32')], [1.5, -2, Math.fround(3.25e-8), 65536]);
  assert.deepEqual([...file.float32('f16')], [1, -2, 65504, 2 ** -24, 0.333251953125, -0]);
  assert.deepEqual([...file.float32('bf16')], [1, -3.140625, 2 ** 100]);
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
});

for (const layout of ['bert', 'ernie']) {
  for (const dtype of ['F32', 'F16', 'BF16']) {
    test(`${layout} layout, ${dtype}: every weight reads back as stored; config and labels as config.json says`, () => {
      const ckpt = path.join(dir, `${layout}-${dtype}`);
      const { config, tensors } = writeCheckpoint(ckpt, { layout, dtype });
      const read = readCheckpoint(ckpt);
      assert.equal(read.prefix, `${layout}.`);
      assert.deepEqual(read.notes, []);
      assert.deepEqual(read.labels, ['negative', 'positive', 'neutral']);
      assert.equal(read.vocab.length, config.vocab_size);
      assert.equal(read.lowercase, true);
      assert.deepEqual(read.config, {
        vocabSize: 40,
        hidden: 16,
        layers: 2,
        heads: 4,
        intermediate: 24,
        activation: 'gelu',
        maxPositions: 32,
        typeVocabSize: layout === 'bert' ? 2 : 4,
        taskTypeVocabSize: layout === 'bert' ? 0 : 3,
        layerNormEps: layout === 'bert' ? 1e-12 : 1e-5,
        labels: 3,
        padId: 0,
      });
      const w = read.weights;
      assert.deepEqual(w.wordEmbeddings, tensors.get('embeddings.word_embeddings.weight'));
      assert.deepEqual(w.embeddingNorm.gamma, tensors.get('embeddings.LayerNorm.weight'));
      assert.deepEqual(w.layers[1].query.weight, tensors.get('encoder.layer.1.attention.self.query.weight'));
      assert.deepEqual(w.layers[0].output.weight, tensors.get('encoder.layer.0.output.dense.weight'));
      assert.deepEqual(w.layers[1].outputNorm.beta, tensors.get('encoder.layer.1.output.LayerNorm.bias'));
      assert.deepEqual(w.classifier.weight, tensors.get('classifier.weight'));
      assert.deepEqual(
        w.taskTypeEmbeddings,
        layout === 'ernie' ? tensors.get('embeddings.task_type_embeddings.weight') : null,
      );
    });
  }
}

test('relu, 2048 positions, no prefix, do_lower_case false from tokenizer_config.json', () => {
  const ckpt = path.join(dir, 'relu');
  writeCheckpoint(ckpt, { layout: 'ernie', config: { hidden_act: 'relu', max_position_embeddings: 2048 } });
  fs.writeFileSync(path.join(ckpt, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false }));
  const read = readCheckpoint(ckpt);
  assert.equal(read.config.activation, 'relu');
  assert.equal(read.config.maxPositions, 2048);
  assert.equal(read.lowercase, false);
  // The same tensors without the ernie. prefix.
  const bare = path.join(dir, 'bare');
  fs.mkdirSync(bare);
  const file = SafetensorsFile.read(path.join(ckpt, 'model.safetensors'));
  const entries = [...file.entries].map(([name, e]) => ({
    name: name.replace(/^ernie\./, ''),
    dtype: e.dtype,
    shape: e.shape,
    data: e.dtype === 'I64' ? Array(e.shape.reduce((a, b) => a * b, 1)).fill(0) : file.float32(name),
  }));
  fs.writeFileSync(path.join(bare, 'model.safetensors'), encodeSafetensors(entries));
  for (const f of ['config.json', 'vocab.txt']) fs.copyFileSync(path.join(ckpt, f), path.join(bare, f));
  const fromBare = readCheckpoint(bare);
  assert.equal(fromBare.prefix, '');
  assert.deepEqual(fromBare.weights.layers[1].intermediate.weight, read.weights.layers[1].intermediate.weight);
});

test('a checkpoint without pooler or classifier gets seeded new ones, each with a note', () => {
  const ckpt = path.join(dir, 'headless');
  writeCheckpoint(ckpt, { layout: 'bert', omit: ['classifier.', 'pooler.'] });
  const read = readCheckpoint(ckpt, { seed: 3 });
  assert.deepEqual(read.notes, [
    `${ckpt}: no pooler in the checkpoint; a new one (seeded) is used`,
    `${ckpt}: no classification head in the checkpoint; a new one (seeded) is used`,
  ]);
  assert.equal(read.config.labels, 3, 'as many classes as id2label names');
  assert.equal(read.weights.classifier.weight.length, 3 * 16);
  assert.ok(read.weights.classifier.weight.some((v) => v !== 0));
  assert.deepEqual(
    readCheckpoint(ckpt, { seed: 3 }).weights.classifier.weight,
    read.weights.classifier.weight,
    'seeded',
  );
});

test('refusals: one line naming the key or the file', () => {
  const expectError = (ckpt, pattern) =>
    assert.throws(
      () => readCheckpoint(ckpt),
      (err) => err.name === 'InputError' && !err.message.includes('\n') && pattern.test(err.message),
    );
  const make = (name, options) => {
    const ckpt = path.join(dir, name);
    writeCheckpoint(ckpt, options);
    return ckpt;
  };
  const weightsOf = (ckpt) => path.join(ckpt, 'model.safetensors');

  const bin = path.join(dir, 'bin-only');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'pytorch_model.bin'), 'PK');
  fs.writeFileSync(path.join(bin, 'config.json'), '{}');
  expectError(bin, /bin-only: holds pytorch_model\.bin only; provide model\.safetensors/);

  const missing = make('missing', { layout: 'bert', omit: ['encoder.layer.1.attention.self.key.bias'] });
  expectError(
    missing,
    new RegExp(`^${weightsOf(missing)}: missing tensor bert\\.encoder\\.layer\\.1\\.attention\\.self\\.key\\.bias$`),
  );

  const missingNorm = make('missing-norm', { layout: 'bert', omit: ['encoder.layer.0.output.LayerNorm.weight'] });
  expectError(missingNorm, /missing tensor bert\.encoder\.layer\.0\.output\.LayerNorm\.weight$/);

  const taskless = make('taskless', { layout: 'ernie', omit: ['embeddings.task_type_embeddings'] });
  expectError(taskless, /missing tensor ernie\.embeddings\.task_type_embeddings\.weight$/);

  const shape = make('shape', { layout: 'ernie' });
  const config = JSON.parse(fs.readFileSync(path.join(shape, 'config.json'), 'utf8'));
  fs.writeFileSync(path.join(shape, 'config.json'), JSON.stringify({ ...config, intermediate_size: 32 }));
  expectError(
    shape,
    /model\.safetensors: ernie\.encoder\.layer\.0\.intermediate\.dense\.weight has shape \[24, 16\], config\.json says \[32, 16\]$/,
  );

  const truncated = make('truncated', { layout: 'bert' });
  const bytes = fs.readFileSync(weightsOf(truncated));
  fs.writeFileSync(weightsOf(truncated), bytes.subarray(0, bytes.length - 100));
  expectError(truncated, /model\.safetensors: truncated: .* needs data up to byte \d+, the file holds \d+$/);
  fs.writeFileSync(weightsOf(truncated), bytes.subarray(0, 20));
  expectError(truncated, /model\.safetensors: truncated: the header says \d+ bytes of JSON/);

  const vocab = make('vocab', { layout: 'bert' });
  fs.appendFileSync(path.join(vocab, 'vocab.txt'), 'extra\n');
  expectError(vocab, /vocab\.txt: 41 tokens, config\.json's vocab_size is 40$/);

  const act = make('act', { layout: 'bert', config: { hidden_act: 'gelu_new' } });
  expectError(act, /config\.json: hidden_act "gelu_new" is not supported \(gelu or relu\)$/);
});

// convert: Hugging Face checkpoints (BERT layout with gamma/beta, ERNIE 3.0 layout with task types) to ONNX
// teachers whose logits match an independent float64 reference within 1e-4, and that carry their vocabulary,
// lowercasing, positions and labels; refusals leave nothing behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { convert, Teacher } from '../dist/index.js';
import { referenceLogits } from './transformer-reference.js';
import { smallVocab, writeCheckpoint } from './transformer-helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
let dir;
before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-convert-'))));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function lcg(seed) {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** A padded batch of rows of different lengths: [CLS] ids [SEP] (ids pair [SEP] with type 1 and up). */
export function sampleBatch(config, rows, seed) {
  const rng = lcg(seed);
  const lengths = Array.from({ length: rows }, (_, i) => 3 + ((i * 5 + 2) % 9));
  const seq = Math.max(...lengths);
  const ids = [],
    typeIds = [],
    mask = [];
  lengths.forEach((n) => {
    const split = Math.floor(n / 2);
    const row = Array.from({ length: n }, (_, t) =>
      t === 0 ? 2 : t === n - 1 || t === split ? 3 : 5 + Math.floor(rng() * (config.vocab_size - 5)),
    );
    const types = Array.from({ length: n }, (_, t) =>
      t <= split ? 0 : Math.min(config.type_vocab_size - 1, 1 + Math.floor(rng() * config.type_vocab_size)),
    );
    ids.push(row);
    typeIds.push(types);
    mask.push(row.map(() => 1));
  });
  const flat = (rowsOf, fill) =>
    BigInt64Array.from(
      rowsOf.flatMap((r) => [...r, ...Array(seq - r.length).fill(fill)]),
      BigInt,
    );
  return {
    ids,
    typeIds,
    mask,
    seq,
    tensors: { input_ids: flat(ids, 0), token_type_ids: flat(typeIds, 0), attention_mask: flat(mask, 0) },
  };
}

async function onnxLogits(model, batch) {
  const session = await ort.InferenceSession.create(model);
  const dims = [batch.ids.length, batch.seq];
  const feeds = {};
  for (const name of session.inputNames) feeds[name] = new ort.Tensor('int64', batch.tensors[name], dims);
  const out = await session.run(feeds);
  await session.release();
  return out.logits;
}

const cases = [
  { name: 'bert layout (gamma/beta, F16, gelu, eps 1e-12)', layout: 'bert', dtype: 'F16', config: {} },
  { name: 'ernie layout (task types, 4 token types, eps 1e-5, BF16)', layout: 'ernie', dtype: 'BF16', config: {} },
  {
    name: 'ernie 1.0 style (relu, F32)',
    layout: 'ernie',
    dtype: 'F32',
    config: { hidden_act: 'relu', use_task_id: false },
  },
];

for (const c of cases) {
  test(`${c.name}: ONNX logits equal the float64 reference within 1e-4`, async () => {
    const ckpt = path.join(dir, c.name.split(' ')[0] + c.dtype);
    const { config, tensors } = writeCheckpoint(ckpt, { layout: c.layout, dtype: c.dtype, config: c.config, seed: 11 });
    const model = path.join(dir, `${c.layout}-${c.dtype}.onnx`);
    const result = await convert({ pretrained: ckpt, out: model });
    assert.deepEqual(result.notes, []);
    assert.deepEqual(result.labels, ['negative', 'positive', 'neutral']);
    const batch = sampleBatch(config, 7, 5);
    const logits = await onnxLogits(model, batch);
    assert.deepEqual(logits.dims, [7, 3]);
    const expected = referenceLogits(config, tensors, batch.ids, batch.typeIds, batch.mask);
    let worst = 0;
    expected.forEach((row, r) =>
      row.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - logits.data[r * 3 + k])))),
    );
    assert.ok(worst <= 1e-4, `max |Δlogit| ${worst}`);
    // The logits are far from flat: the reference is not trivially matched.
    const spread = Math.max(...expected.flat()) - Math.min(...expected.flat());
    assert.ok(spread > 0.1, `logit spread ${spread}`);
  });
}

test('a converted teacher carries its vocabulary, lowercasing and labels: label needs no --vocab', async () => {
  const ckpt = path.join(dir, 'carry');
  const { config, tensors } = writeCheckpoint(ckpt, { layout: 'ernie', seed: 4 });
  const model = path.join(dir, 'carry.onnx');
  await convert({ pretrained: ckpt, out: model });
  const teacher = await Teacher.open(model, { maxLength: 16 });
  try {
    assert.deepEqual(teacher.labelNames, ['negative', 'positive', 'neutral']);
    // Lowercased by the carried setting: "A B c" -> [CLS] a b c [SEP].
    const [logits] = await teacher.score(['A B c']);
    const vocab = smallVocab(config.vocab_size);
    const ids = [2, vocab.indexOf('a'), vocab.indexOf('b'), vocab.indexOf('c'), 3];
    const [expected] = referenceLogits(config, tensors, [ids], [ids.map(() => 0)], [ids.map(() => 1)]);
    expected.forEach((v, k) => assert.ok(Math.abs(v - logits[k]) <= 1e-4, `${v} vs ${logits[k]}`));
  } finally {
    await teacher.close();
  }
  await assert.rejects(
    Teacher.open(model, { maxLength: 64 }),
    /--max-len 64 is more than the 32 positions of the teacher/,
  );
  const labeled = spawnSync(process.execPath, [cli, 'label', '--teacher', model, '--max-len', '16'], {
    input: 'AB c\n好的\n',
    encoding: 'utf8',
  });
  assert.equal(labeled.status, 0, labeled.stderr);
  const lines = labeled.stdout.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.equal(lines[0], 'text_a\tlabel');
  assert.ok(
    lines.slice(1).every((l) => /\t(negative|positive|neutral)$/.test(l)),
    labeled.stdout,
  );
});

test('convert CLI: a note for a new head; refusals are one line, exit 1, nothing written', () => {
  const run = (args) => spawnSync(process.execPath, [cli, 'convert', ...args], { encoding: 'utf8' });
  const headless = path.join(dir, 'headless');
  writeCheckpoint(headless, { layout: 'bert', omit: ['classifier.'] });
  const out = path.join(dir, 'headless.onnx');
  const ok = run(['--pretrained', headless, '--out', out, '--json']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(
    ok.stderr,
    new RegExp(`note: ${headless}: no classification head in the checkpoint; a new one \\(seeded\\) is used`),
  );
  const report = JSON.parse(ok.stdout.trim().split('\n').pop());
  assert.deepEqual(report.labels, ['negative', 'positive', 'neutral']);
  assert.ok(fs.existsSync(out));

  const broken = path.join(dir, 'broken');
  writeCheckpoint(broken, { layout: 'bert', omit: ['encoder.layer.0.intermediate.dense.weight'] });
  const target = path.join(dir, 'broken.onnx');
  const bad = run(['--pretrained', broken, '--out', target]);
  assert.equal(bad.status, 1);
  assert.equal(
    bad.stderr,
    `ernie-slim: ${path.join(broken, 'model.safetensors')}: missing tensor bert.encoder.layer.0.intermediate.dense.weight\n`,
  );
  assert.ok(!fs.existsSync(target));
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('broken.onnx')),
    [],
    'no temporary file left',
  );

  const binOnly = path.join(dir, 'bin');
  fs.mkdirSync(binOnly);
  fs.writeFileSync(path.join(binOnly, 'pytorch_model.bin'), '');
  const bin = run(['--pretrained', binOnly, '--out', target]);
  assert.equal(bin.status, 1);
  assert.equal(bin.stderr.trim().split('\n').length, 1);
  assert.match(bin.stderr, /provide model\.safetensors/);
});

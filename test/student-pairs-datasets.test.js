// Two-tower students on LCQMC (../shared/data/lcqmc): the bow baselines clear the 71.4% dev accuracy,
// .bin and .onnx agree, and eval reports the positive/negative order ratio.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { train, evaluate, exportOnnx } from '../dist/index.js';
import { tempDir } from './student-fixtures.js';

const data = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data', 'lcqmc');
const present = fs.existsSync(path.join(data, 'train.tsv'));
if (!present) console.log(`# skipping LCQMC pair tests: ${data} is absent`);
const dir = tempDir('ernie-slim-lcqmc-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const files = { train: path.join(data, 'train.tsv'), dev: path.join(data, 'dev.tsv') };

test(
  'two-tower bow over characters on LCQMC: dev accuracy >= 74%, pos_neg_ratio > 4; .bin and .onnx agree',
  { skip: !present && 'no ../shared' },
  async () => {
    const out = path.join(dir, 'lcqmc.bin');
    const result = await train({ ...files, out, model: 'bow', segmenter: 'char', threads: 1, seed: 1 });
    assert.equal(result.pair, true);
    assert.ok(result.devAccuracy >= 0.74, `dev accuracy ${result.devAccuracy}`);
    const onnx = path.join(dir, 'lcqmc.onnx');
    await exportOnnx(result.student.toData(), onnx);
    const a = await evaluate({ model: out, data: files.dev });
    const b = await evaluate({ model: onnx, data: files.dev, runtime: 'onnxruntime' });
    assert.equal(a.n, 8802);
    assert.equal(a.accuracy, result.devAccuracy);
    assert.equal(b.accuracy, a.accuracy);
    assert.ok(a.posNegRatio > 4, `pos_neg_ratio ${a.posNegRatio}`);
    assert.ok(a.posNeg.queries > 100, JSON.stringify(a.posNeg));
    assert.deepEqual(b.posNeg, a.posNeg);
  },
);

test(
  'two-tower bow over jieba words on LCQMC: dev accuracy >= 71.4%',
  { skip: !present && 'no ../shared' },
  async () => {
    const result = await train({ ...files, model: 'bow', threads: 1, seed: 1 });
    assert.ok(result.devAccuracy >= 0.714, `dev accuracy ${result.devAccuracy}`);
  },
);

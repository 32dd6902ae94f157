// The student on ChnSentiCorp (../shared): a short bow run reaches a sane dev accuracy, .bin and .onnx agree.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { train, evaluate, exportOnnx } from '../dist/index.js';
import { tempDir } from './student-fixtures.js';

const data = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data', 'chnsenticorp');
const present = fs.existsSync(path.join(data, 'train.tsv'));
if (!present) console.log(`# skipping ChnSentiCorp student tests: ${data} is absent`);
const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test(
  'bow on ChnSentiCorp: dev accuracy >= 88% after two epochs; eval of .bin and .onnx agree',
  { skip: !present && 'no ../shared' },
  async () => {
    const out = path.join(dir, 'chn.bin');
    const result = await train({
      train: path.join(data, 'train.tsv'),
      dev: path.join(data, 'dev.tsv'),
      out,
      model: 'bow',
      epochs: 2,
      threads: 2,
    });
    assert.ok(result.devAccuracy >= 0.88, `dev accuracy ${result.devAccuracy}`);
    const onnx = path.join(dir, 'chn.onnx');
    await exportOnnx(result.student.toData(), onnx);
    const a = await evaluate({ model: out, data: path.join(data, 'dev.tsv') });
    const b = await evaluate({ model: onnx, data: path.join(data, 'dev.tsv'), runtime: 'onnxruntime' });
    assert.equal(a.n, 1200);
    assert.equal(a.accuracy, result.devAccuracy);
    assert.equal(b.accuracy, a.accuracy);
  },
);

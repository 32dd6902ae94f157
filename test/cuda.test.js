// The CUDA build and the student's GPU trainer. Without a GPU (here, CI): the kernels are compiled into the
// addon, it loads, `info` reports them, and `--device cuda` fails in one line while `auto` trains on the CPU.
// With a GPU: the device's loss and gradients equal the CPU's within 1e-4, and training reaches the CPU's accuracy.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { addonPath, native } from '../dist/native.js';
import { StudentModel, accuracy, epochOptions, permutation, rng, separableData } from './student-native-helpers.js';
import { cli, generateReviews, tempDir, writeLabeledTsv } from './student-fixtures.js';

const cuda = native().cudaInfo();
const hasGpu = cuda.devices > 0;
const gpuSkip = hasGpu
  ? false
  : `no usable CUDA device here (${cuda.problem}); bench/cuda.js runs these on a GPU machine`;

function nvccOnPath() {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/cuda/bin']) {
    if (dir && fs.existsSync(path.join(dir, 'nvcc'))) return true;
  }
  return false;
}
const setting = native().buildInfo().cudaSetting;
const buildSkip =
  setting === 'OFF'
    ? 'the addon was built with ERNIE_SLIM_CUDA=OFF'
    : nvccOnPath() || setting === 'ON'
      ? false
      : 'no nvcc here, so the addon was built without CUDA';

const dir = tempDir('ernie-slim-cuda-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const lastJson = (stdout) => JSON.parse(stdout.trim().split('\n').at(-1));

test(
  'the addon holds CUDA device code for Turing to Hopper when nvcc was found at install',
  { skip: buildSkip },
  () => {
    assert.equal(native().buildInfo().cuda, true, 'nvcc is here, so install must have built the kernels');
    assert.equal(cuda.built, true);
    assert.ok(cuda.runtimeVersion >= 12000, `runtime ${cuda.runtimeVersion}`);
    const binary = fs.readFileSync(addonPath());
    // The fat binary section and its per-file headers (magic 0xBA55ED50, little-endian).
    assert.ok(binary.includes(Buffer.from('.nv_fatbin\0')), 'no .nv_fatbin section');
    let fatbins = 0;
    for (
      let at = binary.indexOf(Buffer.from([0x50, 0xed, 0x55, 0xba]));
      at >= 0;
      at = binary.indexOf(Buffer.from([0x50, 0xed, 0x55, 0xba]), at + 4)
    )
      fatbins++;
    assert.ok(fatbins >= 5, `${fatbins} fat binaries; one per .cu file expected`);
    for (const kernel of [
      'BagForwardKernel',
      'BagBackwardKernel',
      'GemmKernel',
      'DistillationLossKernel',
      'AdamWTouchedRowsKernel',
    ]) {
      assert.ok(binary.includes(Buffer.from(kernel)), `kernel ${kernel} missing`);
    }
    for (const arch of ['sm_75', 'sm_80', 'sm_90']) assert.ok(binary.includes(Buffer.from(arch)), `${arch} missing`);
  },
);

test(
  'the CUDA addon needs no CUDA library at load: the runtime is static, the driver is looked for at run time',
  { skip: buildSkip },
  () => {
    const deps = execFileSync('ldd', [addonPath()], { encoding: 'utf8' });
    assert.doesNotMatch(deps, /libcuda|libcudart|libcublas/, deps);
  },
);

test('info --json reports the CUDA build and the devices', () => {
  const run = cli(['info', '--json']);
  assert.equal(run.status, 0, run.stderr);
  const info = lastJson(run.stdout);
  assert.equal(info.cuda, native().buildInfo().cuda);
  assert.equal(info.cudaDevices, cuda.devices);
  if (!hasGpu) assert.match(info.cudaProblem, /driver|device|without CUDA/);
});

const trainFile = writeLabeledTsv(dir, 'train.tsv', generateReviews(300, 21));
const devFile = writeLabeledTsv(dir, 'dev.tsv', generateReviews(80, 22));
const trainArgs = [
  'train',
  '--train',
  trainFile,
  '--dev',
  devFile,
  '--epochs',
  '2',
  '--emb-dim',
  '16',
  '--hidden',
  '8',
  '--threads',
  '1',
  '--json',
];

test(
  'train --device cuda without a usable GPU: one line, exit 1, no model written',
  { skip: hasGpu ? 'a GPU is here' : false },
  () => {
    const out = path.join(dir, 'cuda.bin');
    const run = cli([...trainArgs, '--out', out, '--device', 'cuda']);
    assert.equal(run.status, 1, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /^ernie-slim: --device cuda: .*(driver|device|without CUDA).*; use --device cpu or auto/);
    assert.equal(fs.existsSync(out), false);
  },
);

test('train --device auto trains on the CPU when there is no GPU, on the GPU when there is one', () => {
  const out = path.join(dir, 'auto.bin');
  const run = cli([...trainArgs, '--out', out, '--device', 'auto']);
  assert.equal(run.status, 0, run.stderr);
  const result = lastJson(run.stdout);
  assert.equal(result.device, hasGpu ? 'cuda' : 'cpu');
  assert.ok(result.dev_accuracy > 0.7, JSON.stringify(result));
  assert.ok(fs.existsSync(out));
});

test(
  'train --device cuda with a cnn or lstm (exit 1), feature dropout or label smoothing (exit 2): one line',
  { skip: hasGpu ? false : 'needs a GPU to reach the kind check' },
  () => {
    const run = cli([...trainArgs, '--out', path.join(dir, 'cnn.bin'), '--model', 'cnn', '--device', 'cuda']);
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /^ernie-slim: --device cuda: the CUDA trainer runs the bow student only/);
    const dropout = cli([
      ...trainArgs,
      '--out',
      path.join(dir, 'dropout.bin'),
      '--device',
      'cuda',
      '--feature-dropout',
      '0.3',
    ]);
    assert.equal(dropout.status, 2, dropout.stderr);
    assert.match(dropout.stderr, /^ernie-slim: --device cuda: the CUDA trainer has no feature dropout/);
    assert.equal(fs.existsSync(path.join(dir, 'dropout.bin')), false);
    const smoothing = cli([
      ...trainArgs,
      '--out',
      path.join(dir, 'smoothing.bin'),
      '--device',
      'cuda',
      '--label-smoothing',
      '0.1',
    ]);
    assert.equal(smoothing.status, 2, smoothing.stderr);
    assert.match(smoothing.stderr, /^ernie-slim: --device cuda: the CUDA trainer has no label smoothing/);
  },
);

test('the native model refuses a device it cannot use, in one line', { skip: hasGpu ? 'a GPU is here' : false }, () => {
  const model = new StudentModel({ kind: 'bow', vocabSize: 20, embDim: 4, hidden: 3, numLabels: 2, seed: 1 });
  const data = separableData(8, 20, 1);
  assert.throws(() => model.lossAndGradients(data, Int32Array.of(0, 1), 1, 0.5, 'cuda'), /StudentModel: device cuda: /);
  assert.throws(
    () => model.trainEpoch(data, epochOptions({ order: permutation(8, 1), device: 'cuda' })),
    /StudentModel: device cuda: /,
  );
  assert.throws(
    () => model.trainEpoch(data, epochOptions({ order: permutation(8, 1), device: 'tpu' })),
    /device must be 'cpu' or 'cuda'/,
  );
});

// ---------------------------------------------------------------------------------------------- on a GPU

function withTeacher(data, numLabels, seed) {
  const rand = rng(seed);
  const n = data.labels.length;
  const teacherLogits = new Float32Array(n * numLabels);
  for (let i = 0; i < teacherLogits.length; i++) teacherLogits[i] = (rand() - 0.5) * 6;
  const labels = Int32Array.from(data.labels);
  for (let r = 0; r < n; r++) {
    if (r % 3 === 1) labels[r] = -1; // soft target only
    if (r % 3 === 2) teacherLogits.fill(NaN, r * numLabels, (r + 1) * numLabels); // hard label only
  }
  return { ...data, labels, teacherLogits };
}

for (const bigramBuckets of [0, 97]) {
  test(
    `GPU loss and gradients equal the CPU's within 1e-4 (random batches, hard+soft targets, bigram buckets ${bigramBuckets})`,
    { skip: gpuSkip },
    () => {
      const numLabels = 3;
      const model = new StudentModel({
        kind: 'bow',
        vocabSize: 300,
        bigramBuckets,
        embDim: 40,
        hidden: 24,
        numLabels,
        seed: 5,
      });
      const data = withTeacher(separableData(200, 300, 9, numLabels), numLabels, 3);
      for (let trial = 0; trial < 5; trial++) {
        const rows = permutation(200, 100 + trial).subarray(0, 17 + trial * 20);
        const cpu = model.lossAndGradients(data, rows, 2, 0.6, 'cpu');
        const gpu = model.lossAndGradients(data, rows, 2, 0.6, 'cuda');
        assert.ok(
          Math.abs(cpu.loss - gpu.loss) <= 1e-4 * Math.max(1, Math.abs(cpu.loss)),
          `loss ${cpu.loss} vs ${gpu.loss}`,
        );
        for (const [name, g] of Object.entries(cpu.gradients)) {
          const h = gpu.gradients[name];
          let worst = 0;
          for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - h[i]));
          assert.ok(worst <= 1e-4, `${name}: max |cpu - gpu| = ${worst}`);
        }
      }
    },
  );
}

test(
  "GPU training reaches the CPU's accuracy on the same data, and setWeights reaches the device",
  { skip: gpuSkip },
  async () => {
    const config = { kind: 'bow', vocabSize: 400, bigramBuckets: 211, embDim: 32, hidden: 16, numLabels: 2, seed: 3 };
    const trainSet = separableData(3000, 400, 1);
    const devSet = separableData(600, 400, 2);
    const accuracies = {};
    for (const device of ['cpu', 'cuda']) {
      const model = new StudentModel(config);
      for (let epoch = 0; epoch < 3; epoch++) {
        const result = await model.trainEpoch(
          trainSet,
          epochOptions({
            order: permutation(3000, epoch),
            stepOffset: epoch * 188,
            totalSteps: 564,
            device,
            wordDropout: 0.1,
          }),
        );
        assert.equal(result.finite, true);
        assert.equal(result.steps, 188);
      }
      accuracies[device] = accuracy(await model.predictRows(devSet, 1), devSet.labels, 2);
      if (device === 'cuda') {
        // Weights set on the host are what the next device step starts from.
        const before = model.getWeights();
        model.setWeights(before);
        const g1 = model.lossAndGradients(trainSet, Int32Array.of(0, 1, 2), 1, 0.5, 'cuda');
        const g0 = model.lossAndGradients(trainSet, Int32Array.of(0, 1, 2), 1, 0.5, 'cpu');
        assert.ok(Math.abs(g1.loss - g0.loss) < 1e-4);
      }
    }
    assert.ok(accuracies.cuda > 0.9, JSON.stringify(accuracies));
    assert.ok(accuracies.cuda >= accuracies.cpu - 0.02, JSON.stringify(accuracies));
  },
);

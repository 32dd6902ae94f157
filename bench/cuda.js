// The bow student trained on the GPU vs the CPU path (all cores) vs fastText, on ChnSentiCorp
// (../shared/data/chnsenticorp), in one run: dev accuracy, and training tokens/s on the training set
// repeated --repeat times (so that a GPU epoch is not all set-up). Goal: GPU >= 10x the CPU path.
// Needs a machine with an NVIDIA GPU and the addon built with nvcc; prints why and exits 0 otherwise.
// The GPU-vs-CPU parity tests are `node --test test/cuda.test.js` (they skip without a GPU).
//   node bench/cuda.js [--repeat 10] [--batch-sizes 16,256,1024] [--out DIR]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { native } from '../dist/native.js';
import { train } from '../dist/student/train.js';
import { studentWords, defaultSegmentation } from '../dist/student/segmentation.js';
import { trainDevFilesOrSkip } from './train-dev-files.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    repeat: { type: 'string', default: '10' },
    'batch-sizes': { type: 'string', default: '16,256,1024' },
    out: { type: 'string', default: path.join(here, '..', '.bench-out', 'cuda') },
    data: { type: 'string', default: path.join(here, '..', '..', 'shared', 'data', 'chnsenticorp') },
  },
});
const log = (line) => process.stderr.write(line + '\n');
const cuda = native().cudaInfo();
log(
  `addon cuda build: ${cuda.built}, devices: ${cuda.devices}${cuda.name ? ` (${cuda.name})` : ''}, runtime ${cuda.runtimeVersion}, driver ${cuda.driverVersion}`,
);
if (cuda.devices === 0) {
  console.log(`skipping the CUDA bench: ${cuda.problem}`);
  process.exit(0);
}
const { train: trainFile, dev: devFile } = trainDevFilesOrSkip(args.data, 'CUDA', 'ChnSentiCorp');
fs.mkdirSync(args.out, { recursive: true });

// The training set repeated, for the speed runs (one epoch each).
const [header, ...lines] = fs.readFileSync(trainFile, 'utf8').split('\n').filter(Boolean);
const repeated = path.join(args.out, 'train-repeated.tsv');
fs.writeFileSync(
  repeated,
  [header, ...Array.from({ length: Number(args.repeat) }, () => lines).flat()].join('\n') + '\n',
);

const threads = os.availableParallelism();
const results = { machine: `${os.cpus()[0]?.model ?? 'cpu'} x${threads}`, gpu: cuda.name, runs: [] };

async function run(name, options) {
  const accuracyRun = await train({ train: trainFile, dev: devFile, seed: 1, threads, ...options });
  const speedRun = await train({ train: repeated, seed: 1, threads, ...options, epochs: 1 });
  const entry = {
    name,
    device: accuracyRun.device,
    ngrams: options.ngrams ?? 1,
    batchSize: options.batchSize ?? 'default',
    devAccuracy: accuracyRun.devAccuracy,
    tokensPerSecond: speedRun.tokensPerSecond,
  };
  results.runs.push(entry);
  log(JSON.stringify(entry));
  return entry;
}

function fastText(ngrams) {
  if (spawnSync('fasttext', [], { stdio: 'ignore' }).error !== undefined) return null;
  const toTxt = (file, out) => {
    const [head, ...rows] = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const cols = head.split('\t');
    const li = cols.indexOf('label'),
      ti = cols.indexOf('text_a');
    fs.writeFileSync(
      out,
      rows
        .map((l) => l.split('\t'))
        .map((f) => `__label__${f[li]} ${studentWords(f[ti], defaultSegmentation).join(' ')}\n`)
        .join(''),
    );
  };
  const trainTxt = path.join(args.out, 'train.txt'),
    devTxt = path.join(args.out, 'dev.txt');
  toTxt(repeated, trainTxt);
  toTxt(devFile, devTxt);
  const prefix = path.join(args.out, `fasttext-${ngrams}`);
  const fit = spawnSync(
    'fasttext',
    [
      'supervised',
      '-input',
      trainTxt,
      '-output',
      prefix,
      '-wordNgrams',
      String(ngrams),
      '-epoch',
      '1',
      '-dim',
      '100',
      '-thread',
      String(threads),
    ],
    { maxBuffer: 1 << 28 },
  );
  const perThread = [...fit.stderr.toString().matchAll(/words\/sec\/thread:\s*(\d+)/g)].map((m) => Number(m[1])).at(-1);
  return { ngrams, tokensPerSecond: perThread * threads, threads };
}

for (const ngrams of [1, 2]) {
  const cpu = await run(`cpu x${threads}`, { ngrams, device: 'cpu' });
  const ft = fastText(ngrams);
  if (ft) results.runs.push({ name: `fastText x${threads}`, ...ft });
  for (const batchSize of args['batch-sizes'].split(',').map(Number)) {
    // Larger batches take a proportionally larger step (square-root scaling of the default lr).
    const lr = 3e-3 * Math.sqrt(batchSize / 16);
    const gpu = await run(`cuda batch ${batchSize}`, { ngrams, device: 'cuda', batchSize, lr });
    log(
      `ngrams ${ngrams} batch ${batchSize}: GPU ${(gpu.tokensPerSecond / cpu.tokensPerSecond).toFixed(1)}x the CPU path${ft ? `, ${(gpu.tokensPerSecond / ft.tokensPerSecond).toFixed(1)}x fastText` : ''}; dev ${(gpu.devAccuracy * 100).toFixed(2)}% vs CPU ${(cpu.devAccuracy * 100).toFixed(2)}%`,
    );
  }
}

const table = [
  '',
  `bow student training on ${results.gpu} vs ${results.machine} (ChnSentiCorp; speed on train x${args.repeat})`,
  'run                     ngrams  batch   dev acc    tokens/s',
];
for (const r of results.runs) {
  table.push(
    `${r.name.padEnd(22)}  ${String(r.ngrams).padEnd(6)}  ${String(r.batchSize ?? '-').padEnd(6)}  ${r.devAccuracy !== undefined ? (r.devAccuracy * 100).toFixed(2) + '%' : '   -  '}   ${(r.tokensPerSecond / 1e6).toFixed(2)}M`,
  );
}
console.log(table.join('\n'));
fs.writeFileSync(path.join(args.out, 'results.json'), JSON.stringify(results, null, 2));

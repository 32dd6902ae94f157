// Fine-tuning figures, side by side in one run:
//  1. throughput: `finetune` lines/s (forward + backward + AdamW, one epoch, no dev) against `label` lines/s
//     (the same weights converted to ONNX, scored by Teacher over the same lines) — 0.33x is the ideal;
//  2. learning: a 2-layer/128-hidden checkpoint with random weights fine-tuned from scratch on ChnSentiCorp
//     (--lr 5e-4 --epochs 3 by default): dev accuracy (goal >= 83%) and teacher.onnx's dev accuracy beside it.
// Usage: node bench/finetune.js [--lines 1000] [--rounds 3] [--epochs 3] [--lr 5e-4] [--skip-learning] [--threads N]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { finetune, Teacher } from '../dist/index.js';
import { native } from '../dist/native.js';
import { namedTensors, randomWeights } from '../dist/transformer/transformer-weights.js';
import { safetensorsBytes } from '../dist/transformer/safetensors-writer.js';
import { tensorShapes } from '../dist/transformer/transformer-weights.js';
import { SeededRandom } from '../dist/util/random.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = path.resolve(root, '..', 'shared');
const vocab = path.join(shared, 'vocab', 'bert-base-chinese.txt');
const train = path.join(shared, 'data', 'chnsenticorp', 'train.tsv');
const dev = path.join(shared, 'data', 'chnsenticorp', 'dev.tsv');
if (![vocab, train, dev].every((f) => fs.existsSync(f))) {
  console.log('skipped: ChnSentiCorp or the bert-base-chinese vocabulary is missing (the bench reads ../shared)');
  process.exit(0);
}
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const LINES = arg('lines', 1000);
const EPOCHS = arg('epochs', 3);
const LR = arg('lr', 5e-4);
const threads = arg('threads', os.availableParallelism());
const MAX_LEN = 128;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-bench-finetune-'));

/** A checkpoint folder with random weights (no classification head: finetune makes one). */
function randomCheckpoint(name, { layers, hidden, heads, intermediate }) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  const vocabSize = fs.readFileSync(vocab, 'utf8').trimEnd().split('\n').length;
  const config = {
    vocabSize,
    hidden,
    layers,
    heads,
    intermediate,
    activation: 'gelu',
    maxPositions: 512,
    typeVocabSize: 2,
    taskTypeVocabSize: 0,
    layerNormEps: 1e-12,
    labels: 2,
    padId: 0,
  };
  const shapes = tensorShapes(config);
  const tensors = [...namedTensors(config, randomWeights(config, new SeededRandom(1)))]
    .filter(([n]) => !n.startsWith('classifier.'))
    .map(([n, data]) => ({ name: `bert.${n}`, shape: shapes.get(n), data }));
  fs.writeFileSync(path.join(dir, 'model.safetensors'), safetensorsBytes(tensors, { format: 'pt' }));
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      model_type: 'bert',
      vocab_size: vocabSize,
      hidden_size: hidden,
      num_hidden_layers: layers,
      num_attention_heads: heads,
      intermediate_size: intermediate,
      hidden_act: 'gelu',
      max_position_embeddings: 512,
      type_vocab_size: 2,
      layer_norm_eps: 1e-12,
      hidden_dropout_prob: 0.1,
      attention_probs_dropout_prob: 0.1,
    }),
  );
  fs.copyFileSync(vocab, path.join(dir, 'vocab.txt'));
  return dir;
}

const rows = fs.readFileSync(train, 'utf8').trimEnd().split('\n');
const subset = path.join(tmp, 'subset.tsv');
fs.writeFileSync(subset, rows.slice(0, LINES + 1).join('\n') + '\n');
const texts = rows.slice(1, LINES + 1).map((l) => l.split('\t')[1]);

const small = randomCheckpoint('random-2x128', { layers: 2, hidden: 128, heads: 2, intermediate: 512 });
console.log(
  `# finetune bench: ${os.cpus().length} cores (${os.cpus()[0]?.model}), ${threads} threads, max-len ${MAX_LEN}`,
);

// 1. Throughput, same model, same lines: finetune and label taken in turns, the best of each over the rounds, so
// that load from other processes on a shared machine weighs on both alike.
const ROUNDS = arg('rounds', 3);
let best = { finetune: 0, label: 0 };
for (let round = 0; round < ROUNDS; round++) {
  const tuned = await finetune({
    pretrained: small,
    train: subset,
    out: path.join(tmp, `speed-${round}`),
    epochs: 1,
    lr: LR,
    maxLen: MAX_LEN,
    threads,
    seed: 1,
  });
  const teacher = await Teacher.open(tuned.teacher, { maxLength: MAX_LEN, threads });
  await teacher.score(texts.slice(0, 64)); // warm-up
  const t0 = performance.now();
  await teacher.score(texts, { batchSize: 32 });
  const labelRate = LINES / ((performance.now() - t0) / 1000);
  await teacher.close();
  best = { finetune: Math.max(best.finetune, tuned.linesPerSecond), label: Math.max(best.label, labelRate) };
}
const kernel = native().buildInfo().gemmKernel;
console.log(`| model | finetune lines/s | label lines/s | ratio (ideal ~0.33) |`);
console.log(`| --- | --- | --- | --- |`);
console.log(
  `| 2 layers x 128, ${LINES} lines, ${kernel} | ${best.finetune.toFixed(1)} | ${best.label.toFixed(1)} | ${(best.finetune / best.label).toFixed(3)} |`,
);

// 2. Learning from scratch on ChnSentiCorp.
if (!process.argv.includes('--skip-learning')) {
  const out = path.join(tmp, 'learn');
  const result = await finetune({
    pretrained: small,
    train,
    dev,
    out,
    epochs: EPOCHS,
    lr: LR,
    maxLen: MAX_LEN,
    threads,
    seed: 1,
    onEpoch: (e) =>
      console.log(
        `epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, dev accuracy ${(e.devAccuracy * 100).toFixed(2)}%, ${e.seconds.toFixed(0)} s`,
      ),
  });
  const check = await Teacher.open(result.teacher, { maxLength: MAX_LEN, threads });
  const devRows = fs
    .readFileSync(dev, 'utf8')
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'));
  const logits = await check.score(devRows.map((r) => r[1]));
  await check.close();
  const onnxAccuracy =
    logits.filter((z, i) => result.labels[z[1] > z[0] ? 1 : 0] === devRows[i][0]).length / devRows.length;
  console.log(
    `random 2x128 from scratch, lr ${LR}, ${EPOCHS} epochs: dev accuracy ${(result.devAccuracy * 100).toFixed(2)}% (epoch ${result.bestEpoch}), ` +
      `macro-F1 ${(result.devMacroF1 * 100).toFixed(2)}%, teacher.onnx ${(onnxAccuracy * 100).toFixed(2)}%, ${result.seconds.toFixed(0)} s, ${result.linesPerSecond.toFixed(1)} lines/s (goal >= 83%)`,
  );
}
fs.rmSync(tmp, { recursive: true, force: true });

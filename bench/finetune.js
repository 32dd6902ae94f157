// Fine-tuning figures, side by side in one run:
//  1. throughput: `finetune` lines/s (forward + backward + AdamW, one epoch, no dev) against `label` lines/s
//     (the same weights converted to ONNX, scored by Teacher over the same lines) — 0.33x were the ideal if the
//     trainer computed every row the graph does (its last layer computes only the [CLS] rows past its keys and
//     values, all the pooler reads);
//  2. learning: a 2-layer/128-hidden checkpoint with random weights fine-tuned from scratch on ChnSentiCorp
//     (--lr 5e-4 --epochs 3 by default): dev accuracy (goal >= 83%) and teacher.onnx's dev accuracy beside it.
// Usage: node bench/finetune.js [--lines 1000] [--rounds 3] [--epochs 3] [--lr 5e-4] [--skip-learning] [--threads N]
//   [--skip-throughput] [--sizes [--size-lines 256] [--size-epochs 2] [--label-rounds 3] [--only NAME]]
//   [--nano-epochs 3 [--nano-lr 2e-4]]
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
import { WordPieceTokenizer } from '../dist/tokenizer/wordpiece-tokenizer.js';

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
function randomCheckpoint(name, { layers, hidden, heads, intermediate, vocabSize: wanted }) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  // ERNIE 3.0's 40000-token vocabulary is not on these machines: bert-base-chinese's, padded with unused
  // tokens, gives the embedding table its size.
  const tokens = fs.readFileSync(vocab, 'utf8').trimEnd().split('\n');
  for (let i = tokens.length; i < (wanted ?? 0); i++) tokens.push(`[unused_pad${i}]`);
  const vocabSize = tokens.length;
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
  fs.writeFileSync(path.join(dir, 'vocab.txt'), tokens.join('\n') + '\n');
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
const ROUNDS = process.argv.includes('--skip-throughput') ? 0 : arg('rounds', 3);
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
if (ROUNDS > 0) {
  console.log(`| model | finetune lines/s | label lines/s | ratio (ideal ~0.33) |`);
  console.log(`| --- | --- | --- | --- |`);
  console.log(
    `| 2 layers x 128, ${LINES} lines, ${kernel} | ${best.finetune.toFixed(1)} | ${best.label.toFixed(1)} | ${(best.finetune / best.label).toFixed(3)} |`,
  );
}

// 1b. Throughput by size (--sizes): 2 x 128, ERNIE 3.0 nano size, 6 x 768 and 12 x 768, each fine-tuned
// --size-epochs (2) epochs over the same --size-lines (256) lines. The second epoch's lines/s is the figure:
// like `label`, timed after its session is made and warmed up, it is what a long fine-tune runs at; the first
// epoch's (the buffers' first touch) and the whole call's (reading, tokenizing, copying the weights in,
// writing and converting) stand beside it. `label` is timed on the same lines after the fine-tune, best of
// --label-rounds (3).
const SIZES = [
  { name: '2 x 128 (2 heads)', layers: 2, hidden: 128, heads: 2, intermediate: 512 },
  {
    name: 'ERNIE 3.0 nano size (4 x 312, 12 heads, vocab 40000)',
    layers: 4,
    hidden: 312,
    heads: 12,
    intermediate: 1248,
    vocabSize: 40000,
  },
  { name: '6 x 768 (12 heads)', layers: 6, hidden: 768, heads: 12, intermediate: 3072 },
  { name: '12 x 768 (12 heads, BERT-base size)', layers: 12, hidden: 768, heads: 12, intermediate: 3072 },
];
if (process.argv.includes('--sizes')) {
  const sizeLines = arg('size-lines', 256);
  const sizeEpochs = Math.max(2, arg('size-epochs', 2));
  const labelRounds = arg('label-rounds', 3);
  // --only 768: the sizes whose name holds it.
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : '';
  const sizeFile = path.join(tmp, 'size-subset.tsv');
  fs.writeFileSync(sizeFile, rows.slice(0, sizeLines + 1).join('\n') + '\n');
  const sizeTexts = rows.slice(1, sizeLines + 1).map((l) => l.split('\t')[1]);
  const tokenizer = WordPieceTokenizer.fromFile(vocab, { lowercase: true });
  const tokens = sizeTexts.reduce(
    (sum, t) => sum + tokenizer.encodeWithTypes(t, null, { maxLength: MAX_LEN }).ids.length,
    0,
  );
  const last = `epoch ${sizeEpochs}`;
  console.log(`\n${sizeLines} lines (${tokens} tokens), ${sizeEpochs} epochs, ${kernel}; lines/s:`);
  console.log(
    `| model | ${last} tokens/s | epoch 1 | ${last} | whole call | label (best of ${labelRounds}) | ratio, ${last} | ratio, epoch 1 | ratio, whole call |`,
  );
  console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
  for (const size of SIZES.filter((s) => s.name.includes(only))) {
    const ckpt = randomCheckpoint(`size-${size.layers}x${size.hidden}`, size);
    const epochSeconds = [];
    const t0 = performance.now();
    const tuned = await finetune({
      pretrained: ckpt,
      train: sizeFile,
      out: path.join(tmp, `size-out-${size.layers}x${size.hidden}`),
      epochs: sizeEpochs,
      lr: 5e-5,
      maxLen: MAX_LEN,
      threads,
      seed: 1,
      onEpoch: (e) => epochSeconds.push(e.seconds),
    });
    const whole = (sizeEpochs * sizeLines) / ((performance.now() - t0) / 1000);
    const teacher = await Teacher.open(tuned.teacher, { maxLength: MAX_LEN, threads });
    await teacher.score(sizeTexts.slice(0, 32)); // warm-up
    let labelRate = 0;
    for (let round = 0; round < labelRounds; round++) {
      const t1 = performance.now();
      await teacher.score(sizeTexts, { batchSize: 32 });
      labelRate = Math.max(labelRate, sizeLines / ((performance.now() - t1) / 1000));
    }
    await teacher.close();
    const first = sizeLines / epochSeconds[0];
    const steady = sizeLines / epochSeconds[epochSeconds.length - 1];
    const cells = [first, steady, whole, labelRate].map((v) => v.toFixed(2));
    const ratios = [steady, first, whole].map((v) => (v / labelRate).toFixed(3));
    console.log(
      `| ${size.name} | ${(tokens / epochSeconds[epochSeconds.length - 1]).toFixed(0)} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`,
    );
    fs.rmSync(ckpt, { recursive: true, force: true });
  }
}

// 1c. The ERNIE 3.0 nano-size model (random weights) fine-tuned on the whole of ChnSentiCorp train
// (--nano-epochs N, default 0: skipped): wall time and dev accuracy.
const NANO_EPOCHS = arg('nano-epochs', 0);
if (NANO_EPOCHS > 0) {
  const ckpt = randomCheckpoint('nano', SIZES[1]);
  const result = await finetune({
    pretrained: ckpt,
    train,
    dev,
    out: path.join(tmp, 'nano-out'),
    epochs: NANO_EPOCHS,
    lr: arg('nano-lr', 2e-4),
    maxLen: MAX_LEN,
    threads,
    seed: 1,
    onEpoch: (e) =>
      console.log(
        `nano epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, dev accuracy ${(e.devAccuracy * 100).toFixed(2)}%, ${e.seconds.toFixed(0)} s`,
      ),
  });
  console.log(
    `${SIZES[1].name}, random weights, ${NANO_EPOCHS} epochs on ChnSentiCorp train (${result.trainLines} lines): ` +
      `${result.seconds.toFixed(0)} s, ${result.linesPerSecond.toFixed(1)} lines/s, dev accuracy ${(result.devAccuracy * 100).toFixed(2)}% (epoch ${result.bestEpoch})`,
  );
}

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

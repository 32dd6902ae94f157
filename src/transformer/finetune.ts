// `finetune`: a pretrained BERT/ERNIE checkpoint fine-tuned on a labeled TSV by the native transformer (the
// whole encoder and a classification head), AdamW with linear warmup and decay, gradient clipping, dropout as
// config.json says, length-grouped batches; the best dev epoch is written as a Hugging Face checkpoint folder
// (model.safetensors, config.json, vocab.txt) and converted to OUTDIR/teacher.onnx.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../data/atomic-file.js';
import { refuseOutputOverInput } from '../data/output-guard.js';
import { LabelMap } from '../data/label-map.js';
import { readLabeledTsv, type LabeledRow } from '../data/tsv-reader.js';
import { scoreLogits } from '../student/score-logits.js';
import { bucketByLength } from '../teacher/length-bucketer.js';
import { convert } from '../teacher/convert.js';
import { WordPieceTokenizer } from '../tokenizer/wordpiece-tokenizer.js';
import { SeededRandom } from '../util/random.js';
import { readCheckpoint } from './checkpoint.js';
import { linearWarmupDecay } from './learning-rate.js';
import { lengthGroupedBatches } from './length-grouped-batches.js';
import { NativeTransformer, type TransformerBatch } from './native-transformer.js';
import { safetensorsBytes } from './safetensors-writer.js';
import { randomTensor, tensorShapes, type TransformerConfig } from './transformer-weights.js';

export interface FinetuneOptions {
  /** The checkpoint folder: config.json, model.safetensors, vocab.txt. */
  pretrained: string;
  /** Labeled TSV (header naming label and text_a, optionally text_b). */
  train: string;
  dev?: string;
  /** The folder to write: model.safetensors, config.json, vocab.txt, teacher.onnx. */
  out: string;
  epochs?: number;
  lr?: number;
  batchSize?: number;
  /** Longest row in tokens, [CLS] and [SEP]s included (default 128, or the checkpoint's positions when fewer);
   * longer rows are truncated longest-first. */
  maxLen?: number;
  /** Fraction of the steps spent warming the learning rate up from 0. */
  warmup?: number;
  weightDecay?: number;
  /** Global L2 norm the gradients are clipped to. */
  maxGradNorm?: number;
  threads?: number;
  seed?: number;
  /** Lines trained so far of all epochs' lines, and a short status. */
  onProgress?: (done: number, total: number, status: string) => void;
  onEpoch?: (epoch: FinetuneEpoch) => void;
}

export interface FinetuneEpoch {
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  devAccuracy?: number;
  devMacroF1?: number;
  seconds: number;
}

export interface FinetuneResult {
  out: string;
  teacher: string;
  labels: string[];
  /** Whether the checkpoint's own classification head was kept (its labels are the data's). */
  headKept: boolean;
  epochs: FinetuneEpoch[];
  /** The epoch written (the best on dev; the last without dev). */
  bestEpoch: number;
  devAccuracy?: number;
  devMacroF1?: number;
  trainLines: number;
  /** Training time (tokenizing, updates and dev scoring), and trained lines per second of it. */
  seconds: number;
  linesPerSecond: number;
  notes: string[];
}

interface EncodedRows {
  ids: number[][];
  typeIds: number[][];
  labels: Int32Array;
  /** Text pairs: each row's text_a, for the order ratio; null for single texts. */
  queries: string[] | null;
}

export async function finetune(options: FinetuneOptions): Promise<FinetuneResult> {
  // The output folder must not be the checkpoint's own: its files would be overwritten.
  const checkpointFiles = ['config.json', 'model.safetensors', 'vocab.txt'].map((name) =>
    path.join(options.pretrained, name),
  );
  for (const name of ['config.json', 'model.safetensors', 'vocab.txt', 'teacher.onnx']) {
    refuseOutputOverInput(
      { flag: '--out', file: path.join(options.out, name) },
      { '--pretrained': checkpointFiles, '--train': options.train, '--dev': options.dev },
    );
  }
  const epochs = integerOption('--epochs', options.epochs ?? 3, 1);
  const batchSize = integerOption('--batch-size', options.batchSize ?? 32, 1);
  const peak = positiveOption('--lr', options.lr ?? 5e-5);
  const warmup = options.warmup ?? 0.1;
  if (!(warmup >= 0 && warmup <= 1)) throw new UsageError(`--warmup must be a fraction in [0, 1] (got ${warmup})`);
  const weightDecay = options.weightDecay ?? 0.01;
  if (!(weightDecay >= 0)) throw new UsageError(`--weight-decay must be >= 0 (got ${weightDecay})`);
  const threads = integerOption('--threads', options.threads ?? Math.max(1, os.availableParallelism()), 1);
  const seed = integerOption('--seed', options.seed ?? 1, 0);
  checkOutputFolder(options.out);

  const checkpoint = readCheckpoint(options.pretrained, { seed });
  const maxLen = integerOption('--max-len', options.maxLen ?? Math.min(128, checkpoint.config.maxPositions), 3);
  if (maxLen > checkpoint.config.maxPositions) {
    throw new UsageError(`--max-len ${maxLen} exceeds the checkpoint's ${checkpoint.config.maxPositions} positions`);
  }
  const started = performance.now();
  const trainRows = await readRows(options.train);
  if (trainRows.length === 0) throw new InputError('no labeled rows', options.train);
  const dataLabels = LabelMap.fromLabels(trainRows.map((r) => r.label));
  const notes = checkpoint.notes.filter((n) => !n.includes('classification head'));

  // The checkpoint's head serves when it names the data's labels; otherwise a new one, seeded.
  const hadHead = !checkpoint.notes.some((n) => n.includes('classification head'));
  const headKept =
    hadHead && checkpoint.labels.length === dataLabels.size && checkpoint.labels.every((l) => dataLabels.has(l));
  const labels = headKept ? new LabelMap(checkpoint.labels) : dataLabels;
  const config: TransformerConfig = { ...checkpoint.config, labels: labels.size };
  const weights = { ...checkpoint.weights };
  if (!headKept) {
    const rng = new SeededRandom(seed);
    weights.classifier = {
      weight: randomTensor('classifier.weight', [labels.size, config.hidden], rng),
      bias: new Float32Array(labels.size),
    };
    notes.push(
      hadHead
        ? `the checkpoint's head names ${checkpoint.labels.join(', ')}; a new head for ${labels.labels.join(', ')}`
        : `a new classification head for ${labels.labels.join(', ')}`,
    );
  }
  const devRows = options.dev ? await readRows(options.dev, labels) : [];
  if (options.dev && devRows.length === 0) throw new InputError('no labeled rows', options.dev);

  const tokenizer = WordPieceTokenizer.fromFile(path.join(options.pretrained, 'vocab.txt'), {
    lowercase: checkpoint.lowercase,
  });
  const train = encodeRows(tokenizer, trainRows, labels, maxLen);
  const dev = encodeRows(tokenizer, devRows, labels, maxLen);
  const raw = JSON.parse(fs.readFileSync(path.join(options.pretrained, 'config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const dropout = {
    hiddenDropout: probability(raw.hidden_dropout_prob, 0.1),
    attentionDropout: probability(raw.attention_probs_dropout_prob, 0.1),
  };

  const net = NativeTransformer.fromWeights(config, weights);
  const random = new SeededRandom(seed);
  const lengths = train.ids.map((r) => r.length);
  const batchesPerEpoch = Math.ceil(train.ids.length / batchSize);
  const totalSteps = epochs * batchesPerEpoch;
  const warmupSteps = Math.round(warmup * totalSteps);
  const totalLines = epochs * train.ids.length;
  const figures: FinetuneEpoch[] = [];
  let best: { epoch: number; accuracy: number; macroF1: number; tensors: Map<string, Float32Array> } | null = null;
  let step = 0;
  let done = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const epochStarted = performance.now();
    let lossSum = 0;
    const batches = lengthGroupedBatches(lengths, batchSize, random);
    for (const rows of batches) {
      const lr = linearWarmupDecay(peak, step, warmupSteps, totalSteps);
      const { loss } = await net.trainStep(
        paddedBatch(train, rows, config.padId),
        Int32Array.from(rows, (r) => train.labels[r]!),
        { lr, weightDecay, maxGradNorm: options.maxGradNorm ?? 1, ...dropout, seed: seed * 1_000_003 + step },
        threads,
      );
      if (!Number.isFinite(loss)) throw new InputError(`the loss is not finite at step ${step + 1} (lower --lr)`);
      lossSum += loss;
      step++;
      done += rows.length;
      options.onProgress?.(done, totalLines, `epoch ${epoch}/${epochs} loss ${loss.toFixed(4)}`);
    }
    const figure: FinetuneEpoch = { epoch, loss: lossSum / batches.length, seconds: 0 };
    if (dev.ids.length > 0) {
      const logits = await devLogits(net, dev, config.padId, threads);
      const m = scoreLogits(logits, labels.size, dev.labels, { queries: dev.queries });
      figure.devAccuracy = m.accuracy;
      figure.devMacroF1 = m.macroF1;
      if (!best || m.accuracy > best.accuracy) {
        best = { epoch, accuracy: m.accuracy, macroF1: m.macroF1, tensors: net.tensors() };
      }
    }
    figure.seconds = (performance.now() - epochStarted) / 1000;
    figures.push(figure);
    options.onEpoch?.(figure);
  }
  const seconds = (performance.now() - started) / 1000;
  const kept = best ?? { epoch: epochs, tensors: net.tensors() };

  const prefix = checkpoint.prefix || (raw.model_type === 'ernie' ? 'ernie.' : 'bert.');
  await writeCheckpointFolder(options, config, raw, prefix, labels.labels, kept.tensors);
  const teacher = path.join(options.out, 'teacher.onnx');
  await convert({ pretrained: options.out, out: teacher, seed });

  const result: FinetuneResult = {
    out: options.out,
    teacher,
    labels: [...labels.labels],
    headKept,
    epochs: figures,
    bestEpoch: kept.epoch,
    trainLines: train.ids.length,
    seconds,
    linesPerSecond: seconds > 0 ? totalLines / seconds : 0,
    notes,
  };
  if (best) {
    result.devAccuracy = best.accuracy;
    result.devMacroF1 = best.macroF1;
  }
  return result;
}

/** Logits [rows x labels] of rows, by the model in batches of similar length. */
export async function devLogits(
  net: NativeTransformer,
  rows: EncodedRows,
  padId: number,
  threads: number,
): Promise<Float32Array> {
  const labels = net.config.labels;
  const out = new Float32Array(rows.ids.length * labels);
  const batches = bucketByLength(
    rows.ids.map((r) => r.length),
    { batchSize: 64, maxTokens: Number.MAX_SAFE_INTEGER },
  );
  for (const batch of batches) {
    const logits = await net.forward(paddedBatch(rows, batch, padId), threads);
    batch.forEach((r, i) => out.set(logits.subarray(i * labels, (i + 1) * labels), r * labels));
  }
  return out;
}

function paddedBatch(rows: EncodedRows, batch: readonly number[], padId: number): TransformerBatch {
  const seqLen = Math.max(...batch.map((r) => rows.ids[r]!.length));
  const cells = batch.length * seqLen;
  const inputIds = new Int32Array(cells).fill(padId);
  const tokenTypeIds = new Int32Array(cells);
  const attentionMask = new Int32Array(cells);
  batch.forEach((r, i) => {
    inputIds.set(rows.ids[r]!, i * seqLen);
    tokenTypeIds.set(rows.typeIds[r]!, i * seqLen);
    attentionMask.fill(1, i * seqLen, i * seqLen + rows.ids[r]!.length);
  });
  return { inputIds, tokenTypeIds, attentionMask, batchSize: batch.length, seqLen };
}

function encodeRows(
  tokenizer: WordPieceTokenizer,
  rows: readonly LabeledRow[],
  labels: LabelMap,
  maxLength: number,
): EncodedRows {
  const pairs = rows.length > 0 && rows[0]!.textB !== undefined;
  const out: EncodedRows = {
    ids: [],
    typeIds: [],
    labels: new Int32Array(rows.length),
    queries: pairs ? rows.map((r) => r.textA) : null,
  };
  rows.forEach((row, i) => {
    // Text pairs become [CLS] a [SEP] b [SEP], token types 0 then 1.
    const e = tokenizer.encodeWithTypes(row.textA, row.textB ?? null, { maxLength });
    out.ids.push(e.ids);
    out.typeIds.push(e.typeIds);
    out.labels[i] = labels.idOf(row.label);
  });
  return out;
}

async function readRows(file: string, known?: LabelMap): Promise<LabeledRow[]> {
  const rows: LabeledRow[] = [];
  const options = known ? { knownLabels: known, knownLabelsName: 'the training labels' } : {};
  for await (const row of readLabeledTsv(file, options)) rows.push(row);
  return rows;
}

/** OUTDIR/model.safetensors (F32, keys under the checkpoint's prefix, the head as classifier.*), config.json
 * with the labels, vocab.txt and tokenizer_config.json as the checkpoint has them. */
async function writeCheckpointFolder(
  options: FinetuneOptions,
  config: TransformerConfig,
  raw: Record<string, unknown>,
  prefix: string,
  labels: readonly string[],
  tensors: Map<string, Float32Array>,
): Promise<void> {
  fs.mkdirSync(options.out, { recursive: true });
  const named = [...tensorShapes(config)].map(([name, shape]) => ({
    name: name.startsWith('classifier.') ? name : prefix + name,
    shape,
    data: tensors.get(name)!,
  }));
  await writeFileAtomic(path.join(options.out, 'model.safetensors'), safetensorsBytes(named, { format: 'pt' }));
  // What transformers' from_pretrained reads: model_type picks BertConfig or ErnieConfig, the shape fields the
  // values this model was trained with (where the checkpoint left them to defaults, too), id2label with string
  // keys (num_labels follows from it), and use_task_id with task_type_vocab_size for ERNIE 3.0's task rows.
  const { num_labels: _numLabels, ...rest } = raw;
  const ernie = prefix === 'ernie.';
  const written: Record<string, unknown> = {
    ...rest,
    architectures: [ernie ? 'ErnieForSequenceClassification' : 'BertForSequenceClassification'],
    model_type: raw.model_type ?? (ernie ? 'ernie' : 'bert'),
    vocab_size: config.vocabSize,
    hidden_size: config.hidden,
    num_hidden_layers: config.layers,
    num_attention_heads: config.heads,
    intermediate_size: config.intermediate,
    hidden_act: config.activation,
    max_position_embeddings: config.maxPositions,
    type_vocab_size: config.typeVocabSize,
    layer_norm_eps: config.layerNormEps,
    pad_token_id: config.padId,
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
  };
  if (config.taskTypeVocabSize > 0) {
    written.use_task_id = true;
    written.task_type_vocab_size = config.taskTypeVocabSize;
  }
  await writeFileAtomic(path.join(options.out, 'config.json'), JSON.stringify(written, null, 2) + '\n');
  for (const file of ['vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json']) {
    const from = path.join(options.pretrained, file);
    if (fs.existsSync(from)) await writeFileAtomic(path.join(options.out, file), fs.readFileSync(from));
  }
}

function checkOutputFolder(out: string): void {
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new InputError('exists and is not a folder', out);
}

function integerOption(flag: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw new UsageError(`${flag} must be an integer >= ${min} (got ${value})`);
  return value;
}

function positiveOption(flag: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw new UsageError(`${flag} must be a positive number (got ${value})`);
  return value;
}

function probability(value: unknown, fallback: number): number {
  return typeof value === 'number' && value >= 0 && value < 1 ? value : fallback;
}

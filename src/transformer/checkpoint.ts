// A Hugging Face checkpoint folder (config.json, model.safetensors, vocab.txt) as a TransformerConfig and its
// weights: BERT and ERNIE key layouts (bert./ernie./no prefix, LayerNorm weight/bias or the old gamma/beta,
// ERNIE 3.0's task types), masked-LM and next-sentence heads ignored, pooler and classifier optional.
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { SeededRandom } from '../util/random.js';
import { SafetensorsFile } from './safetensors.js';
import {
  randomTensor,
  tensorShapes,
  weightsFromTensors,
  type TransformerConfig,
  type TransformerWeights,
} from './transformer-weights.js';

export interface Checkpoint {
  dir: string;
  config: TransformerConfig;
  weights: TransformerWeights;
  /** vocab.txt, a token a line, in id order. */
  vocab: string[];
  /** tokenizer_config.json's do_lower_case (BertTokenizer's default, true, when absent). */
  lowercase: boolean;
  /** Label names by class id (config.json's id2label). */
  labels: string[];
  /** Where the weights sit: 'bert.', 'ernie.' or ''. */
  prefix: string;
  /** One line each: what the checkpoint lacked and was made new (a pooler, a classification head). */
  notes: string[];
}

export interface ReadCheckpointOptions {
  /** Seed of a new pooler or head. */
  seed?: number;
}

/** Heads that only a fresh model has; a new seeded one stands in when the checkpoint lacks them. */
const OPTIONAL_PARTS = [
  { part: 'pooler.dense.', what: 'pooler' },
  { part: 'classifier.', what: 'classification head' },
];

export function readCheckpoint(dir: string, options: ReadCheckpointOptions = {}): Checkpoint {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new InputError('not a checkpoint folder (config.json, model.safetensors, vocab.txt)', dir);
  const configFile = path.join(dir, 'config.json');
  const weightsFile = path.join(dir, 'model.safetensors');
  const vocabFile = path.join(dir, 'vocab.txt');
  if (!fs.existsSync(weightsFile)) {
    if (fs.existsSync(path.join(dir, 'pytorch_model.bin'))) {
      throw new InputError(
        'holds pytorch_model.bin only; provide model.safetensors (save_pretrained(..., safe_serialization=True))',
        dir,
      );
    }
    throw new InputError('no model.safetensors in the checkpoint folder', dir);
  }
  const raw = readJson(configFile) as Record<string, unknown>;
  const tensors = SafetensorsFile.read(weightsFile);
  const prefix = ['bert.', 'ernie.'].find((p) => [...tensors.entries.keys()].some((k) => k.startsWith(p))) ?? '';
  const head = tensors.entries.get('classifier.weight');
  const config = parseConfig(raw, configFile, head?.shape.length === 2 ? head.shape[0]! : undefined);
  const labels = labelNames(raw, configFile, config.labels);
  const vocab = readVocab(vocabFile, config.vocabSize);
  const tokenizerConfig = path.join(dir, 'tokenizer_config.json');
  const lowerFlag = fs.existsSync(tokenizerConfig)
    ? (readJson(tokenizerConfig) as Record<string, unknown>).do_lower_case
    : undefined;

  const shapes = tensorShapes(config);
  const notes: string[] = [];
  const fresh = new Set<string>();
  for (const { part, what } of OPTIONAL_PARTS) {
    const names = [...shapes.keys()].filter((n) => n.startsWith(part));
    if (names.some((n) => tensors.has(storedName(tensors, prefix, n)))) continue;
    names.forEach((n) => fresh.add(n));
    notes.push(`${dir}: no ${what} in the checkpoint; a new one (seeded) is used`);
  }
  for (const [name, shape] of shapes) {
    if (fresh.has(name)) continue;
    const stored = storedName(tensors, prefix, name);
    const entry = tensors.entries.get(stored);
    if (!entry) throw new InputError(`missing tensor ${stored}`, weightsFile);
    if (entry.shape.length !== shape.length || entry.shape.some((d, i) => d !== shape[i])) {
      throw new InputError(
        `${stored} has shape [${entry.shape.join(', ')}], config.json says [${shape.join(', ')}]`,
        weightsFile,
      );
    }
  }
  const rng = new SeededRandom(options.seed ?? 1);
  const weights = weightsFromTensors(config, (name) =>
    fresh.has(name) ? randomTensor(name, shapes.get(name)!, rng) : tensors.float32(storedName(tensors, prefix, name)),
  );
  return {
    dir,
    config,
    weights,
    vocab,
    lowercase: typeof lowerFlag === 'boolean' ? lowerFlag : true,
    labels,
    prefix,
    notes,
  };
}

/** The name a tensor has in this file: the classifier sits outside the encoder's prefix; LayerNorm may be gamma/beta. */
function storedName(tensors: SafetensorsFile, prefix: string, name: string): string {
  const full = name.startsWith('classifier.') ? name : prefix + name;
  if (tensors.has(full) || !full.includes('LayerNorm.')) return full;
  const old = full.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
  return tensors.has(old) ? old : full;
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, file);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`not JSON (${(err as Error).message})`, file);
  }
}

/** BertConfig/ErnieConfig fields, with their defaults where config.json leaves one out. */
function parseConfig(raw: Record<string, unknown>, file: string, headRows: number | undefined): TransformerConfig {
  const integer = (key: string, fallback: number, min = 1): number => {
    const v = raw[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      throw new InputError(`${key} must be an integer of at least ${min} (got ${JSON.stringify(raw[key])})`, file);
    return v;
  };
  const hidden = integer('hidden_size', 768);
  const heads = integer('num_attention_heads', 12);
  if (hidden % heads !== 0)
    throw new InputError(`hidden_size ${hidden} is not a multiple of num_attention_heads ${heads}`, file);
  const act = raw.hidden_act ?? 'gelu';
  if (act !== 'gelu' && act !== 'relu')
    throw new InputError(`hidden_act ${JSON.stringify(act)} is not supported (gelu or relu)`, file);
  const eps = raw.layer_norm_eps ?? 1e-12;
  if (typeof eps !== 'number' || !(eps > 0))
    throw new InputError(`layer_norm_eps must be a positive number (got ${JSON.stringify(raw.layer_norm_eps)})`, file);
  const id2label = raw.id2label && typeof raw.id2label === 'object' ? Object.keys(raw.id2label).length : 0;
  const labels = headRows ?? (id2label || (typeof raw.num_labels === 'number' ? raw.num_labels : 2));
  return {
    vocabSize: integer('vocab_size', 30522),
    hidden,
    layers: integer('num_hidden_layers', 12),
    heads,
    intermediate: integer('intermediate_size', 3072),
    activation: act,
    maxPositions: integer('max_position_embeddings', 512),
    typeVocabSize: integer('type_vocab_size', 2),
    taskTypeVocabSize: raw.use_task_id === true ? integer('task_type_vocab_size', 3) : 0,
    layerNormEps: eps,
    labels,
    padId: integer('pad_token_id', 0, 0),
  };
}

/** id2label's names in id order; LABEL_i where config.json has none. */
function labelNames(raw: Record<string, unknown>, file: string, count: number): string[] {
  const id2label = raw.id2label as Record<string, unknown> | undefined;
  if (!id2label || typeof id2label !== 'object') return Array.from({ length: count }, (_, i) => `LABEL_${i}`);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = id2label[String(i)];
    if (typeof name !== 'string') {
      throw new InputError(
        `id2label has no name for class ${i} (the classifier has ${count} classes, id2label ${Object.keys(id2label).length})`,
        file,
      );
    }
    names.push(name);
  }
  if (Object.keys(id2label).length !== count) {
    throw new InputError(`id2label names ${Object.keys(id2label).length} classes, the classifier has ${count}`, file);
  }
  return names;
}

function readVocab(file: string, vocabSize: number): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(
      `cannot read the vocabulary (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      file,
    );
  }
  const tokens = text.split('\n').map((t) => t.replace(/\r$/, ''));
  if (tokens.length > 0 && tokens[tokens.length - 1] === '') tokens.pop();
  if (tokens.length !== vocabSize)
    throw new InputError(`${tokens.length} tokens, config.json's vocab_size is ${vocabSize}`, file);
  return tokens;
}

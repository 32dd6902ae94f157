// Test fixtures for the transformer: a safetensors writer (F32, F16, BF16, written here from the format, not
// with the package's reader) and Hugging Face checkpoint folders in the BERT layout (bert. prefix, LayerNorm
// gamma/beta, masked-LM and next-sentence heads) and the ERNIE 3.0 layout (ernie. prefix, task types).
import fs from 'node:fs';
import path from 'node:path';

const scratch = new DataView(new ArrayBuffer(4));

/** float32 bits of a number (rounded to float32 first). */
function floatBits(x) {
  scratch.setFloat32(0, x, true);
  return scratch.getUint32(0, true);
}

/** binary16 bits, rounded to nearest even, from a float32's bits. */
export function toHalf(x) {
  const bits = floatBits(x);
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** The value of binary16 bits. */
export function fromHalf(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** bfloat16 bits, rounded to nearest even. */
export function toBf16(x) {
  const bits = floatBits(x);
  const rest = bits & 0xffff;
  let top = bits >>> 16;
  if (rest > 0x8000 || (rest === 0x8000 && top & 1)) top++;
  return top & 0xffff;
}

export function fromBf16(b) {
  scratch.setUint32(0, b << 16, true);
  return scratch.getFloat32(0, true);
}

/** The values a dtype stores for `data` (what a reader must give back). */
export function storedValues(data, dtype) {
  if (dtype === 'F16') return Float32Array.from(data, (v) => fromHalf(toHalf(v)));
  if (dtype === 'BF16') return Float32Array.from(data, (v) => fromBf16(toBf16(v)));
  return Float32Array.from(data);
}

/**
 * A safetensors file: tensors [{ name, dtype: F32|F16|BF16|I64, shape, data }], the header padded with spaces to
 * a multiple of 8 as the reference writer does.
 */
export function encodeSafetensors(tensors, metadata) {
  const header = {};
  if (metadata) header.__metadata__ = metadata;
  const chunks = [];
  let offset = 0;
  for (const { name, dtype, shape, data } of tensors) {
    let bytes;
    if (dtype === 'F32') bytes = Buffer.from(Float32Array.from(data).buffer);
    else if (dtype === 'F16') bytes = Buffer.from(Uint16Array.from(data, toHalf).buffer);
    else if (dtype === 'BF16') bytes = Buffer.from(Uint16Array.from(data, toBf16).buffer);
    else if (dtype === 'I64') bytes = Buffer.from(BigInt64Array.from(data, BigInt).buffer);
    else throw new Error(`dtype ${dtype}`);
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([length, Buffer.from(json), ...chunks]);
}

function lcg(seed) {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** Hugging Face names (no prefix) and shapes of a classifier with this config.json. */
export function checkpointShapes(config) {
  const {
    vocab_size: V,
    hidden_size: H,
    intermediate_size: I,
    max_position_embeddings: P,
    type_vocab_size: T,
    num_hidden_layers: L,
  } = config;
  const C = Object.keys(config.id2label).length;
  const shapes = [
    ['embeddings.word_embeddings.weight', [V, H]],
    ['embeddings.position_embeddings.weight', [P, H]],
    ['embeddings.token_type_embeddings.weight', [T, H]],
  ];
  if (config.use_task_id) shapes.push(['embeddings.task_type_embeddings.weight', [config.task_type_vocab_size, H]]);
  shapes.push(['embeddings.LayerNorm.weight', [H]], ['embeddings.LayerNorm.bias', [H]]);
  for (let l = 0; l < L; l++) {
    const p = `encoder.layer.${l}`;
    for (const n of ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense'])
      shapes.push([`${p}.${n}.weight`, [H, H]], [`${p}.${n}.bias`, [H]]);
    shapes.push([`${p}.attention.output.LayerNorm.weight`, [H]], [`${p}.attention.output.LayerNorm.bias`, [H]]);
    shapes.push([`${p}.intermediate.dense.weight`, [I, H]], [`${p}.intermediate.dense.bias`, [I]]);
    shapes.push([`${p}.output.dense.weight`, [H, I]], [`${p}.output.dense.bias`, [H]]);
    shapes.push([`${p}.output.LayerNorm.weight`, [H]], [`${p}.output.LayerNorm.bias`, [H]]);
  }
  shapes.push(
    ['pooler.dense.weight', [H, H]],
    ['pooler.dense.bias', [H]],
    ['classifier.weight', [C, H]],
    ['classifier.bias', [C]],
  );
  return shapes;
}

/** config.json of a small model in each layout. */
export function smallConfig(layout, overrides = {}) {
  const base = {
    architectures: [layout === 'bert' ? 'BertForSequenceClassification' : 'ErnieForSequenceClassification'],
    model_type: layout,
    vocab_size: 40,
    hidden_size: 16,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 24,
    hidden_act: 'gelu',
    max_position_embeddings: 32,
    type_vocab_size: 2,
    layer_norm_eps: 1e-12,
    pad_token_id: 0,
    id2label: { 0: 'negative', 1: 'positive', 2: 'neutral' },
    label2id: { negative: 0, positive: 1, neutral: 2 },
  };
  if (layout === 'ernie')
    Object.assign(base, { type_vocab_size: 4, layer_norm_eps: 1e-5, use_task_id: true, task_type_vocab_size: 3 });
  return { ...base, ...overrides };
}

/** The tokens of a vocab.txt of `size` lines: the special tokens, then letters and made-up pieces. */
export function smallVocab(size) {
  const tokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const letters = 'abcdefghijklmnopqrstuvwxyz好差的很不';
  for (let i = 0; tokens.length < size; i++)
    tokens.push(i < letters.length ? letters[i] : `##${letters[i % letters.length]}${i}`);
  return tokens;
}

/**
 * Writes a checkpoint folder and returns { config, tensors }: tensors maps Hugging Face names (no prefix) to
 * the float32 values the file stores. Weights are large enough (std ~0.3, LayerNorm gains near 1, biases
 * non-zero) that attention is far from uniform and every part of the model moves the logits; weightScale
 * sets the matrices' uniform half-width (0.5 by default; ~0.035 is BERT's initialiser, std 0.02).
 */
export function writeCheckpoint(
  dir,
  {
    layout = 'bert',
    dtype = 'F32',
    config: overrides = {},
    seed = 1,
    omit = [],
    extraTensors = true,
    weightScale = 0.5,
  } = {},
) {
  fs.mkdirSync(dir, { recursive: true });
  const config = smallConfig(layout, overrides);
  const rng = lcg(seed);
  const uniform = (a) => (rng() * 2 - 1) * a;
  const prefix = layout === 'bert' ? 'bert.' : 'ernie.';
  const tensors = new Map();
  const entries = [];
  for (const [name, shape] of checkpointShapes(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const isGain = name.endsWith('LayerNorm.weight');
    const data = Float32Array.from({ length: n }, () =>
      isGain ? 1 + uniform(0.2) : name.endsWith('.bias') ? uniform(0.1) : uniform(weightScale),
    );
    if (omit.some((o) => name.startsWith(o))) continue;
    tensors.set(name, storedValues(data, dtype));
    let stored = name.startsWith('classifier.') ? name : prefix + name;
    // The BERT layout keeps TensorFlow's old LayerNorm names.
    if (layout === 'bert')
      stored = stored.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta');
    entries.push({ name: stored, dtype, shape, data });
  }
  if (extraTensors) {
    // What a pretrained checkpoint carries besides the encoder: ignored by the reader.
    const H = config.hidden_size;
    entries.push({
      name: `${prefix}embeddings.position_ids`,
      dtype: 'I64',
      shape: [1, config.max_position_embeddings],
      data: Array.from({ length: config.max_position_embeddings }, (_, i) => i),
    });
    entries.push({
      name: 'cls.predictions.transform.dense.weight',
      dtype,
      shape: [H, H],
      data: new Float32Array(H * H).fill(0.5),
    });
    entries.push({
      name: 'cls.predictions.bias',
      dtype,
      shape: [config.vocab_size],
      data: new Float32Array(config.vocab_size),
    });
    if (layout === 'bert')
      entries.push({ name: 'cls.seq_relationship.weight', dtype, shape: [2, H], data: new Float32Array(2 * H) });
  }
  fs.writeFileSync(path.join(dir, 'model.safetensors'), encodeSafetensors(entries, { format: 'pt' }));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  fs.writeFileSync(path.join(dir, 'vocab.txt'), smallVocab(config.vocab_size).join('\n') + '\n');
  return { config, tensors };
}

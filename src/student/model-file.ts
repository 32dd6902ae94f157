// The .bin model file: magic, version, config JSON, vocabulary, labels, named float32 weights, SHA-256.
//
//   "ERNSLIM\0"  u32 version  u32 n + config JSON (UTF-8)
//   u32 count, then per word:  u32 n + UTF-8 bytes          (vocabulary, id order)
//   u32 count, then per label: u32 n + UTF-8 bytes
//   u32 count, then per tensor (by name): u32 n + name, u32 rank, u32 dims[rank], pad to 4, float32 LE data
//   version 3 (a compact student), then the quantized matrices (quantized-rows.ts), by name:
//     u32 count, then per matrix: u32 n + name, pad to 4, u32 rows, u32 dim, u32 dsub, u32 kept, u32 flags
//     (bit 0: norms apart), the kept rows as a bitmap (ceil(rows / 8) bytes, row r at bit r % 8 of byte r / 8,
//     pad to 4), float32 centroids [256 * dim], uint8 codes [kept * ceil(dim / dsub)], pad to 4, and with norms:
//     float32 norm centroids [256], uint8 norm codes [kept], pad to 4
//   version 2 (read only): as version 3, but flags bit 1 says whether the kept rows are a bitmap (else int32
//     ids [kept]); a reader that predates the bitmap misreads nothing only because it refuses the flag
//   32-byte SHA-256 of everything before it
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../data/atomic-file.js';
import { native } from '../native.js';
import type { StudentConfig } from './native-api.js';
import type { SegmentationSettings } from './segmentation.js';
import { CODEBOOK_SIZE, subspaceCount } from './product-quantizer.js';
import { quantizedRowsProblem, type QuantizedRows } from './quantized-rows.js';
import { NativeVocabulary, withNativeWords, wordTableOfModelBytes } from './native-vocabulary.js';

export const MODEL_MAGIC = Buffer.from('ERNSLIM\0', 'latin1');
export const MODEL_FORMAT_VERSION = 1;
/** The version of files that hold quantized matrices, kept rows as a bitmap (older readers refuse them by version). */
export const COMPACT_MODEL_FORMAT_VERSION = 3;
/** The first compact layout, still read: its flags say whether the kept rows are a bitmap or int32 ids. */
export const FLAGGED_COMPACT_MODEL_FORMAT_VERSION = 2;
const READ_VERSIONS = [MODEL_FORMAT_VERSION, FLAGGED_COMPACT_MODEL_FORMAT_VERSION, COMPACT_MODEL_FORMAT_VERSION];
const CHECKSUM_BYTES = 32;
// A quantized matrix's flags.
const NORMS_FLAG = 1;
// Version 2 only: the kept rows are a bitmap (version 3 always has one).
const BITMAP_FLAG = 2;

export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export type Weights = Record<string, Tensor>;

/** The JSON block: everything a reader needs besides vocabulary, labels and weights. */
export interface ModelFileConfig {
  model: StudentConfig;
  segmentation: SegmentationSettings;
  /** Hyper-parameters of the run that made the model, for the record. */
  training?: Record<string, unknown>;
}

export interface StudentModelData {
  config: ModelFileConfig;
  vocabulary: readonly string[];
  labels: readonly string[];
  weights: Weights;
  /** A compact student's quantized matrices (by name, apart from `weights`); absent in a float model. */
  quantized?: Record<string, QuantizedRows>;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

class ByteWriter {
  private chunks: Buffer[] = [];
  length = 0;

  bytes(data: Uint8Array): void {
    const chunk = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  u32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    this.bytes(b);
  }

  string(value: string): void {
    const b = Buffer.from(value, 'utf8');
    this.u32(b.length);
    this.bytes(b);
  }

  align4(): void {
    if (this.length % 4) this.bytes(Buffer.alloc(4 - (this.length % 4)));
  }

  /**
   * The bytes written, and a SHA-256 of them after: runs of small pieces joined, large ones (tensors) left as
   * views of their data, not copies.
   */
  withDigest(): Buffer[] {
    const hash = createHash('sha256');
    const out: Buffer[] = [];
    let run: Buffer[] = [];
    const endRun = (): void => {
      if (run.length > 0) out.push(Buffer.concat(run));
      run = [];
    };
    for (const chunk of this.chunks) {
      hash.update(chunk);
      if (chunk.length < 1 << 16) {
        run.push(chunk);
      } else {
        endRun();
        out.push(chunk);
      }
    }
    endRun();
    out.push(hash.digest());
    return out;
  }
}

export function encodeModelFile(model: StudentModelData): Buffer {
  return Buffer.concat(modelFileChunks(model));
}

/** The model file as chunks, for writing without a copy of the weights. */
function modelFileChunks(model: StudentModelData): Buffer[] {
  const w = new ByteWriter();
  const quantizedNames = Object.keys(model.quantized ?? {}).sort();
  w.bytes(MODEL_MAGIC);
  w.u32(quantizedNames.length > 0 ? COMPACT_MODEL_FORMAT_VERSION : MODEL_FORMAT_VERSION);
  w.string(JSON.stringify(model.config));
  w.u32(model.vocabulary.length);
  for (const word of model.vocabulary) w.string(word);
  w.u32(model.labels.length);
  for (const label of model.labels) w.string(label);
  const names = Object.keys(model.weights).sort();
  w.u32(names.length);
  for (const name of names) {
    const tensor = model.weights[name]!;
    const elements = tensor.shape.reduce((a, b) => a * b, 1);
    if (elements !== tensor.data.length)
      throw new Error(`tensor ${name}: shape [${tensor.shape}] does not match ${tensor.data.length} values`);
    w.string(name);
    w.u32(tensor.shape.length);
    for (const dim of tensor.shape) w.u32(dim);
    w.align4();
    const data = littleEndian ? tensor.data : byteSwapped(tensor.data);
    w.bytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  if (quantizedNames.length > 0) {
    w.u32(quantizedNames.length);
    for (const name of quantizedNames) writeQuantizedRows(w, name, model.quantized![name]!, model.weights);
  }
  return w.withDigest();
}

function writeQuantizedRows(w: ByteWriter, name: string, q: QuantizedRows, weights: Weights): void {
  const problem = name in weights ? 'it is also a float tensor' : quantizedRowsProblem(q);
  if (problem) throw new Error(`quantized matrix ${name}: ${problem}`);
  w.string(name);
  w.align4();
  for (const v of [q.shape[0], q.shape[1], q.pq.dsub, q.rows.length, q.norms ? NORMS_FLAG : 0]) w.u32(v);
  // A bit a row rather than 4 bytes a kept row: most of a budget goes to rows, so this buys rows.
  const bitmap = Buffer.alloc(Math.ceil(q.shape[0] / 8));
  for (const row of q.rows) bitmap[row >> 3]! |= 1 << (row & 7);
  w.bytes(bitmap);
  w.align4();
  const floats = (f: Float32Array) => {
    const data = littleEndian ? f : byteSwapped(f);
    w.bytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  };
  floats(q.pq.centroids);
  w.bytes(q.pq.codes);
  w.align4();
  if (q.norms) {
    floats(q.norms.centroids);
    w.bytes(q.norms.codes);
    w.align4();
  }
}

function byteSwapped(data: Float32Array): Float32Array {
  const out = new Float32Array(data.length);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

class ByteReader {
  offset = 0;

  constructor(
    private readonly buf: Buffer,
    readonly file: string,
    // Byte arrays as views of buf rather than copies (for a reader that hands them on to native code at once).
    private readonly views = false,
  ) {}

  need(n: number): void {
    if (this.offset + n > this.buf.length) throw new InputError('model file is truncated', this.file);
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.offset);
    this.offset += 4;
    return v;
  }

  string(): string {
    const n = this.u32();
    this.need(n);
    const s = this.buf.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return s;
  }

  floats(count: number): Float32Array {
    this.need(count * 4);
    const out = new Float32Array(count);
    const start = this.buf.byteOffset + this.offset;
    const view = new DataView(this.buf.buffer, start, count * 4);
    // One copy (a second, transient one only where the data is not 4-byte aligned in memory).
    if (littleEndian)
      out.set(
        start % 4 === 0
          ? new Float32Array(this.buf.buffer, start, count)
          : new Float32Array(this.buf.buffer.slice(start, start + count * 4)),
      );
    else for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
    this.offset += count * 4;
    return out;
  }

  int32s(count: number): Int32Array {
    this.need(count * 4);
    const out = new Int32Array(count);
    for (let k = 0; k < count; k++) out[k] = this.buf.readInt32LE(this.offset + k * 4);
    this.offset += count * 4;
    return out;
  }

  /** The ids of the set bits of a `rows`-bit bitmap (then aligned to 4), which must number `kept`. */
  bitmapRows(rows: number, kept: number): Int32Array {
    this.need(Math.ceil(rows / 8));
    const ids = new Int32Array(kept);
    let k = 0;
    for (let row = 0; row < rows; row++) {
      if (!(this.buf[this.offset + (row >> 3)]! & (1 << (row & 7)))) continue;
      if (k === kept) throw new InputError('model file is inconsistent (more kept rows than it says)', this.file);
      ids[k++] = row;
    }
    if (k !== kept) throw new InputError('model file is inconsistent (fewer kept rows than it says)', this.file);
    this.offset += Math.ceil(rows / 8);
    this.align4();
    return ids;
  }

  bytes(count: number): Uint8Array {
    this.need(count);
    const view = new Uint8Array(this.buf.buffer, this.buf.byteOffset + this.offset, count);
    const out = this.views ? view : view.slice();
    this.offset += count;
    return out;
  }

  align4(): void {
    if (this.offset % 4) this.offset += 4 - (this.offset % 4);
  }
}

function readQuantizedRows(r: ByteReader, version: number): QuantizedRows {
  r.align4();
  const [rows, dim, dsub, kept, flags] = [r.u32(), r.u32(), r.u32(), r.u32(), r.u32()] as [
    number,
    number,
    number,
    number,
    number,
  ];
  const knownFlags = version === FLAGGED_COMPACT_MODEL_FORMAT_VERSION ? NORMS_FLAG | BITMAP_FLAG : NORMS_FLAG;
  if (dim === 0 || dsub === 0 || dsub > dim || (flags & ~knownFlags) !== 0)
    throw new InputError('model file has a quantized matrix with a bad shape', r.file);
  const bitmap = version === COMPACT_MODEL_FORMAT_VERSION || (flags & BITMAP_FLAG) !== 0;
  const ids = bitmap ? r.bitmapRows(rows, kept) : r.int32s(kept);
  const pq = { dim, dsub, centroids: r.floats(CODEBOOK_SIZE * dim), codes: r.bytes(kept * subspaceCount(dim, dsub)) };
  r.align4();
  const q: QuantizedRows = { shape: [rows, dim], rows: ids, pq };
  if (flags & NORMS_FLAG) {
    q.norms = { dim: 1, dsub: 1, centroids: r.floats(CODEBOOK_SIZE), codes: r.bytes(kept) };
    r.align4();
  }
  return q;
}

/** True when `bytes` are shorter than the magic and begin it: a .bin file cut short. */
export function isTruncatedModelFile(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes.length < MODEL_MAGIC.length && MODEL_MAGIC.subarray(0, bytes.length).equals(bytes);
}

/** True when `bytes` start like a .bin model file. */
export function isModelFile(bytes: Uint8Array): boolean {
  return (
    bytes.length >= MODEL_MAGIC.length &&
    Buffer.from(bytes.buffer, bytes.byteOffset, MODEL_MAGIC.length).equals(MODEL_MAGIC)
  );
}

export interface DecodeOptions {
  /**
   * The words stay native (a NativeVocabulary, see nativeVocabularyOf): the data's `vocabulary` is then made
   * from it when read, and the quantized codes are views of `bytes` (to be copied by whoever keeps them).
   */
  nativeWords?: boolean;
}

// The native vocabulary of data decoded with nativeWords.
const nativeVocabularies = new WeakMap<object, NativeVocabulary>();

/** The native vocabulary of model data decoded with `nativeWords`, else undefined. */
export function nativeVocabularyOf(data: object): NativeVocabulary | undefined {
  return nativeVocabularies.get(data);
}

export function decodeModelFile(bytes: Buffer, file: string, options: DecodeOptions = {}): StudentModelData {
  if (bytes.length === 0) throw new InputError('model file is empty (0 bytes)', file);
  if (isTruncatedModelFile(bytes)) throw new InputError('model file is truncated', file);
  if (!isModelFile(bytes)) throw new InputError('not an ernie-slim model file (bad magic)', file);
  if (bytes.length < MODEL_MAGIC.length + 4 + CHECKSUM_BYTES) throw new InputError('model file is truncated', file);
  const version = bytes.readUInt32LE(MODEL_MAGIC.length);
  if (!READ_VERSIONS.includes(version)) {
    throw new InputError(
      `model file format version ${version} is not supported (this ernie-slim reads versions ${MODEL_FORMAT_VERSION} to ${COMPACT_MODEL_FORMAT_VERSION})`,
      file,
    );
  }
  const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  const stored = bytes.subarray(bytes.length - CHECKSUM_BYTES);
  if (!createHash('sha256').update(body).digest().equals(stored)) {
    throw new InputError('model file is damaged or truncated (checksum mismatch)', file);
  }
  const r = new ByteReader(body, file, options.nativeWords === true);
  r.offset = MODEL_MAGIC.length + 4;
  let config: ModelFileConfig;
  try {
    config = JSON.parse(r.string()) as ModelFileConfig;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError('model file has an unreadable config block', file);
  }
  const wordCount = r.u32();
  let vocabulary: string[] | NativeVocabulary;
  if (options.nativeWords) {
    try {
      const table = wordTableOfModelBytes(body, r.offset, wordCount);
      r.offset = table.end;
      vocabulary = new NativeVocabulary(table);
    } catch (err) {
      if (err instanceof RangeError) throw new InputError('model file is truncated', file);
      throw err;
    }
  } else {
    vocabulary = Array.from({ length: wordCount }, () => r.string());
  }
  const labels = Array.from({ length: r.u32() }, () => r.string());
  const weights: Weights = {};
  const count = r.u32();
  for (let t = 0; t < count; t++) {
    const name = r.string();
    const shape = Array.from({ length: r.u32() }, () => r.u32());
    if (r.offset % 4) r.offset += 4 - (r.offset % 4);
    weights[name] = { shape, data: r.floats(shape.reduce((a, b) => a * b, 1)) };
  }
  let quantized: Record<string, QuantizedRows> | undefined;
  if (version !== MODEL_FORMAT_VERSION) {
    quantized = {};
    const matrices = r.u32();
    for (let t = 0; t < matrices; t++) {
      const name = r.string();
      const q = readQuantizedRows(r, version);
      const problem = name in weights ? 'it is also a float tensor' : quantizedRowsProblem(q);
      if (problem) throw new InputError(`model file is inconsistent (quantized matrix ${name}: ${problem})`, file);
      quantized[name] = q;
    }
  }
  if (r.offset !== body.length) throw new InputError('model file has trailing bytes before its checksum', file);
  if (wordCount !== config.model.vocabSize || labels.length !== config.model.numLabels) {
    throw new InputError('model file is inconsistent (vocabulary or label count differs from its config)', file);
  }
  if (Array.isArray(vocabulary))
    return quantized ? { config, vocabulary, labels, weights, quantized } : { config, vocabulary, labels, weights };
  const data = withNativeWords(
    quantized ? { config, labels, weights, quantized } : { config, labels, weights },
    vocabulary,
  );
  nativeVocabularies.set(data, vocabulary);
  return data;
}

export async function writeModelFile(file: string, model: StudentModelData): Promise<void> {
  await writeFileAtomic(file, modelFileChunks(model));
}

interface FileBytesAddon {
  readFileBytes?(file: string): ArrayBuffer;
  releaseFileBytes?(bytes: ArrayBuffer): void;
}

/**
 * `use` of the model file's data decoded with nativeWords (its codes are views of the file's bytes, gone once
 * `use` returns: it copies what it keeps). The bytes are read outside the malloc heap and handed back to the
 * system on return, so that a load leaves no file-sized hole in the process's memory.
 */
export function useModelFile<T>(file: string, use: (data: StudentModelData) => T): T {
  const addon = native() as FileBytesAddon;
  let pages: ArrayBuffer | undefined;
  try {
    pages = addon.readFileBytes?.(file);
  } catch {
    // Anything unusual (missing, a directory, empty): the ordinary read below names it.
  }
  if (!pages) return use(readModelFile(file, { nativeWords: true }));
  try {
    return use(decodeModelFile(Buffer.from(pages), file, { nativeWords: true }));
  } finally {
    addon.releaseFileBytes!(pages);
  }
}

export function readModelFile(file: string, options: DecodeOptions = {}): StudentModelData {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EISDIR')
      throw new InputError('is a directory, not a model file', file);
    throw new InputError(`cannot read model (${(err as NodeJS.ErrnoException).code ?? 'error'})`, file);
  }
  return decodeModelFile(bytes, file, options);
}

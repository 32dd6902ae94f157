// The trained student as users embed it: load a .bin (or an exported .onnx), predict in microseconds.
import fs from 'node:fs';
import { InputError, UsageError } from '../errors.js';
import { LabelMap } from '../data/label-map.js';
import type { NativeStudentModel, StudentKind, TokenRows } from './native-api.js';
import { createNativeModel } from './native-model.js';
import {
  isModelFile,
  isTruncatedModelFile,
  nativeVocabularyOf,
  useModelFile,
  writeModelFile,
  type StudentModelData,
  type Weights,
} from './model-file.js';
import { pairWords, pairWordsMany, rowWords, rowWordsMany, type SegmentationSettings } from './segmentation.js';
import { Vocabulary, type WordIds } from './vocabulary.js';
import { withNativeWords, type NativeVocabulary } from './native-vocabulary.js';
import { createNativeTextEncoder, nativeEncodingCovers, type NativeTextEncoder } from './native-text-encoder.js';
import { jiebaDictionaryAsync } from '../data/jieba-dictionary.js';
import { packRows } from './token-rows.js';
import { packStudentRows, type StudentRow } from './token-rows.js';
import { argmax, softmax } from './metrics.js';
import { readOnnxStudent } from './onnx-import.js';
import { OnnxStudentSession } from './onnx-session.js';
import { isCompact } from './compact-student.js';
import { decodeQuantizedRows, nativeTable, quantizedRowsOf, type QuantizedRows } from './quantized-rows.js';

export interface Prediction {
  label: string;
  /** Softmax probabilities in the order of `student.labels`. */
  probs: number[];
}

/**
 * A text, or a text pair: a pair (two-tower) student encodes text_a and text_b apart; a one-text student
 * trained on pairs with `pairs: 'concat'` reads text_b's words after text_a's, as in training.
 */
export type StudentInput = string | { textA: string; textB?: string } | readonly [string, string];

const inputShapes = 'a string, { textA, textB? } or [textA, textB]';

/** The texts of an input; anything else (null, a number, a missing textA) is a TypeError that says what to give. */
function split(input: StudentInput): { textA: string; textB?: string } {
  if (typeof input === 'string') return { textA: input };
  if (Array.isArray(input)) {
    if (input.length !== 2 || typeof input[0] !== 'string' || typeof input[1] !== 'string') {
      throw new TypeError(`a text pair must be [textA, textB], two strings (got an array of ${input.length})`);
    }
    return { textA: input[0], textB: input[1] };
  }
  if (input === null || typeof input !== 'object')
    throw new TypeError(`predict takes ${inputShapes} (got ${input === null ? 'null' : typeof input})`);
  const { textA, textB } = input as { textA: unknown; textB?: unknown };
  if (typeof textA !== 'string')
    throw new TypeError(`textA must be a string (got ${textA === null ? 'null' : typeof textA}); give ${inputShapes}`);
  if (textB !== undefined && typeof textB !== 'string')
    throw new TypeError(`textB must be a string when given (got ${textB === null ? 'null' : typeof textB})`);
  return input as { textA: string; textB?: string };
}

// The native encoder's arguments: every text_a, and the text_b column when any input is a pair.
function textColumns(
  parts: readonly { textA: string; textB?: string }[],
): [string[], (string | undefined)[] | undefined] {
  const textsA = parts.map((p) => p.textA);
  return [textsA, parts.some((p) => p.textB !== undefined) ? parts.map((p) => p.textB) : undefined];
}

// The rows that the native encoder left to the TypeScript path.
function referenceRows(needsReference: Uint8Array): number[] {
  const rows: number[] = [];
  for (let r = needsReference.indexOf(1); r !== -1; r = needsReference.indexOf(1, r + 1)) rows.push(r);
  return rows;
}

// Quantized rows whose arrays are their own (not views of a larger buffer).
function ownedRows(q: QuantizedRows): QuantizedRows {
  const owned: QuantizedRows = { ...q, pq: { ...q.pq, codes: q.pq.codes.slice() } };
  if (q.norms) owned.norms = { ...q.norms, codes: q.norms.codes.slice() };
  return owned;
}

// What a student keeps of its model data (not the weights: the native model holds them); where the words are
// native, `vocabulary` reads them from there when asked (it is not read here).
function studentData(
  data: StudentModelData,
  words: NativeVocabulary | undefined,
  quantized?: StudentModelData['quantized'],
): Omit<StudentModelData, 'weights'> {
  const fields = { config: data.config, labels: data.labels, ...(quantized ? { quantized } : {}) };
  return words ? withNativeWords(fields, words) : { ...fields, vocabulary: data.vocabulary };
}

export interface StudentLoadOptions {
  /**
   * `native` (default): the native model runs everything. `onnxruntime` (an .onnx file only): batch
   * predictions run the ONNX graph in onnxruntime-node; `predict()` stays native and synchronous.
   */
  runtime?: 'native' | 'onnxruntime';
  /** Threads for onnxruntime. */
  threads?: number;
  /**
   * `native` (default): text becomes word ids in one native call (a jieba-compatible segmenter and the
   * vocabulary in C++) where the model's segmentation allows it (jieba without HMM, or whitespace).
   * `javascript`: @node-rs/jieba and the TypeScript word rules, the reference that `native` reproduces.
   */
  textEncoder?: TextEncoderKind;
}

export type TextEncoderKind = 'native' | 'javascript';

export interface PredictBatchOptions {
  /** Native threads for the forward pass (default: 2). */
  threads?: number;
}

export class Student {
  readonly labelMap: LabelMap;
  // Made on first use where the words are JavaScript strings (a loaded .bin's words stay native, in nativeWords).
  private wordIds: Vocabulary | undefined;
  // Reused by predict(): hold one row's ids (and text_b's), grown only for a longer text.
  private rowIds = new Int32Array(1024);
  // Reused by predict() on the native path: one text's logits.
  private readonly rowLogits: Float32Array;
  private rowIdsB = new Int32Array(1024);
  private onnxSession: OnnxStudentSession | null = null;
  // Made on first use; null where the settings (or the options) keep the TypeScript path.
  private encoder: NativeTextEncoder | null | undefined;

  private constructor(
    readonly data: Omit<StudentModelData, 'weights'>,
    private readonly model: NativeStudentModel,
    private readonly textEncoderKind: TextEncoderKind = 'native',
    // A compact student's embedding shape, whose quantized rows only the native model holds (not data.quantized).
    private readonly nativeEmbeddingShape: [number, number] | null = null,
    // The words of a loaded .bin, held once natively and shared with the text encoder (data.vocabulary reads them).
    private readonly nativeWords: NativeVocabulary | undefined = undefined,
  ) {
    this.labelMap = new LabelMap(data.labels);
    this.rowLogits = new Float32Array(data.labels.length);
  }

  /** A student over given weights (as `train` makes and `Student.load` reads). */
  static fromData(data: StudentModelData, options: Pick<StudentLoadOptions, 'textEncoder'> = {}): Student {
    if (isCompact(data)) return Student.fromCompactData(data, options);
    const model = createNativeModel(data.config.model);
    model.setWeights(data.weights);
    const words = nativeVocabularyOf(data);
    return new Student(studentData(data, words), model, options.textEncoder, null, words);
  }

  // A compact student: the native bag reads the codes as they are; a quantized head (small) is decoded to floats.
  // The embedding's codes are handed over and not kept here: toData() reads them back from the native model.
  private static fromCompactData(data: StudentModelData, options: Pick<StudentLoadOptions, 'textEncoder'>): Student {
    const { embedding, ...viewed } = data.quantized!;
    // The head's codes are kept (for toData), and may be views of the file's bytes: copied, so the bytes can go.
    const head = Object.fromEntries(Object.entries(viewed).map(([name, q]) => [name, ownedRows(q)]));
    if (!embedding)
      throw new InputError('model file is inconsistent (a compact student without a quantized embedding)', '(model)');
    const model = createNativeModel({ ...data.config.model, quantizedEmbedding: true });
    model.setQuantizedEmbedding(nativeTable(embedding));
    const weights = { ...data.weights };
    for (const [name, q] of Object.entries(head)) weights[name] = decodeQuantizedRows(q);
    model.setWeights(weights);
    const words = nativeVocabularyOf(data);
    return new Student(studentData(data, words, head), model, options.textEncoder, embedding.shape, words);
  }

  /** The word -> id lookup (the native table of a loaded .bin, shared with its encoder; else a JavaScript Map). */
  get vocabulary(): WordIds {
    if (this.nativeWords) return this.nativeWords;
    this.wordIds ??= new Vocabulary(this.data.vocabulary);
    return this.wordIds;
  }

  /** Internal: wraps a native model that training already holds. */
  static fromNative(data: Omit<StudentModelData, 'weights'>, model: NativeStudentModel): Student {
    return new Student(data, model);
  }

  /** Reads a model written by `train` (.bin) or `export` (.onnx: its weights and metadata). */
  static async load(path: string, options: StudentLoadOptions = {}): Promise<Student> {
    if (typeof path !== 'string' || path === '')
      throw new TypeError('Student.load takes the path of a model file (.bin or .onnx)');
    let head: Buffer;
    let headBytes: number;
    try {
      const handle = await fs.promises.open(path, 'r');
      try {
        head = Buffer.alloc(16);
        headBytes = (await handle.read(head, 0, 16, 0)).bytesRead;
      } finally {
        await handle.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EISDIR')
        throw new InputError('is a directory, not a model file', path);
      throw new InputError(`cannot read model (${(err as NodeJS.ErrnoException).code ?? 'error'})`, path);
    }
    if (headBytes === 0) throw new InputError('model file is empty (0 bytes)', path);
    if (isTruncatedModelFile(head.subarray(0, headBytes))) throw new InputError('model file is truncated', path);
    let student: Student;
    if (isModelFile(head)) {
      if (options.runtime === 'onnxruntime')
        throw new UsageError(`runtime onnxruntime needs an .onnx model, ${path} is a .bin file`);
      student = useModelFile(path, (data) => Student.fromData(data, options));
    } else {
      student = Student.fromData(await readOnnxStudent(path), options);
      if (options.runtime === 'onnxruntime') student.onnxSession = await OnnxStudentSession.open(path, options.threads);
    }
    // The dictionary is read on a worker thread here, so that the first predict() does not wait for it.
    if (
      student.textEncoderKind === 'native' &&
      nativeEncodingCovers(student.segmentation) &&
      student.segmentation.segmenter === 'jieba'
    ) {
      await jiebaDictionaryAsync();
    }
    return student;
  }

  get kind(): StudentKind {
    return this.data.config.model.kind;
  }

  get labels(): readonly string[] {
    return this.data.labels;
  }

  get segmentation(): SegmentationSettings {
    return this.data.config.segmentation;
  }

  /** True for a two-tower student, which compares text_a with text_b. */
  get pair(): boolean {
    return this.data.config.model.pair === true;
  }

  private pairOf(input: StudentInput): { textA: string; textB: string } {
    const row = split(input);
    if (row.textB === undefined)
      throw new UsageError('this student compares text pairs: give { textA, textB } (or [textA, textB])');
    return row as { textA: string; textB: string };
  }

  private oneTextOnly(what: string): void {
    if (this.pair) throw new UsageError(`${what} is for one-text students; this one compares pairs (use encodeRows)`);
  }

  /** Which path turns text into word ids: `native` (one native call) or `javascript` (@node-rs/jieba). */
  get textEncoder(): TextEncoderKind {
    return this.nativeEncoder() ? 'native' : 'javascript';
  }

  private nativeEncoder(): NativeTextEncoder | null {
    if (this.encoder === undefined) {
      // Pair (two-tower) students encode each side apart, on the TypeScript path.
      this.encoder =
        this.textEncoderKind === 'native' && !this.pair
          ? createNativeTextEncoder(this.nativeWords?.table ?? this.data.vocabulary, this.segmentation)
          : null;
    }
    return this.encoder;
  }

  /** The student's word ids for a text (what a one-text native model and its ONNX graph take). */
  encode(input: StudentInput): Int32Array {
    this.oneTextOnly('encode');
    const { textA, textB } = split(input);
    return (
      this.nativeEncoder()?.encode(textA, textB) ?? this.vocabulary.encode(rowWords(textA, textB, this.segmentation))
    );
  }

  /** Word ids of many inputs as the CSR batch the native model takes (text_b's apart for a pair student). */
  async packedRows(inputs: readonly StudentInput[], threads = 2): Promise<TokenRows> {
    if (this.pair) return packStudentRows(await this.encodeRows(inputs));
    const parts = inputs.map(split);
    const encoder = this.nativeEncoder();
    if (!encoder) return packRows((await rowWordsMany(parts, this.segmentation)).map((w) => this.vocabulary.encode(w)));
    const encoded = await encoder.encodeMany(...textColumns(parts), threads);
    const left = referenceRows(encoded.needsReference);
    if (left.length === 0) return { ids: encoded.ids, offsets: encoded.offsets };
    const rows = parts.map((_, r) => encoded.ids.subarray(encoded.offsets[r], encoded.offsets[r + 1]));
    const words = await rowWordsMany(
      left.map((r) => parts[r]!),
      this.segmentation,
    );
    left.forEach((r, k) => (rows[r] = this.vocabulary.encode(words[k]!)));
    return packRows(rows);
  }

  /** Word ids of many texts, one array a text (one-text students): on native threads, or segmented on libuv's thread pool. */
  async encodeMany(inputs: readonly StudentInput[], threads = 2): Promise<Int32Array[]> {
    this.oneTextOnly('encodeMany');
    const { ids, offsets } = await this.packedRows(inputs, threads);
    return inputs.map((_, r) => ids.subarray(offsets[r], offsets[r + 1]));
  }

  /** Word ids of many rows for this student: text_b's apart for a pair student; segmented on the thread pool. */
  async encodeRows(inputs: readonly StudentInput[]): Promise<StudentRow[]> {
    if (!this.pair) return (await this.encodeMany(inputs)).map((ids) => ({ ids }));
    const words = await pairWordsMany(
      inputs.map((i) => this.pairOf(i)),
      this.segmentation,
    );
    return words.map(([a, b]) => ({ ids: this.vocabulary.encode(a), idsB: this.vocabulary.encode(b) }));
  }

  /** Raw logits of one text (or pair), synchronously. */
  logits(input: StudentInput): Float32Array {
    if (this.pair) {
      const { textA, textB } = this.pairOf(input);
      const [a, b] = pairWords(textA, textB, this.segmentation);
      if (a.length > this.rowIds.length) this.rowIds = new Int32Array(a.length * 2);
      if (b.length > this.rowIdsB.length) this.rowIdsB = new Int32Array(b.length * 2);
      return this.model.predictRow(this.vocabulary.encode(a, this.rowIds), this.vocabulary.encode(b, this.rowIdsB));
    }
    const { textA, textB } = split(input);
    if (this.nativeLogits(textA, textB)) return this.rowLogits.slice();
    return this.referenceLogits(textA, textB);
  }

  // The text's logits into rowLogits in one native call; false where the text needs the TypeScript path.
  private nativeLogits(textA: string, textB: string | undefined): boolean {
    const encoder = this.nativeEncoder();
    return encoder !== null && this.model.predictText(encoder, textA, textB, this.rowLogits);
  }

  private referenceLogits(textA: string, textB: string | undefined): Float32Array {
    const words = rowWords(textA, textB, this.segmentation);
    if (words.length > this.rowIds.length) this.rowIds = new Int32Array(words.length * 2);
    return this.model.predictRow(this.vocabulary.encode(words, this.rowIds));
  }

  /** The label and probabilities of one text (or pair), synchronously. */
  predict(input: StudentInput): Prediction {
    let logits: Float32Array;
    if (this.pair) {
      logits = this.logits(input);
    } else if (typeof input === 'string') {
      logits = this.nativeLogits(input, undefined) ? this.rowLogits : this.referenceLogits(input, undefined);
    } else {
      const { textA, textB } = split(input);
      logits = this.nativeLogits(textA, textB) ? this.rowLogits : this.referenceLogits(textA, textB);
    }
    return { label: this.labelMap.labelOf(argmax(logits)), probs: softmax(logits) };
  }

  /** Logits (rows x labels) of already-encoded rows, over native threads, off the event loop. */
  async logitsOfRows(rows: TokenRows, threads = 2): Promise<Float32Array> {
    if (this.onnxSession) return this.onnxSession.logits(rows, this.labels.length);
    return this.model.predictRows(rows, threads);
  }

  /** Which engine runs batch predictions. */
  get runtime(): 'native' | 'onnxruntime' {
    return this.onnxSession ? 'onnxruntime' : 'native';
  }

  /**
   * Predictions for many texts, off the event loop: on the native path each of `threads` native threads
   * segments a text and runs the model on it; otherwise segmentation runs on libuv's thread pool and the
   * forward pass on native threads.
   */
  async predictBatch(inputs: readonly StudentInput[], options: PredictBatchOptions = {}): Promise<Prediction[]> {
    if (!Array.isArray(inputs)) throw new TypeError(`predictBatch takes an array of inputs, each ${inputShapes}`);
    const threads = options.threads ?? 2;
    const logits = await this.logitsOfTexts(inputs, threads);
    const width = this.labels.length;
    return inputs.map((_, r) => ({
      label: this.labelMap.labelOf(argmax(logits, r * width, width)),
      probs: softmax(logits, r * width, width),
    }));
  }

  /** Logits (rows x labels) of raw texts. */
  private async logitsOfTexts(inputs: readonly StudentInput[], threads: number): Promise<Float32Array> {
    const encoder = this.nativeEncoder();
    if (!encoder || this.onnxSession) return this.logitsOfRows(await this.packedRows(inputs, threads), threads);
    const parts = inputs.map(split);
    const { logits, needsReference } = await this.model.predictTexts(encoder, ...textColumns(parts), threads);
    const left = referenceRows(needsReference);
    if (left.length > 0) {
      const words = await rowWordsMany(
        left.map((r) => parts[r]!),
        this.segmentation,
      );
      const patch = await this.model.predictRows(packRows(words.map((w) => this.vocabulary.encode(w))), threads);
      const width = this.labels.length;
      left.forEach((r, k) => logits.set(patch.subarray(k * width, (k + 1) * width), r * width));
    }
    return logits;
  }

  /** The current float weights, copied out (a compact student's quantized matrices are in `toData().quantized`). */
  weights(): Weights {
    const weights = this.model.getWeights();
    for (const name of Object.keys(this.data.quantized ?? {})) delete weights[name];
    if (this.nativeEmbeddingShape) delete weights.embedding;
    return weights;
  }

  /** True for a compact student (quantized embedding rows, read without inflating them). */
  get compact(): boolean {
    return this.nativeEmbeddingShape !== null || isCompact(this.data);
  }

  /** Everything a model file holds. */
  toData(): StudentModelData {
    if (!this.nativeEmbeddingShape) return { ...this.data, weights: this.weights() };
    const embedding = quantizedRowsOf(this.model.getQuantizedEmbedding(), this.nativeEmbeddingShape);
    return { ...this.data, weights: this.weights(), quantized: { ...this.data.quantized, embedding } };
  }

  /** Releases the onnxruntime session, if any (the native model is freed with the object). */
  async close(): Promise<void> {
    const session = this.onnxSession;
    this.onnxSession = null;
    if (session) await session.close();
  }

  /** Writes the .bin model file atomically. */
  async save(path: string): Promise<void> {
    if (!path) throw new UsageError('a model path is required');
    await writeModelFile(path, this.toData());
  }
}

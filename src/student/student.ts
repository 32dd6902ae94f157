// The trained student as users embed it: load a .bin (or an exported .onnx), predict in microseconds.
import fs from 'node:fs';
import { InputError, UsageError } from '../errors.js';
import { LabelMap } from '../data/label-map.js';
import type { NativeStudentModel, StudentKind, TokenRows } from './native-api.js';
import { createNativeModel } from './native-model.js';
import { isModelFile, readModelFile, writeModelFile, type StudentModelData, type Weights } from './model-file.js';
import { pairWords, pairWordsMany, rowWords, rowWordsMany, type SegmentationSettings } from './segmentation.js';
import { Vocabulary } from './vocabulary.js';
import { packStudentRows, type StudentRow } from './token-rows.js';
import { argmax, softmax } from './metrics.js';
import { readOnnxStudent } from './onnx-import.js';
import { OnnxStudentSession } from './onnx-session.js';

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

function split(input: StudentInput): { textA: string; textB?: string } {
  if (typeof input === 'string') return { textA: input };
  if (Array.isArray(input)) return { textA: input[0] as string, textB: input[1] as string };
  return input as { textA: string; textB?: string };
}

export interface StudentLoadOptions {
  /**
   * `native` (default): the native model runs everything. `onnxruntime` (an .onnx file only): batch
   * predictions run the ONNX graph in onnxruntime-node; `predict()` stays native and synchronous.
   */
  runtime?: 'native' | 'onnxruntime';
  /** Threads for onnxruntime. */
  threads?: number;
}

export interface PredictBatchOptions {
  /** Native threads for the forward pass (default: 2). */
  threads?: number;
}

export class Student {
  readonly vocabulary: Vocabulary;
  readonly labelMap: LabelMap;
  // Reused by predict(): hold one row's ids (and text_b's), grown only for a longer text.
  private rowIds = new Int32Array(1024);
  private rowIdsB = new Int32Array(1024);
  private onnxSession: OnnxStudentSession | null = null;

  private constructor(
    readonly data: Omit<StudentModelData, 'weights'>,
    private readonly model: NativeStudentModel,
  ) {
    this.vocabulary = new Vocabulary(data.vocabulary);
    this.labelMap = new LabelMap(data.labels);
  }

  /** A student over given weights (as `train` makes and `Student.load` reads). */
  static fromData(data: StudentModelData): Student {
    const model = createNativeModel(data.config.model);
    model.setWeights(data.weights);
    return new Student({ config: data.config, vocabulary: data.vocabulary, labels: data.labels }, model);
  }

  /** Internal: wraps a native model that training already holds. */
  static fromNative(data: Omit<StudentModelData, 'weights'>, model: NativeStudentModel): Student {
    return new Student(data, model);
  }

  /** Reads a model written by `train` (.bin) or `export` (.onnx: its weights and metadata). */
  static async load(path: string, options: StudentLoadOptions = {}): Promise<Student> {
    let head: Buffer;
    try {
      const handle = await fs.promises.open(path, 'r');
      try {
        head = Buffer.alloc(16);
        await handle.read(head, 0, 16, 0);
      } finally {
        await handle.close();
      }
    } catch (err) {
      throw new InputError(`cannot read model (${(err as NodeJS.ErrnoException).code ?? 'error'})`, path);
    }
    if (isModelFile(head)) {
      if (options.runtime === 'onnxruntime') throw new UsageError(`runtime onnxruntime needs an .onnx model, ${path} is a .bin file`);
      return Student.fromData(readModelFile(path));
    }
    const student = Student.fromData(await readOnnxStudent(path));
    if (options.runtime === 'onnxruntime') student.onnxSession = await OnnxStudentSession.open(path, options.threads);
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
    if (row.textB === undefined) throw new UsageError('this student compares text pairs: give { textA, textB } (or [textA, textB])');
    return row as { textA: string; textB: string };
  }

  private oneTextOnly(what: string): void {
    if (this.pair) throw new UsageError(`${what} is for one-text students; this one compares pairs (use encodeRows)`);
  }

  /** The student's word ids for a text (what a one-text native model and its ONNX graph take). */
  encode(input: StudentInput): Int32Array {
    this.oneTextOnly('encode');
    const { textA, textB } = split(input);
    return this.vocabulary.encode(rowWords(textA, textB, this.segmentation));
  }

  /** Word ids of many texts, segmented in parallel on libuv's thread pool (one-text students). */
  async encodeMany(inputs: readonly StudentInput[]): Promise<Int32Array[]> {
    this.oneTextOnly('encodeMany');
    const words = await rowWordsMany(inputs.map(split), this.segmentation);
    return words.map((w) => this.vocabulary.encode(w));
  }

  /** Word ids of many rows for this student: text_b's apart for a pair student; segmented on the thread pool. */
  async encodeRows(inputs: readonly StudentInput[]): Promise<StudentRow[]> {
    if (!this.pair) return (await this.encodeMany(inputs)).map((ids) => ({ ids }));
    const words = await pairWordsMany(inputs.map((i) => this.pairOf(i)), this.segmentation);
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
    const words = rowWords(textA, textB, this.segmentation);
    if (words.length > this.rowIds.length) this.rowIds = new Int32Array(words.length * 2);
    return this.model.predictRow(this.vocabulary.encode(words, this.rowIds));
  }

  /** The label and probabilities of one text (or pair), synchronously. */
  predict(input: StudentInput): Prediction {
    const logits = this.logits(input);
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

  /** Predictions for many texts (or pairs): segmentation on the thread pool, the forward pass on native threads. */
  async predictBatch(inputs: readonly StudentInput[], options: PredictBatchOptions = {}): Promise<Prediction[]> {
    const rows = await this.encodeRows(inputs);
    const logits = await this.logitsOfRows(packStudentRows(rows), options.threads ?? 2);
    const width = this.labels.length;
    return rows.map((_, r) => ({
      label: this.labelMap.labelOf(argmax(logits, r * width, width)),
      probs: softmax(logits, r * width, width),
    }));
  }

  /** The current weights, copied out. */
  weights(): Weights {
    return this.model.getWeights();
  }

  /** Everything a model file holds. */
  toData(): StudentModelData {
    return { ...this.data, weights: this.weights() };
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

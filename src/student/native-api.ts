// The contract between the TypeScript student code and native/student (bound in native/binding_student.cc).

// Weights use ONNX's layouts so that export is a plain copy: dense W is [in, out] (MatMul), LSTM weights are
// the ONNX LSTM op's W [2, 4H, E], R [2, 4H, H], B [2, 8H] with gate order i, o, f, c.

export type StudentKind = 'bow' | 'cnn' | 'lstm';

export interface StudentConfig {
  kind: StudentKind;
  /** Word vocabulary size including [PAD]=0 and [UNK]=1. */
  vocabSize: number;
  /** Hashed word-bigram buckets appended after the vocabulary rows (0 = unigrams only; bow only). */
  bigramBuckets: number;
  embDim: number;
  hidden: number;
  numLabels: number;
  seed: number;
  /** Two towers: one shared encoder over text_a and text_b, a match head comparing them (native/student/head.h). */
  pair?: boolean;
  /** Pair models: tanh units between the match features and the logits (0 or absent: none). */
  matchHidden?: number;
  /**
   * A compact student (bow only): no float embedding is made; the table comes with setQuantizedEmbedding and
   * getWeights/setWeights leave the embedding out. Such a model only predicts. Not part of a model file's config.
   */
  quantizedEmbedding?: boolean;
}

/** A compact embedding as the native model takes it (src/student/quantized-rows.ts, native/student/quantized_table.h). */
export interface NativeQuantizedTable {
  dsub: number;
  /** Kept row ids, ascending; every other row reads as zero. */
  rows: Int32Array;
  /** [256 * embDim] */
  centroids: Float32Array;
  /** [rows.length * ceil(embDim / dsub)] */
  codes: Uint8Array;
  normCentroids?: Float32Array;
  normCodes?: Uint8Array;
}

/**
 * A batch of token rows in CSR form: row r is ids[offsets[r] .. offsets[r+1]).
 * Ids are word ids (never 0 inside a row); bigram ids are derived natively from neighbouring word ids
 * with `bigramId(prev, cur) = vocabSize + ((prev * 1000003 + cur) mod bigramBuckets)`.
 */
export interface TokenRows {
  ids: Int32Array;
  offsets: Int32Array;
  /** A pair model's text_b rows, in the same CSR form (as many rows); absent for one-text models. */
  idsB?: Int32Array;
  offsetsB?: Int32Array;
}

/** Rows of word ids; where `needsReference[r]` is 1 the row is empty and left to the TypeScript path. */
export interface EncodedTexts extends TokenRows {
  needsReference: Uint8Array;
}

/** The native text encoder (native/student/text_encoder.*): text to word ids, for the settings it covers. */
export interface NativeTextEncoder {
  /** The word ids of a text (pair), or null when the text is left to the TypeScript path. */
  encode(textA: string, textB?: string): Int32Array | null;
  /** Word ids of many texts over native threads, off the event loop. */
  encodeMany(
    texts: readonly string[],
    textsB: readonly (string | undefined)[] | undefined,
    threads: number,
  ): Promise<EncodedTexts>;
}

export interface TrainingSet extends TokenRows {
  /** Hard label per row, or -1 where the row has only soft targets. */
  labels: Int32Array;
  /** Teacher logits per row (rows x numLabels), NaN rows where the row has none; or null. */
  teacherLogits: Float32Array | null;
}

export interface EpochOptions {
  /** Row order for this epoch (a permutation of 0..n-1 or a subset); batches are consecutive slices. */
  order: Int32Array;
  batchSize: number;
  /** Learning rate at each step of this epoch is lr * schedule; the schedule is linear warm-up then decay. */
  lr: number;
  /** Global step at the start of this epoch and total steps of the run, for the schedule. */
  stepOffset: number;
  totalSteps: number;
  warmupSteps: number;
  weightDecay: number;
  clipNorm: number;
  /** Soft loss: T^2 * CE(softmax(teacher/T), softmax(student/T)); mixed as alpha*soft + (1-alpha)*hard. */
  temperature: number;
  alpha: number;
  threads: number;
  seed: number;
  /** Optional word dropout: each token of a training row is left out with this probability (default 0). */
  wordDropout?: number;
  /** Optional feature dropout: each unit of the encoder output is zeroed with this probability (default 0; CPU only). */
  featureDropout?: number;
  /** Optional label smoothing eps of the hard loss (default 0; CPU only). */
  labelSmoothing?: number;
  /**
   * `cuda`: the addon's GPU trainer (bow only; weights and AdamW moments stay on the device between epochs and
   * the new weights are copied back after each). Default `cpu`.
   */
  device?: 'cpu' | 'cuda';
}

export interface EpochResult {
  loss: number;
  tokens: number;
  steps: number;
  seconds: number;
  /** False when a NaN/Inf loss or gradient stopped the epoch; the weights are then left as before the bad step. */
  finite: boolean;
}

export interface NativeStudentModel {
  readonly config: StudentConfig;
  /** Named weight tensors, copied out (name -> { shape, data }). */
  getWeights(): Record<string, { shape: number[]; data: Float32Array }>;
  setWeights(weights: Record<string, { shape: number[]; data: Float32Array }>): void;
  /** A compact student's embedding (the model made with quantizedEmbedding), copied in. */
  setQuantizedEmbedding(table: NativeQuantizedTable): void;
  /** The table setQuantizedEmbedding took, copied out. */
  getQuantizedEmbedding(): NativeQuantizedTable;
  /**
   * Keeps only the embedding rows `kept`: the others are zeroed and stay zero through training (their gradients
   * are dropped; setWeights zeroes them again), as the compact student made from this one reads them. CPU only.
   */
  pruneEmbedding(kept: Int32Array): void;
  /**
   * Keeps every embedding row as it is and drops its gradients, so that training moves only the layers above
   * (refitting them on a compact student's decoded table); pruneEmbedding undoes it. CPU only.
   */
  freezeEmbedding(): void;
  /** Logits of one row (and its text_b for a pair model), synchronously, with no allocation of weights-sized buffers. */
  predictRow(ids: Int32Array, idsB?: Int32Array): Float32Array;
  /** Logits of many rows (rows x numLabels), over `threads` threads, off the event loop. */
  predictRows(rows: TokenRows, threads: number): Promise<Float32Array>;
  /**
   * Logits of one raw text (or pair) into `out`, segmentation and vocabulary lookup included, in one native
   * call; false (`out` untouched) when the encoder leaves the text to the TypeScript path.
   */
  predictText(encoder: NativeTextEncoder, textA: string, textB: string | undefined, out: Float32Array): boolean;
  /**
   * Logits (rows x numLabels) of raw texts, each thread segmenting a text and running the model on it, off the
   * event loop; rows flagged in `needsReference` are left to the TypeScript path (their logits are 0).
   */
  predictTexts(
    encoder: NativeTextEncoder,
    texts: readonly string[],
    textsB: readonly (string | undefined)[] | undefined,
    threads: number,
  ): Promise<{ logits: Float32Array; needsReference: Uint8Array }>;
  /** One epoch of AdamW over the given rows, off the event loop. */
  trainEpoch(data: TrainingSet, options: EpochOptions): Promise<EpochResult>;
  /**
   * One epoch over a token cache, streamed block by block (options.seed orders the blocks and rows); the
   * tables map the cache's provisional word and label ids to the model's.
   */
  trainCacheEpoch(
    cache: NativeCorpusCache,
    tables: CacheIdTables,
    options: Omit<EpochOptions, 'order' | 'device'> & { windowBlocks: number },
  ): Promise<EpochResult>;
  /** Loss and gradients of one batch, for finite-difference tests; feature-dropout masks come from Random(seed). */
  lossAndGradients(
    data: TrainingSet,
    rows: Int32Array,
    temperature: number,
    alpha: number,
    device?: 'cpu' | 'cuda',
    options?: { featureDropout?: number; seed?: number; labelSmoothing?: number },
  ): {
    loss: number;
    gradients: Record<string, Float32Array>;
  };
}

/** Provisional ids of a token cache (order of first appearance) to the model's word and label ids. */
export interface CacheIdTables {
  /** Per provisional word: its word id (1 = [UNK] for a word left out of the vocabulary). */
  words: Int32Array;
  /** Per provisional label: its label id. */
  labels: Int32Array;
}

/** A token cache file opened for training (native/student/corpus_cache.h). */
export interface NativeCorpusCache {
  readonly towers: boolean;
  /** [labeled rows, teacher-labeled rows] */
  readonly rows: [number, number];
  readonly blocks: number;
  /** The steps trainCacheEpoch takes with these options. */
  epochSteps(batchSize: number, seed: number, windowBlocks: number): number;
  /** One block as stored: provisional word and label ids (for tests). */
  readBlock(index: number): {
    kind: 0 | 1;
    labels: Int32Array;
    lengthsA: Int32Array;
    idsA: Int32Array;
    lengthsB: Int32Array;
    idsB: Int32Array;
    logits: Float32Array;
    numLabels: number;
  };
}

/** Writes a token cache: rows segmented on native threads (appendTexts) or given as words (appendWords). */
export interface NativeCorpusCacheWriter {
  /** 0 labeled rows, 1 teacher-labeled rows; resolves with 1 for each row left to appendWords. */
  appendTexts(
    textsA: readonly string[],
    textsB: readonly string[] | undefined,
    kind: 0 | 1,
    labels: Int32Array,
    logits: Float32Array | null,
    numLabels: number,
  ): Promise<Uint8Array>;
  /** Rows of words (lengths: words per row). */
  appendWords(
    wordsA: readonly string[],
    lengthsA: Int32Array,
    wordsB: readonly string[] | undefined,
    lengthsB: Int32Array | undefined,
    kind: 0 | 1,
    labels: Int32Array,
    logits: Float32Array | null,
    numLabels: number,
  ): void;
  /** Closes the file: the words by provisional id and their counts. */
  finish(): Promise<{ words: string[]; counts: Float64Array; rows: number }>;
}

export interface NativeStudentAddon {
  StudentModel: new (config: StudentConfig) => NativeStudentModel;
  /** Product quantization of x [rows, dim] (src/student/product-quantizer.ts's algorithm, the same codes). */
  productQuantize(
    x: Float32Array,
    options: { rows: number; dim: number; dsub: number; seed?: number; threads?: number },
  ): Promise<{ centroids: Float32Array; codes: Uint8Array }>;
}

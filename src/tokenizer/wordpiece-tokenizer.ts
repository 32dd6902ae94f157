// The teacher's tokenizer: Hugging Face's BERT WordPiece pipeline, run natively.
import fs from 'node:fs';
import { InputError } from '../errors.js';
import { native } from '../native.js';
import type {
  NativeEncodedBatch,
  NativeTokenizedLines,
  NativeTokenizerAddon,
  NativeWordPieceTokenizer,
} from './native-api.js';

export interface WordPieceTokenizerOptions {
  /** Lowercase and strip accents (BertNormalizer's lowercase / strip_accents); default true. */
  lowercase?: boolean;
}

export interface EncodeOptions {
  /** Longest row, special tokens included; longer rows are truncated longest-first. Default: no limit. */
  maxLength?: number;
  /** Threads to split the rows over; default: one per hardware thread. */
  threads?: number;
}

/** Padded row-major tensors (rows padded with [PAD] to the batch's longest row), ready for onnxruntime-node. */
export type EncodedBatch = NativeEncodedBatch;

export interface Encoding {
  ids: number[];
  typeIds: number[];
}

export interface SpecialTokenIds {
  pad: number;
  unk: number;
  cls: number;
  sep: number;
  mask: number;
}

export type TextOrPair = string | readonly [string, string];

export class WordPieceTokenizer {
  readonly vocabPath: string;
  readonly lowercase: boolean;
  readonly vocabSize: number;
  /** Ids of [PAD] [UNK] [CLS] [SEP] [MASK]; -1 where the vocabulary lacks one ([PAD] then pads with 0). */
  readonly specialIds: SpecialTokenIds;

  private constructor(
    private readonly impl: NativeWordPieceTokenizer,
    vocabPath: string,
  ) {
    this.vocabPath = vocabPath;
    const info = impl.info();
    this.lowercase = info.lowercase;
    this.vocabSize = info.vocabSize;
    this.specialIds = { pad: info.pad, unk: info.unk, cls: info.cls, sep: info.sep, mask: info.mask };
  }

  /** Reads a BERT vocab.txt (a token a line) or an ERNIE vocabulary (`token<TAB>id` lines). */
  static fromFile(vocabPath: string, options: WordPieceTokenizerOptions = {}): WordPieceTokenizer {
    if (!fs.existsSync(vocabPath)) throw new InputError('vocabulary file not found', vocabPath);
    if (fs.statSync(vocabPath).isDirectory()) throw new InputError('is a directory, not a vocabulary file', vocabPath);
    const addon = native() as unknown as NativeTokenizerAddon;
    try {
      return new WordPieceTokenizer(
        new addon.NativeWordPieceTokenizer(vocabPath, options.lowercase ?? true),
        vocabPath,
      );
    } catch (err) {
      if ((err as { code?: string }).code === 'EVOCAB') throw new InputError((err as Error).message);
      throw err;
    }
  }

  /** Ids of one row, `[CLS] text [SEP]` or `[CLS] text [SEP] pair [SEP]`, synchronously. */
  encode(text: string, pair?: string | null, options: EncodeOptions = {}): number[] {
    return this.encodeWithTypes(text, pair, options).ids;
  }

  /** Ids and token type ids (0 for the first text, 1 for the pair) of one row, synchronously. */
  encodeWithTypes(text: string, pair?: string | null, options: EncodeOptions = {}): Encoding {
    return this.impl.encode(text, pair ?? null, checkedMaxLength(options.maxLength));
  }

  /**
   * Many rows off the event loop, over threads; the tensors wrap native memory (no copy). Rows are texts or
   * `[text, pair]`, in any mix, as Hugging Face tokenizers' `encodeBatch` takes them.
   */
  async encodeBatch(inputs: readonly TextOrPair[], options: EncodeOptions = {}): Promise<EncodedBatch> {
    const maxLength = checkedMaxLength(options.maxLength);
    const threads = options.threads;
    const singleRows: number[] = [];
    const pairRows: number[] = [];
    inputs.forEach((input, i) => (typeof input === 'string' ? singleRows : pairRows).push(i));
    if (pairRows.length === 0) return this.impl.encodeBatch(inputs as string[], null, maxLength, threads);
    const pairs = pairRows.map((i) => inputs[i] as readonly [string, string]);
    const pairBatch = this.impl.encodeBatch(
      pairs.map((p) => p[0]),
      pairs.map((p) => p[1]),
      maxLength,
      threads,
    );
    if (singleRows.length === 0) return pairBatch;
    // A mixed batch: the two kinds are encoded apart, then their rows laid back in input order.
    const singleBatch = this.impl.encodeBatch(
      singleRows.map((i) => inputs[i] as string),
      null,
      maxLength,
      threads,
    );
    return mergeBatches(
      [await singleBatch, await pairBatch],
      [singleRows, pairRows],
      inputs.length,
      this.specialIds.pad,
    );
  }

  /**
   * Whole lines (each ending in '\n', the last one may not) to the text of their id lines, off the event loop.
   * The `tokenize` command's engine.
   */
  tokenizeLines(block: Buffer, options: EncodeOptions & { pair?: boolean } = {}): Promise<NativeTokenizedLines> {
    return this.impl.tokenizeLines(block, options.pair ?? false, checkedMaxLength(options.maxLength), options.threads);
  }

  /** BertNormalizer on its own (for stage-by-stage tests). */
  normalize(text: string): string {
    return this.impl.normalize(text);
  }

  /** BertPreTokenizer on its own, on already normalized text. */
  preTokenize(text: string): string[] {
    return this.impl.preTokenize(text);
  }

  tokenToId(token: string): number | null {
    return this.impl.tokenToId(token);
  }

  idToToken(id: number): string | null {
    return this.impl.idToToken(id);
  }
}

/** Rows of `parts[k]` go to rows `rowsOf[k]` of one batch padded to the longest row ([PAD], type 0, mask 0). */
function mergeBatches(parts: EncodedBatch[], rowsOf: number[][], batchSize: number, padId: number): EncodedBatch {
  const seqLen = Math.max(...parts.map((p) => p.seqLen));
  const buffer = new ArrayBuffer(3 * batchSize * seqLen * 8);
  const merged: EncodedBatch = {
    inputIds: new BigInt64Array(buffer, 0, batchSize * seqLen),
    tokenTypeIds: new BigInt64Array(buffer, batchSize * seqLen * 8, batchSize * seqLen),
    attentionMask: new BigInt64Array(buffer, 2 * batchSize * seqLen * 8, batchSize * seqLen),
    batchSize,
    seqLen,
  };
  merged.inputIds.fill(BigInt(padId < 0 ? 0 : padId));
  parts.forEach((part, k) => {
    rowsOf[k]!.forEach((row, r) => {
      const from = r * part.seqLen;
      const to = row * seqLen;
      merged.inputIds.set(part.inputIds.subarray(from, from + part.seqLen), to);
      merged.tokenTypeIds.set(part.tokenTypeIds.subarray(from, from + part.seqLen), to);
      merged.attentionMask.set(part.attentionMask.subarray(from, from + part.seqLen), to);
    });
  });
  return merged;
}

function checkedMaxLength(maxLength: number | undefined): number {
  if (maxLength === undefined) return 0;
  if (!Number.isInteger(maxLength) || maxLength < 1)
    throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
  return maxLength;
}

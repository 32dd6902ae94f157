// The teacher's tokenizer: Hugging Face's BERT WordPiece pipeline, run natively.
import fs from 'node:fs';
import { InputError } from '../errors.js';
import { native } from '../native.js';
import type { NativeEncodedBatch, NativeTokenizedLines, NativeTokenizerAddon, NativeWordPieceTokenizer } from './native-api.js';

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

  private constructor(private readonly impl: NativeWordPieceTokenizer, vocabPath: string) {
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
      return new WordPieceTokenizer(new addon.NativeWordPieceTokenizer(vocabPath, options.lowercase ?? true), vocabPath);
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

  /** Many rows off the event loop, over threads; the tensors wrap native memory (no copy). */
  async encodeBatch(inputs: readonly TextOrPair[], options: EncodeOptions = {}): Promise<EncodedBatch> {
    const texts: string[] = new Array(inputs.length);
    let pairs: string[] | null = null;
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      if (typeof input === 'string') {
        if (pairs) throw new TypeError('encodeBatch: mix of single texts and pairs');
        texts[i] = input;
      } else {
        if (i > 0 && !pairs) throw new TypeError('encodeBatch: mix of single texts and pairs');
        pairs ??= new Array(inputs.length);
        texts[i] = input[0];
        pairs[i] = input[1];
      }
    }
    return this.impl.encodeBatch(texts, pairs, checkedMaxLength(options.maxLength), options.threads);
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

function checkedMaxLength(maxLength: number | undefined): number {
  if (maxLength === undefined) return 0;
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
  return maxLength;
}

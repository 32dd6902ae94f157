// The contract between the TypeScript tokenizer and native/binding_tokenizer.cc.

export interface NativeEncodedBatch {
  inputIds: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  attentionMask: BigInt64Array;
  batchSize: number;
  seqLen: number;
}

export interface NativeTokenizedLines {
  /** One line of space-separated ids per input line. */
  text: Buffer;
  lines: number;
  /** 1-based line of the block at fault, 0 when every line was good. */
  badLine: number;
  problem: string;
}

export interface NativeTokenizerInfo {
  vocabSize: number;
  lowercase: boolean;
  pad: number;
  unk: number;
  cls: number;
  sep: number;
  mask: number;
}

export interface NativeWordPieceTokenizer {
  encode(text: string, pair: string | null, maxLength: number): { ids: number[]; typeIds: number[] };
  /** threads: 1..1024, or undefined for one per pool worker. */
  encodeBatch(
    texts: string[],
    pairs: string[] | null,
    maxLength: number,
    threads: number | undefined,
  ): Promise<NativeEncodedBatch>;
  tokenizeLines(
    block: Buffer,
    pair: boolean,
    maxLength: number,
    threads: number | undefined,
  ): Promise<NativeTokenizedLines>;
  normalize(text: string): string;
  preTokenize(text: string): string[];
  tokenToId(token: string): number | null;
  idToToken(id: number): string | null;
  info(): NativeTokenizerInfo;
}

export interface NativeTokenizerAddon {
  NativeWordPieceTokenizer: new (vocabPath: string, lowercase: boolean) => NativeWordPieceTokenizer;
}

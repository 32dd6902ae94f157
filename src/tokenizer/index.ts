// The teacher's WordPiece tokenizer.
export { WordPieceTokenizer } from './wordpiece-tokenizer.js';
export type {
  EncodedBatch,
  EncodeOptions,
  Encoding,
  SpecialTokenIds,
  TextOrPair,
  WordPieceTokenizerOptions,
} from './wordpiece-tokenizer.js';

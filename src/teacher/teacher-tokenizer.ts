// How a teacher's text becomes its input ids: a WordPiece vocabulary given with --vocab.
import { UsageError } from '../errors.js';
import { WordPieceTokenizer, type TextOrPair } from '../tokenizer/index.js';
import type { EncodedTensors } from './encoded-window.js';

export interface TeacherTokenizer {
  encodeBatch(texts: readonly TextOrPair[], options: { maxLength: number }): Promise<EncodedTensors>;
  readonly vocabSize: number;
  readonly padId: number;
  readonly clsId: number;
  readonly sepId: number;
  /** Where the vocabulary came from, for error messages. */
  readonly source: string;
}

/** The tokenizer a teacher file needs: --vocab, or what the model's metadata says. */
export async function loadTeacherTokenizer(
  modelPath: string,
  metadata: Record<string, string>,
  options: { vocab?: string; lowercase?: boolean },
): Promise<TeacherTokenizer> {
  if (options.vocab) return wordPieceTeacherTokenizer(options.vocab, options.lowercase ?? true);
  throw new UsageError(`--vocab: ${modelPath} carries no vocabulary; give the teacher's vocab.txt`);
}

export function wordPieceTeacherTokenizer(vocab: string, lowercase: boolean): TeacherTokenizer {
  const tokenizer = WordPieceTokenizer.fromFile(vocab, { lowercase });
  const { pad, cls, sep } = tokenizer.specialIds;
  return {
    encodeBatch: (texts, { maxLength }) => tokenizer.encodeBatch(texts, { maxLength }),
    vocabSize: tokenizer.vocabSize,
    padId: pad >= 0 ? pad : 0,
    clsId: cls,
    sepId: sep,
    source: tokenizer.vocabPath,
  };
}

// How a teacher's text becomes its input ids: a WordPiece vocabulary given with --vocab, or the one a converted
// teacher carries in its metadata.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

/** Metadata keys of a teacher that carries its tokenizer (written by `convert`). */
export const TEACHER_TOKENIZER_METADATA = {
  /** The vocabulary, a token a line in id order. */
  vocab: 'ernie_slim.vocab',
  lowercase: 'ernie_slim.lowercase',
  maxPositions: 'ernie_slim.max_positions',
} as const;

export function carriesVocabulary(metadata: Record<string, string>): boolean {
  return typeof metadata[TEACHER_TOKENIZER_METADATA.vocab] === 'string';
}

/** The tokenizer a teacher file needs: --vocab, or what the model's metadata says. */
export async function loadTeacherTokenizer(
  modelPath: string,
  metadata: Record<string, string>,
  options: { vocab?: string; lowercase?: boolean },
): Promise<TeacherTokenizer> {
  if (options.vocab) return wordPieceTeacherTokenizer(options.vocab, options.lowercase ?? true);
  if (carriesVocabulary(metadata)) return metadataTeacherTokenizer(modelPath, metadata);
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

/** The vocabulary and lowercasing a converted teacher carries; the native tokenizer reads it from a scratch file. */
function metadataTeacherTokenizer(modelPath: string, metadata: Record<string, string>): TeacherTokenizer {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-vocab-'));
  try {
    const file = path.join(scratch, 'vocab.txt');
    fs.writeFileSync(file, metadata[TEACHER_TOKENIZER_METADATA.vocab]! + '\n');
    const tokenizer = wordPieceTeacherTokenizer(file, metadata[TEACHER_TOKENIZER_METADATA.lowercase] !== 'false');
    return { ...tokenizer, source: `${modelPath} (its vocabulary)` };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

// The student's native text encoder (native/student/text_encoder.*): text to word ids in one native call,
// for the segmentation settings it covers (jieba without HMM, or whitespace); the rest stays in TypeScript.
import { native } from '../native.js';
import { jiebaDictionary, type NativeJiebaDictionary } from '../data/jieba-dictionary.js';
import { lowercaseTable, noLowercase, type LowercaseTable } from './lowercase-table.js';
import type { SegmentationSettings } from './segmentation.js';
import type { TokenRows } from './native-api.js';

/** Rows of word ids; where `needsReference[r]` is 1 the row is empty and left to the TypeScript path. */
export interface EncodedTexts extends TokenRows {
  needsReference: Uint8Array;
}

export interface NativeTextEncoder {
  /** The word ids of a text (pair), or null when the text is left to the TypeScript path. */
  encode(textA: string, textB?: string): Int32Array | null;
  /** Word ids of many texts over native threads, off the event loop. */
  encodeMany(texts: readonly string[], textsB: readonly (string | undefined)[] | undefined, threads: number): Promise<EncodedTexts>;
}

interface TextEncoderOptions {
  splitter: 'jieba' | 'whitespace';
  dictionary: NativeJiebaDictionary | null;
  lowercase: boolean;
  maxWords: number;
  vocabulary: readonly string[];
  lowercaseTable: LowercaseTable;
}

interface TextEncoderClass {
  new (options: TextEncoderOptions): NativeTextEncoder;
}

/** True for the settings the native encoder reproduces exactly (jieba's HMM runs only in TypeScript). */
export function nativeEncodingCovers(settings: SegmentationSettings): boolean {
  return settings.segmenter === 'whitespace' || (settings.segmenter === 'jieba' && !settings.hmm);
}

/** A native encoder for a vocabulary and its segmentation settings; null where the settings need TypeScript. */
export function createNativeTextEncoder(vocabulary: readonly string[], settings: SegmentationSettings): NativeTextEncoder | null {
  if (!nativeEncodingCovers(settings)) return null;
  const addon = native() as { StudentTextEncoder?: TextEncoderClass };
  if (typeof addon.StudentTextEncoder !== 'function') {
    throw new Error('this build of the native addon has no StudentTextEncoder (rebuild with `npm run build:native`)');
  }
  return new addon.StudentTextEncoder({
    splitter: settings.segmenter as 'jieba' | 'whitespace', // nativeEncodingCovers() ruled out 'char'
    dictionary: settings.segmenter === 'jieba' ? jiebaDictionary() : null,
    lowercase: settings.lowercase,
    maxWords: settings.maxWords ?? 0,
    vocabulary,
    lowercaseTable: settings.lowercase ? lowercaseTable() : noLowercase,
  });
}

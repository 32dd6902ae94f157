// The student's native text encoder (native/student/text_encoder.*): text to word ids in one native call,
// for the segmentation settings it covers (jieba without HMM, or whitespace); the rest stays in TypeScript.
import { native } from '../native.js';
import { jiebaDictionary, type NativeJiebaDictionary } from '../data/jieba-dictionary.js';
import { lowercaseTable, noLowercase, type LowercaseTable } from './lowercase-table.js';
import type { SegmentationSettings } from './segmentation.js';
import type { NativeTextEncoder } from './native-api.js';
import type { NativeWordTable } from './native-vocabulary.js';

export type { EncodedTexts, NativeTextEncoder } from './native-api.js';

interface TextEncoderOptions {
  splitter: 'jieba' | 'whitespace';
  dictionary: NativeJiebaDictionary | null;
  lowercase: boolean;
  maxWords: number;
  vocabulary: readonly string[] | NativeWordTable;
  lowercaseTable: LowercaseTable;
}

interface TextEncoderClass {
  new (options: TextEncoderOptions): NativeTextEncoder;
}

/** True for the settings the native encoder reproduces exactly (jieba's HMM runs only in TypeScript). */
export function nativeEncodingCovers(settings: SegmentationSettings): boolean {
  return settings.segmenter === 'whitespace' || (settings.segmenter === 'jieba' && !settings.hmm);
}

/**
 * A native encoder for a vocabulary (words, or a native table it then shares) and its segmentation settings;
 * null where the settings need TypeScript.
 */
export function createNativeTextEncoder(
  vocabulary: readonly string[] | NativeWordTable,
  settings: SegmentationSettings,
): NativeTextEncoder | null {
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

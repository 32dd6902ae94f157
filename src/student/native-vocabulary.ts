// A loaded student's vocabulary held once, natively (native/student/word_table.h): the words' UTF-8 bytes in one
// blob and a hash of ids, shared with the native text encoder; JavaScript holds no string a word, and makes the
// words only when asked for them (export, save, retrain).
import { native } from '../native.js';
import { UNK_ID, type WordIds } from './vocabulary.js';

/** The native table (native/binding_word_table.cc). */
export interface NativeWordTable {
  readonly size: number;
  /** Where the word list ended in the bytes it was read from. */
  readonly end: number;
  /** Bytes the table holds. */
  readonly bytes: number;
  word(id: number): string;
  /** Every word, in id order, made on request. */
  words(): string[];
  idOf(word: string): number;
  encode(words: readonly string[], into?: Int32Array): Int32Array;
  /** The arrays encodeJoined reads word lengths from and writes ids to (ids at least as long, and never empty). */
  useScratch(lengths: Int32Array, ids: Int32Array): void;
  /** encode() of `count` words joined into one string (word i the next scratch lengths[i] UTF-16 units). */
  encodeJoined(joined: string, count: number): void;
}

interface WordTableClass {
  new (words: readonly string[]): NativeWordTable;
  new (bytes: Uint8Array, offset: number, count: number): NativeWordTable;
}

function wordTableClass(): WordTableClass {
  const addon = native() as { StudentWordTable?: WordTableClass };
  if (typeof addon.StudentWordTable !== 'function')
    throw new Error('this build of the native addon has no StudentWordTable (rebuild with `npm run build:native`)');
  return addon.StudentWordTable;
}

/**
 * The `count` words of a model file's word list at `offset` of `bytes` (each a u32 byte count, then UTF-8);
 * a RangeError where the list runs past the bytes.
 */
export function wordTableOfModelBytes(bytes: Uint8Array, offset: number, count: number): NativeWordTable {
  const WordTable = wordTableClass();
  return new WordTable(bytes, offset, count);
}

/** The same lookup as Vocabulary's (src/student/vocabulary.ts), over a native table. */
export class NativeVocabulary implements WordIds {
  // encode()'s scratch, shared with the native table: the words' lengths and their ids, grown for a longer row.
  private lengths = new Int32Array(0);
  private ids = new Int32Array(1);

  constructor(readonly table: NativeWordTable) {
    this.growScratch(256);
  }

  private growScratch(words: number): void {
    this.lengths = new Int32Array(words);
    this.ids = new Int32Array(words);
    this.table.useScratch(this.lengths, this.ids);
  }

  static ofWords(words: readonly string[]): NativeVocabulary {
    const WordTable = wordTableClass();
    return new NativeVocabulary(new WordTable(words));
  }

  get size(): number {
    return this.table.size;
  }

  /** The words in id order, made anew on every call (nothing keeps them). */
  get words(): readonly string[] {
    return this.table.words();
  }

  idOf(word: string): number {
    return typeof word === 'string' ? this.table.idOf(word) : UNK_ID;
  }

  // One string to the native side rather than one a word: a join costs less than the calls it saves.
  encode(words: readonly string[], into?: Int32Array): Int32Array {
    if (words.length > this.lengths.length) this.growScratch(words.length * 2);
    for (let i = 0; i < words.length; i++) {
      const word = words[i];
      if (typeof word !== 'string') return this.table.encode(words, into); // its TypeError names the problem
      this.lengths[i] = word.length;
    }
    this.table.encodeJoined(words.join(''), words.length);
    const n = Math.max(1, words.length);
    const ids = into && into.length >= n ? into.subarray(0, n) : new Int32Array(n);
    ids.set(n === this.ids.length ? this.ids : this.ids.subarray(0, n));
    return ids;
  }
}

/**
 * `fields` with a `vocabulary` property that reads the words from the native table when it is read (and keeps
 * them nowhere): what a student's data looks like when its words live natively.
 */
export function withNativeWords<T extends object>(fields: T, words: NativeVocabulary): T & { vocabulary: string[] } {
  return Object.defineProperty(fields, 'vocabulary', { get: () => words.table.words(), enumerable: true }) as T & {
    vocabulary: string[];
  };
}

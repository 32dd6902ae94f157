// The student's word vocabulary: [PAD]=0, [UNK]=1, then words by falling count (ties by code point).
import { PAD_WORD, UNK_WORD } from './segmentation.js';

export const PAD_ID = 0;
export const UNK_ID = 1;

export interface VocabularyLimits {
  /** Words seen fewer times are dropped (they map to [UNK]). */
  minCount: number;
  /** At most this many words besides [PAD] and [UNK] (0 = no limit). */
  maxVocab: number;
}

/** Counts words over the training text. */
export class WordCounter {
  readonly counts = new Map<string, number>();

  add(words: readonly string[]): void {
    for (const word of words) this.counts.set(word, (this.counts.get(word) ?? 0) + 1);
  }
}

/** A word -> id lookup: Vocabulary's (a JavaScript Map) or a loaded student's native one. */
export interface WordIds {
  readonly size: number;
  /** The words in id order. */
  readonly words: readonly string[];
  /** The id of `word`; unknown words (and a literal [UNK]) are [UNK]. */
  idOf(word: string): number;
  /** Word ids of a row; an empty row becomes one [UNK] so every model sees at least one position. */
  encode(words: readonly string[], into?: Int32Array): Int32Array;
}

export class Vocabulary implements WordIds {
  private readonly ids = new Map<string, number>();

  constructor(readonly words: readonly string[]) {
    if (words[PAD_ID] !== PAD_WORD || words[UNK_ID] !== UNK_WORD)
      throw new Error('a vocabulary starts with [PAD], [UNK]');
    words.forEach((word, i) => this.ids.set(word, i));
  }

  static build(counter: WordCounter, limits: VocabularyLimits): Vocabulary {
    const kept = [...counter.counts].filter(
      ([word, count]) => count >= limits.minCount && word !== PAD_WORD && word !== UNK_WORD,
    );
    kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (limits.maxVocab > 0) kept.length = Math.min(kept.length, limits.maxVocab);
    return new Vocabulary([PAD_WORD, UNK_WORD, ...kept.map(([word]) => word)]);
  }

  get size(): number {
    return this.words.length;
  }

  /** The id of `word`; unknown words (and a literal [UNK]) are [UNK]. */
  idOf(word: string): number {
    return this.ids.get(word) ?? UNK_ID;
  }

  /** Word ids of a row; an empty row becomes one [UNK] so every model sees at least one position. */
  encode(words: readonly string[], into?: Int32Array): Int32Array {
    const n = Math.max(1, words.length);
    const ids = into && into.length >= n ? into.subarray(0, n) : new Int32Array(n);
    if (words.length === 0) ids[0] = UNK_ID;
    for (let i = 0; i < words.length; i++) ids[i] = this.idOf(words[i]!);
    return ids;
  }
}

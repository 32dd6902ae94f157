// Chinese word segmentation with jieba (@node-rs/jieba); the dictionary loads once, on first use.
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

let jieba: Jieba | undefined;

function instance(): Jieba {
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

export interface TaggedWord {
  word: string;
  tag: string;
}

const blank = /^\s*$/;

/** True for the whitespace runs jieba returns as tokens (a char-code test first: most words are not blank). */
export function isBlankWord(word: string): boolean {
  const c = word.charCodeAt(0);
  if (c > 32 && c !== 0xa0 && c !== 0x3000 && c !== 0xfeff && c !== 0x85 && !(c >= 0x1680 && c <= 0x205f)) return false;
  return blank.test(word);
}

/** jieba's tokens of `text`, whitespace runs included (callers that drop them in their own loop save a pass). */
export function cutTokens(text: string, hmm = false): string[] {
  return instance().cut(text, hmm);
}

/** The words of `text`, whitespace dropped. `hmm` lets jieba guess words missing from its dictionary. */
export function segmentWords(text: string, hmm = false): string[] {
  const words = instance().cut(text, hmm);
  let kept = 0;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!isBlankWord(word)) words[kept++] = word;
  }
  words.length = kept;
  return words;
}

/** `segmentWords` on libuv's thread pool, so many texts segment in parallel. */
export async function segmentWordsAsync(text: string, hmm = false): Promise<string[]> {
  const words = (await instance().cutAsync(text, hmm)) as string[];
  return words.filter((word) => !isBlankWord(word));
}

/** The words of `text` with their part-of-speech tags (jieba's ICTCLAS-style tags), whitespace dropped. */
export function tagWords(text: string, hmm = false): TaggedWord[] {
  return instance()
    .tag(text, hmm)
    .filter((t) => !isBlankWord(t.word))
    .map((t) => ({ word: t.word, tag: t.tag }));
}

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

/** The words of `text`, whitespace dropped. `hmm` lets jieba guess words missing from its dictionary. */
export function segmentWords(text: string, hmm = false): string[] {
  const words = instance().cut(text, hmm);
  let kept = 0;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!blank.test(word)) words[kept++] = word;
  }
  words.length = kept;
  return words;
}

/** `segmentWords` on libuv's thread pool, so many texts segment in parallel. */
export async function segmentWordsAsync(text: string, hmm = false): Promise<string[]> {
  const words = (await instance().cutAsync(text, hmm)) as string[];
  return words.filter((word) => !blank.test(word));
}

/** The words of `text` with their part-of-speech tags (jieba's ICTCLAS-style tags), whitespace dropped. */
export function tagWords(text: string, hmm = false): TaggedWord[] {
  return instance()
    .tag(text, hmm)
    .filter((t) => !blank.test(t.word))
    .map((t) => ({ word: t.word, tag: t.tag }));
}

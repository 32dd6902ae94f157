// Strategy "unk" (ERNIE Slim's noise): each word becomes the unknown token with probability p.
import type { SeededRandom } from '../util/random.js';
import type { AnalyzedText } from './analyzed-text.js';

/** The text with words replaced; the token keeps the replaced word's spacing, so "good movie" gives "good [UNK]". */
export function unkReplace(text: AnalyzedText, probability: number, unkToken: string, random: SeededRandom): string {
  const { words, spaceBefore } = text;
  let out = '';
  for (let i = 0; i < words.length; i++) {
    const word = random.next() < probability ? unkToken : words[i]!;
    out += i > 0 && spaceBefore[i] ? ' ' + word : word;
  }
  return out;
}

/** `unkReplace`'s words before joining, for tests that count replacements. */
export function unkReplaceWords(text: AnalyzedText, probability: number, unkToken: string, random: SeededRandom): string[] {
  return text.words.map((word) => (random.next() < probability ? unkToken : word));
}

// Strategy "pos" (ERNIE Slim's same-part-of-speech replacement): each word, with probability p, becomes another
// word of the data set with the same jieba tag, drawn by frequency.
import type { SeededRandom } from '../util/random.js';
import type { AnalyzedText } from './analyzed-text.js';
import type { PosTable } from './pos-table.js';
import { joinWords, needsSpace } from './word-spacing.js';

/** The replaced words (same length and tags as the input's). */
export function posReplaceWords(text: AnalyzedText, probability: number, table: PosTable, random: SeededRandom): string[] {
  const { words, tags } = text;
  if (tags === null) throw new Error('posReplace needs tagged text');
  const out = new Array<string>(words.length);
  for (let i = 0; i < words.length; i++) {
    out[i] = random.next() < probability ? table.drawOther(words[i]!, tags[i]!, random) : words[i]!;
  }
  return out;
}

export function posReplace(text: AnalyzedText, probability: number, table: PosTable, random: SeededRandom): string {
  const words = posReplaceWords(text, probability, table, random);
  // Spacing follows the new words (a Latin word may replace a Chinese one under tags like "x").
  const spaceBefore = new Uint8Array(words.length);
  for (let i = 1; i < words.length; i++) {
    const same = words[i - 1] === text.words[i - 1] && words[i] === text.words[i];
    spaceBefore[i] = same ? text.spaceBefore[i]! : needsSpace(words[i - 1]!, words[i]!) ? 1 : 0;
  }
  return joinWords(words, spaceBefore);
}

// Strategy "pos" (ERNIE Slim's same-part-of-speech replacement): each word, with probability p, becomes another
// word of the data set with the same jieba tag, drawn by frequency.
import type { SeededRandom } from '../util/random.js';
import type { AnalyzedText } from './analyzed-text.js';
import { chosenPositions } from './chosen-positions.js';
import type { PosTable } from './pos-table.js';
import { replaceWords } from './replace-words.js';

/** The indices of the words replaced and their new words. */
export function posReplacements(
  text: AnalyzedText,
  probability: number,
  table: PosTable,
  random: SeededRandom,
): { positions: number[]; replacements: string[] } {
  const { words, tags } = text;
  if (tags === null) throw new Error('posReplace needs tagged text');
  const positions = chosenPositions(words.length, probability, random);
  return { positions, replacements: positions.map((i) => table.drawOther(words[i]!, tags[i]!, random)) };
}

export function posReplace(text: AnalyzedText, probability: number, table: PosTable, random: SeededRandom): string {
  const { positions, replacements } = posReplacements(text, probability, table, random);
  return replaceWords(text, positions, replacements);
}

// Strategy "unk" (ERNIE Slim's noise): each word becomes the unknown token with probability p.
import type { SeededRandom } from '../util/random.js';
import type { AnalyzedText } from './analyzed-text.js';
import { chosenPositions } from './chosen-positions.js';
import { replaceWords } from './replace-words.js';

/** The indices of the words to replace. */
export function unkPositions(text: AnalyzedText, probability: number, random: SeededRandom): number[] {
  return chosenPositions(text.words.length, probability, random);
}

export function unkReplace(text: AnalyzedText, probability: number, unkToken: string, random: SeededRandom): string {
  const positions = unkPositions(text, probability, random);
  return replaceWords(
    text,
    positions,
    positions.map(() => unkToken),
  );
}

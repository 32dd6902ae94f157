// Writing a text with some words replaced: slices of the rejoined text around the replacements. A replacement
// keeps the spacing of the word it replaced ("good movie" with movie -> [UNK] gives "good [UNK]").
import type { AnalyzedText } from './analyzed-text.js';

/** `text` with word `positions[k]` (ascending) replaced by `replacements[k]`. */
export function replaceWords(
  text: AnalyzedText,
  positions: readonly number[],
  replacements: readonly string[],
): string {
  if (positions.length === 0) return text.joined;
  const { words, joined, starts } = text;
  let out = '';
  let copied = 0;
  for (let k = 0; k < positions.length; k++) {
    const i = positions[k]!;
    out += joined.slice(copied, starts[i]) + replacements[k]!;
    copied = starts[i]! + words[i]!.length;
  }
  return out + joined.slice(copied);
}

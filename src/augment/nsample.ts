// Strategy "nsample" (ERNIE Slim's n-sampling): a contiguous span of the words, of random length, from a random start.
import type { SeededRandom } from '../util/random.js';
import type { AnalyzedText } from './analyzed-text.js';

/** Span [start, end): the length is uniform in 1..n (every length equally likely), then the start uniform where it fits. */
export function nsampleSpan(wordCount: number, random: SeededRandom): { start: number; end: number } {
  if (wordCount <= 1) return { start: 0, end: wordCount };
  const length = 1 + random.int(wordCount);
  const start = random.int(wordCount - length + 1);
  return { start, end: start + length };
}

export function nsample(text: AnalyzedText, random: SeededRandom): string {
  const { start, end } = nsampleSpan(text.words.length, random);
  if (end <= start) return '';
  return text.joined.slice(text.starts[start], text.starts[end - 1]! + text.words[end - 1]!.length);
}

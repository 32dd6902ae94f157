// One text as the strategies see it: jieba's words, their tags, and where spaces go when it is rejoined.
import { segmentWords, tagWords } from '../data/segmenter.js';
import { spacesBetween } from './word-spacing.js';

export interface AnalyzedText {
  words: string[];
  /** jieba's part-of-speech tag per word; null when the pos strategy is off (segmentation only, cheaper). */
  tags: string[] | null;
  spaceBefore: Uint8Array;
}

/** The tag given to a literal unknown token already in the input (jieba's tag for non-words). */
export const unknownTokenTag = 'x';

export interface AnalyzeSettings {
  tag: boolean;
  hmm: boolean;
  unkToken: string;
}

function analyzePiece(piece: string, settings: AnalyzeSettings, words: string[], tags: string[] | null): void {
  if (tags === null) {
    for (const word of segmentWords(piece, settings.hmm)) words.push(word);
    return;
  }
  for (const tagged of tagWords(piece, settings.hmm)) {
    words.push(tagged.word);
    tags.push(tagged.tag);
  }
}

/** Segments (and tags) one text; an `[UNK]` already in it (augmenting augmented data) stays one word. */
export function analyzeText(text: string, settings: AnalyzeSettings): AnalyzedText {
  const words: string[] = [];
  const tags: string[] | null = settings.tag ? [] : null;
  if (!text.includes(settings.unkToken)) {
    analyzePiece(text, settings, words, tags);
  } else {
    text.split(settings.unkToken).forEach((piece, i) => {
      if (i > 0) {
        words.push(settings.unkToken);
        tags?.push(unknownTokenTag);
      }
      analyzePiece(piece, settings, words, tags);
    });
  }
  return { words, tags, spaceBefore: spacesBetween(words) };
}

// One text as the strategies see it: jieba's words, their tags, and the words rejoined (with where each starts),
// so that a new line is a few slices of the rejoined text rather than every word concatenated again.
import { segmentWords, segmentWordsAsync, tagWords } from '../data/segmenter.js';
import type { WordTagCounts } from './word-tags.js';
import { layoutWords } from './word-spacing.js';

export interface AnalyzedText {
  words: string[];
  /** jieba's part-of-speech tag per word; null when the pos strategy is off (segmentation only, cheaper). */
  tags: string[] | null;
  /** The words joined by the spacing rule (word-spacing.ts). */
  joined: string;
  /** Where word i starts in `joined`; it ends at starts[i] + words[i].length. */
  starts: Uint32Array;
}

/** The tag given to a literal unknown token already in the input (jieba's tag for non-words). */
export const unknownTokenTag = 'x';

export interface AnalyzeSettings {
  tag: boolean;
  hmm: boolean;
  unkToken: string;
}

/** An AnalyzedText from words (and tags) already cut. */
export function analyzedFromWords(words: string[], tags: string[] | null): AnalyzedText {
  const { joined, starts } = layoutWords(words);
  return { words, tags, joined, starts };
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
  return analyzedFromWords(words, tags);
}

/**
 * `analyzeText` with jieba's cut on libuv's thread pool and tags (counted) from `tagCounts`; the same words and
 * tags. A line with a word that cannot be tagged on its own is tagged whole, as `analyzeText` does.
 */
export async function analyzeTextAsync(
  text: string,
  settings: AnalyzeSettings,
  tagCounts: WordTagCounts | null,
): Promise<AnalyzedText> {
  const pieces = text.includes(settings.unkToken) ? text.split(settings.unkToken) : [text];
  const cut = await Promise.all(pieces.map((piece) => segmentWordsAsync(piece, settings.hmm)));
  if (!settings.tag)
    return analyzedFromWords(pieces.length === 1 ? cut[0]! : withUnkTokens(cut, settings.unkToken), null);
  if (tagCounts === null) throw new Error('analyzeTextAsync: tagging needs WordTagCounts');
  // A literal [UNK] is not a jieba word: only the pieces around it are looked up.
  const pieceTags = cut.map((words) => tagCounts.tagAndCount(words));
  if (pieceTags.some((tags) => tags === null)) {
    // Undo the counts of the pieces that were counted, then tag the line whole.
    const whole = analyzeText(text, settings);
    pieceTags.forEach((tags, i) => tags !== null && tagCounts.uncount(cut[i]!));
    tagCounts.countTagged(whole.words, whole.tags!);
    return whole;
  }
  const words = withUnkTokens(cut, settings.unkToken);
  const tags = withUnkTokens(pieceTags as string[][], unknownTokenTag);
  if (pieces.length > 1)
    tagCounts.countTagged(
      new Array(pieces.length - 1).fill(settings.unkToken),
      new Array(pieces.length - 1).fill(unknownTokenTag),
    );
  return analyzedFromWords(words, tags);
}

/** The pieces' items with `between` between consecutive pieces. */
function withUnkTokens(pieces: readonly string[][], between: string): string[] {
  const out: string[] = [];
  pieces.forEach((items, i) => {
    if (i > 0) out.push(between);
    for (const item of items) out.push(item);
  });
  return out;
}

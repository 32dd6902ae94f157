// Text -> student words: jieba (or characters, or whitespace for pre-segmented text), literal [UNK] kept whole,
// lowercased.
import { cutTokens, isBlankWord, segmentWordsAsync } from '../data/segmenter.js';

export const PAD_WORD = '[PAD]';
export const UNK_WORD = '[UNK]';

/** How a model turns text into words; stored in the model file and the ONNX metadata. */
export interface SegmentationSettings {
  /**
   * `jieba`: @node-rs/jieba's `cut`; `char`: each Chinese character a word, runs of other letters and digits one
   * word, any other non-space character one word; `whitespace`: the text is already space-separated words.
   */
  segmenter: 'jieba' | 'char' | 'whitespace';
  /** jieba's HMM for words missing from its dictionary. */
  hmm: boolean;
  /** Lowercase Latin letters (Chinese is unaffected). */
  lowercase: boolean;
  /** Words past this many are dropped (0 = no limit). */
  maxWords: number;
}

export const defaultSegmentation: SegmentationSettings = {
  segmenter: 'jieba',
  hmm: false,
  lowercase: true,
  maxWords: 0,
};

const spaces = /\s+/;
// A Han character, a run of other letters/digits/marks, or any other non-space character.
const characterWords = /\p{Script=Han}|(?:(?!\p{Script=Han})[\p{L}\p{N}\p{M}])+|\S/gu;

/** Lowercases words with letters that have a lower case; CJK words (most of them) skip the call. */
function lowercased(word: string): string {
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 0xc0 && c < 0x2e80) || (c >= 0xff21 && c <= 0xff3a)) return word.toLowerCase();
  }
  return word;
}

function splitPiece(piece: string, settings: SegmentationSettings, out: string[]): void {
  if (settings.segmenter === 'whitespace') {
    for (const word of piece.split(spaces)) if (word !== '') out.push(settings.lowercase ? lowercased(word) : word);
    return;
  }
  if (settings.segmenter === 'char') {
    for (const [word] of piece.matchAll(characterWords)) out.push(settings.lowercase ? lowercased(word) : word);
    return;
  }
  // One loop drops jieba's whitespace tokens and lowercases (this runs inside every predict()).
  const tokens = cutTokens(piece, settings.hmm);
  for (let i = 0; i < tokens.length; i++) {
    const word = tokens[i]!;
    if (!isBlankWord(word)) out.push(settings.lowercase ? lowercased(word) : word);
  }
}

/**
 * The words of one text. A literal `[UNK]` (written by `augment`) stays one word: jieba would split it into
 * `[`, `UNK`, `]`, so the text is cut around it first.
 */
export function studentWords(text: string, settings: SegmentationSettings): string[] {
  const out: string[] = [];
  if (!text.includes(UNK_WORD)) {
    splitPiece(text, settings, out);
  } else {
    text.split(UNK_WORD).forEach((piece, i) => {
      if (i > 0) out.push(UNK_WORD);
      splitPiece(piece, settings, out);
    });
  }
  if (settings.maxWords > 0 && out.length > settings.maxWords) out.length = settings.maxWords;
  return out;
}

function truncated(words: string[], settings: SegmentationSettings): string[] {
  if (settings.maxWords > 0 && words.length > settings.maxWords) words.length = settings.maxWords;
  return words;
}

/** `studentWords` with jieba running on the thread pool (same words, for bulk segmentation). */
export async function studentWordsAsync(text: string, settings: SegmentationSettings): Promise<string[]> {
  if (settings.segmenter !== 'jieba') return studentWords(text, settings);
  const pieces = text.split(UNK_WORD);
  const cut = await Promise.all(pieces.map((piece) => segmentWordsAsync(piece, settings.hmm)));
  const words: string[] = [];
  cut.forEach((pieceWords, i) => {
    if (i > 0) words.push(UNK_WORD);
    for (const word of pieceWords) words.push(settings.lowercase ? lowercased(word) : word);
  });
  return truncated(words, settings);
}

/** The words of a row: text_b's words follow text_a's. */
export function rowWords(textA: string, textB: string | undefined, settings: SegmentationSettings): string[] {
  if (textB === undefined) return studentWords(textA, settings);
  const words = studentWords(textA, { ...settings, maxWords: 0 });
  for (const word of studentWords(textB, { ...settings, maxWords: 0 })) words.push(word);
  if (settings.maxWords > 0 && words.length > settings.maxWords) words.length = settings.maxWords;
  return words;
}

/** A pair model's words: text_a's and text_b's apart, each cut to maxWords. */
export function pairWords(textA: string, textB: string, settings: SegmentationSettings): [string[], string[]] {
  return [studentWords(textA, settings), studentWords(textB, settings)];
}

/** `pairWords` for many rows (every row must have text_b), on the thread pool; order is kept. */
export async function pairWordsMany(
  rows: readonly { textA: string; textB?: string }[],
  settings: SegmentationSettings,
  parallel = 64,
): Promise<[string[], string[]][]> {
  const out: [string[], string[]][] = new Array(rows.length);
  for (let start = 0; start < rows.length; start += parallel) {
    const slice = rows.slice(start, start + parallel);
    const done = await Promise.all(
      slice.map((row) => {
        if (row.textB === undefined) throw new Error('pairWordsMany: a row without text_b');
        return Promise.all([studentWordsAsync(row.textA, settings), studentWordsAsync(row.textB, settings)]);
      }),
    );
    done.forEach((words, i) => (out[start + i] = words));
  }
  return out;
}

/** `rowWords` for many rows, segmenting `parallel` texts at a time on the thread pool; order is kept. */
export async function rowWordsMany(
  rows: readonly { textA: string; textB?: string }[],
  settings: SegmentationSettings,
  parallel = 64,
): Promise<string[][]> {
  const out: string[][] = new Array(rows.length);
  const unlimited = { ...settings, maxWords: 0 };
  for (let start = 0; start < rows.length; start += parallel) {
    const slice = rows.slice(start, start + parallel);
    const done = await Promise.all(
      slice.map(async (row) => {
        const words = await studentWordsAsync(row.textA, row.textB === undefined ? settings : unlimited);
        if (row.textB === undefined) return words;
        for (const word of await studentWordsAsync(row.textB, unlimited)) words.push(word);
        if (settings.maxWords > 0 && words.length > settings.maxWords) words.length = settings.maxWords;
        return words;
      }),
    );
    done.forEach((words, i) => (out[start + i] = words));
  }
  return out;
}

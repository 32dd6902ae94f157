// Rejoining jieba's words into text: no space between Chinese words, one space between two Latin/digit words.

// Scripts written with spaces between words; digits too, so "iPhone 5" keeps its space.
const spacedLetter = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Nd}]/u;

function isSpacedCodePoint(codePoint: number): boolean {
  if (codePoint < 128) {
    return (
      (codePoint >= 48 && codePoint <= 57) ||
      (codePoint >= 65 && codePoint <= 90) ||
      (codePoint >= 97 && codePoint <= 122)
    );
  }
  // CJK punctuation, kana and ideographs, Hangul: the bulk of Chinese text, answered without the regex.
  if ((codePoint >= 0x2e80 && codePoint <= 0x9fff) || (codePoint >= 0xac00 && codePoint <= 0xd7af)) return false;
  return spacedLetter.test(String.fromCodePoint(codePoint));
}

function startsSpaced(word: string): boolean {
  return word.length > 0 && isSpacedCodePoint(word.codePointAt(0)!);
}

function endsSpaced(word: string): boolean {
  if (word.length === 0) return false;
  const last = word.charCodeAt(word.length - 1);
  // A low surrogate ends a pair: read the whole code point.
  const codePoint = last >= 0xdc00 && last <= 0xdfff && word.length > 1 ? word.codePointAt(word.length - 2)! : last;
  return isSpacedCodePoint(codePoint);
}

/** Whether `left` and `right` are written with a space between them. */
export function needsSpace(left: string, right: string): boolean {
  return endsSpaced(left) && startsSpaced(right);
}

/** `spaceBefore[i]` is 1 when words i-1 and i are both Latin/digit at the boundary (0 for the first word). */
export function spacesBetween(words: readonly string[]): Uint8Array {
  const spaceBefore = new Uint8Array(words.length);
  for (let i = 1; i < words.length; i++) spaceBefore[i] = needsSpace(words[i - 1]!, words[i]!) ? 1 : 0;
  return spaceBefore;
}

/** Words `from`..`to` (exclusive) as text, a space where `spaceBefore` says (never before the first). */
export function joinWords(words: readonly string[], spaceBefore: Uint8Array, from = 0, to = words.length): string {
  let text = from < to ? words[from]! : '';
  for (let i = from + 1; i < to; i++) text += spaceBefore[i] ? ' ' + words[i]! : words[i]!;
  return text;
}

/** The words joined by the rule, and where each word starts in that text (so strategies can copy slices). */
export function layoutWords(words: readonly string[]): { joined: string; starts: Uint32Array } {
  const starts = new Uint32Array(words.length);
  let joined = '';
  for (let i = 0; i < words.length; i++) {
    if (i > 0 && needsSpace(words[i - 1]!, words[i]!)) joined += ' ';
    starts[i] = joined.length;
    joined += words[i]!;
  }
  return { joined, starts };
}

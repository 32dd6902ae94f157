// Adversarial text for the native segmenter and encoder: pieces that stress jieba's block rules, whitespace,
// [UNK], lowercasing and UTF-16, concatenated at random; and synthetic students over any settings.
import { Student } from '../dist/index.js';
import { studentWords } from '../dist/student/segmentation.js';
import { createNativeModel } from '../dist/student/native-model.js';
import { rng } from './student-native-helpers.js';

export const PIECES = [
  // dictionary words, jieba's classic sentences, ASCII inside blocks
  '我们中出了一个叛徒',
  '我来到北京清华大学',
  '他来到了网易杭研大厦',
  'abc网球拍卖会def',
  '南京市长江大桥',
  '这间酒店环境和服务态度亦算不错',
  '4S店',
  '4s店',
  'AA制',
  'iPhone6s很好用',
  'C++',
  'c#',
  'T恤',
  'QQ号码',
  'B超',
  'X光',
  'PK',
  'pk赛',
  'γ射线',
  'A股',
  '卡拉OK',
  // digits, decimals, percent, connectors that jieba keeps in blocks
  '3.14',
  '100%',
  '2013年',
  '-139.13万元',
  'a-b_c&d#e+f',
  '1,000',
  '1.2.3',
  '..',
  '--',
  '__init__',
  'x86_64',
  '%%',
  // mixed-case ASCII, runs of letters and digits
  'Hello',
  'WORLD',
  'MiXeD123case',
  'abc123DEF456',
  'A',
  'z',
  '9',
  'ABCdef中文GHI',
  'USB3.0接口',
  // punctuation, fullwidth forms
  '，',
  '。',
  '！！？',
  '、；：',
  '“引号”',
  '‘单’',
  '（括号）',
  '《书名》',
  '【标题】',
  '…',
  '——',
  '~~',
  '^_^',
  'ＡＢＣ',
  'ａｂｃ',
  '１２３',
  'Ｈｅｌｌｏ世界',
  '＃',
  '＋',
  // Latin-1 and Latin Extended, Greek (final sigma), Cyrillic, Turkish dotted I, titlecase digraphs
  'Ümlaut',
  'ÀÉÎÕÜ',
  'Æsir',
  'Øresund',
  'straße',
  'ǅemal',
  'ǈ',
  'ǋ',
  'İstanbul',
  'İ',
  'ı',
  'ΣΟΦΊΑ',
  'ΟΔΟΣ',
  'Σ',
  'σς',
  'ПРИВЕТ',
  'Ǆ',
  'Ⓐ',
  'Ⅻ',
  'Ꙁ',
  'Ꜳ',
  '𐐀𐐨',
  '𐐀',
  'Ａ𐐀',
  'Ω',
  // emoji (astral, ZWJ, flags, skin tones, variation selectors)
  '😀',
  '👍🏻',
  '🇨🇳',
  '👨‍👩‍👧',
  '❤️',
  '😀中国😀',
  '好😂',
  // CJK outside the main block: extension A and B, compatibility ideographs, radicals, kana, hangul
  '䶯䶰',
  '𠀀𦡦',
  '豈',
  '⺀',
  'カタカナ',
  'ひらがな',
  '한국어',
  '㐀',
  '𪜀',
  '𫝀',
  '𬺰',
  '𰀀',
  // whitespace of every kind (JavaScript's \s and others)
  ' ',
  '  ',
  '\t',
  '\n',
  '\r\n',
  '\r',
  '\u3000',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\u0085',
  '\u200b',
  '\u180e',
  '\u2003',
  '\u202f',
  '\u205f',
  '\u000b',
  '\u000c',
  // [UNK] and its look-alikes, [PAD]
  '[UNK]',
  '[UNK][UNK]',
  '[unk]',
  '[UNK',
  'UNK]',
  '[[UNK]]',
  '[PAD]',
  '[ UNK ]',
  '[UNK]好',
  // combining marks, controls, NUL, lone surrogates
  'e\u0301',
  'A\u0308',
  '\u0000',
  '\u0007',
  '\ud800',
  '\udc00',
  'a\ud83d',
  '\ude00b',
  '\ud800\ud800',
  // long runs
  '哈'.repeat(40),
  'ab'.repeat(30),
  '，'.repeat(10),
  '很好'.repeat(20),
];

/** Every piece alone, every pair of neighbours, and `n` random concatenations (seeded). */
export function adversarialTexts(n = 1500, seed = 7) {
  const rand = rng(seed);
  const texts = ['', ...PIECES];
  for (let i = 0; i + 1 < PIECES.length; i++) texts.push(PIECES[i] + PIECES[i + 1]);
  for (let i = 0; i < n; i++) {
    const parts = [];
    const len = 1 + Math.floor(rand() * 12);
    for (let k = 0; k < len; k++) parts.push(PIECES[Math.floor(rand() * PIECES.length)]);
    texts.push(parts.join(rand() < 0.3 ? ' ' : ''));
  }
  return texts;
}

/**
 * A student with random weights over the words that the TypeScript path finds in `texts` (every `dropEvery`th
 * word left out, so that unknown words occur; a word listed twice keeps its later id, as in Vocabulary).
 */
export function syntheticStudent({
  texts,
  segmentation,
  kind = 'bow',
  bigramBuckets = 0,
  labels = ['neg', 'pos'],
  textEncoder,
  dropEvery = 7,
  extraWords = [],
}) {
  const seen = new Set();
  for (const text of texts) for (const word of studentWords(text, segmentation)) seen.add(word);
  seen.delete('[PAD]');
  seen.delete('[UNK]');
  const words = [...seen].filter((_, i) => i % dropEvery !== 0);
  const vocabulary = ['[PAD]', '[UNK]', ...words, ...extraWords];
  const model = {
    kind,
    vocabSize: vocabulary.length,
    bigramBuckets,
    embDim: 8,
    hidden: 6,
    numLabels: labels.length,
    seed: 5,
  };
  const weights = createNativeModel(model).getWeights();
  return Student.fromData({ config: { model, segmentation }, vocabulary, labels, weights }, { textEncoder });
}

// Shared by the tokenizer tests and bench: Hugging Face tokenizers configured as BERT (the parity reference),
// a small vocabulary fixture, and where the shared data sets live.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import tokenizers from 'tokenizers';

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
export const sharedDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared');
export const bertVocab = path.join(sharedDir, 'vocab', 'bert-base-chinese.txt');
export const hasShared = fs.existsSync(bertVocab);
export const sharedMissing = hasShared ? false : `no ${bertVocab} (the data sets in ../shared are not here)`;

/** The reference: tokenizers' WordPiece with BertNormalizer, BertPreTokenizer, BertProcessing and special tokens. */
export async function referenceTokenizer(vocabFile, { lowercase = true, maxLength } = {}) {
  const model = await tokenizers.WordPiece.fromFile(vocabFile, { unkToken: '[UNK]' });
  const tokenizer = new tokenizers.Tokenizer(model);
  tokenizer.setNormalizer(tokenizers.bertNormalizer({ cleanText: true, handleChineseChars: true, lowercase }));
  tokenizer.setPreTokenizer(tokenizers.bertPreTokenizer());
  tokenizer.setPostProcessor(
    tokenizers.bertProcessing(['[SEP]', tokenizer.tokenToId('[SEP]')], ['[CLS]', tokenizer.tokenToId('[CLS]')]),
  );
  tokenizer.addSpecialTokens(SPECIAL_TOKENS);
  if (maxLength) tokenizer.setTruncation(maxLength, { strategy: 'LongestFirst' });
  return tokenizer;
}

/** The reference's encodings of many rows (strings or [a, b] pairs: its encodeBatch takes strings only). */
export async function referenceEncodings(tokenizer, inputs) {
  const out = [];
  for (let i = 0; i < inputs.length; i += 2000) {
    const slice = inputs.slice(i, i + 2000);
    const encodings = slice.every((x) => typeof x === 'string')
      ? await tokenizer.encodeBatch(slice)
      : await Promise.all(
          slice.map((x) => (typeof x === 'string' ? tokenizer.encode(x) : tokenizer.encode(x[0], x[1]))),
        );
    out.push(...encodings);
  }
  return out;
}

/** The reference's ids of many rows. */
export async function referenceIds(tokenizer, inputs) {
  return (await referenceEncodings(tokenizer, inputs)).map((e) => e.getIds());
}

/** Rows of a padded batch without their padding. */
export function unpaddedRows(batch) {
  const rows = [];
  for (let r = 0; r < batch.batchSize; r++) {
    const row = [];
    for (let c = 0; c < batch.seqLen; c++) {
      const k = r * batch.seqLen + c;
      if (batch.attentionMask[k] === 1n) row.push(Number(batch.inputIds[k]));
    }
    rows.push(row);
  }
  return rows;
}

/** The text columns of a TSV with a header (text_a, and text_b for pairs). */
export function readTsvTexts(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = lines.shift().replace(/\r$/, '').split('\t');
  const a = header.indexOf('text_a');
  const b = header.indexOf('text_b');
  return lines.map((line) => {
    const cols = line.replace(/\r$/, '').split('\t');
    return b >= 0 ? [cols[a], cols[b]] : cols[a];
  });
}

// A small vocabulary with special tokens, ASCII, some CJK characters, words and ## pieces.
export const FIXTURE_TOKENS = [
  ...SPECIAL_TOKENS,
  ...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~，。！？、：；“”（）《》',
  ...'0123456789abcdefghijklmnopqrstuvwxyz',
  ...'的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领深近'.slice(
    0,
    200,
  ),
  ...[
    'hello',
    'world',
    'un',
    '##aff',
    '##able',
    '##s',
    '##ing',
    'play',
    'token',
    '##izer',
    'http',
    '##s',
    'www',
    'com',
    '12',
    '##3',
    'km',
    'kg',
    'cafe',
    '##é',
    'é',
    'ａ',
    '##ｂ',
  ],
  ...'abcdefghijklmnopqrstuvwxyz0123456789'.split('').map((c) => '##' + c),
];

/** Writes the fixture as BERT vocab.txt and as an ERNIE `token<TAB>id` file (ids in another order); returns both paths. */
export function writeFixtureVocabs() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ernie-slim-vocab-'));
  const unique = [...new Set(FIXTURE_TOKENS)];
  const bert = path.join(dir, 'vocab.txt');
  fs.writeFileSync(bert, unique.join('\n') + '\n');
  const ernie = path.join(dir, 'ernie_vocab.txt');
  // ERNIE files give ids explicitly; here they run backwards so that line number and id differ.
  fs.writeFileSync(ernie, unique.map((t, i) => `${t}\t${unique.length - 1 - i}`).join('\n') + '\n');
  return { dir, bert, ernie, tokens: unique };
}

// Texts that exercise every stage: accents, full-width forms, emoji and ZWJ sequences, control and zero-width
// characters, scripts without spaces, URLs, numbers with units, long words, special tokens inside text.
export const EDGE_CASES = [
  '',
  ' ',
  'Hello World',
  'HELLO world! Unaffable playing tokenizers.',
  'Café crème brûlée naïve résumé Ångström Ελληνικά ΣΊΣΥΦΟΣ İstanbul ß ẞ',
  'e\u0301 a\u0300\u0301 o\u0308\u0304 \u0301lone combining',
  'ＡＢＣ ａｂｃ １２３ ！？ （全角） ｈｔｔｐ：／／ｗｗｗ',
  '😀 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️ 🇨🇳 emoji😀inside',
  'tab\there\nnewline\r\ncr\u000bvt\u000cff\u0085nel\u00a0nbsp\u2003emsp\u3000ideo',
  'zero\u200bwidth\u200cnon\u200djoiner\ufeffbom\u2060wj\u00adshy',
  'nul\u0000char bell\u0007 esc\u001b del\u007f c1\u0080\u009f ufffd\ufffd private\ue000\udb80\udc00',
  '日本語のテキスト、カタカナ・ひらがな。ﾊﾝｶｸ',
  '한국어 텍스트입니다 한글',
  'ภาษาไทยไม่มีช่องว่าง',
  'العربية نص عربي مع تشكيل: مُحَمَّد',
  'עברית והמילים',
  'हिन्दी देवनागरी',
  'https://www.example.com/path?q=1&r=2#frag http://中文.com/路径',
  'user@example.com @mention #hashtag $100 50% 3.14 1,000,000',
  '12km 3.5kg 100ml 25°C 5㎏ ½ ⅔ ² ³ 10ⁿ',
  'a'.repeat(99),
  'a'.repeat(100),
  'a'.repeat(101),
  'supercalifragilisticexpialidocious'.repeat(4),
  '中'.repeat(120),
  'x' + 'é'.repeat(100),
  '[UNK] [CLS] [SEP] [PAD] [MASK]',
  'in[UNK]side[MASK]text[SEP]',
  '[unk] [Unk] [ UNK ] [UNK [UNK]] [[UNK]]',
  'UPPERCASE Mixed CamelCase ÀÉÎÕÜ',
  '中文文本，测试标点符号！“引号”（括号）《书名号》……——',
  '𠀀𠀁 𪜀 𫝀 𫠠 𬺰 丽 丽 ⺀ ㄅ 〇 ㈠',
  '\u2e42\u2e43 \u058a \u1806 \u166d \u111c9 ‐‑‒–—―',
  '각 가각 ﬁ ﬀ Ǆ ǅ ǆ ℌ Ω K Å',
  '\u0378\u0890\u08e2 unassigned and new format chars',
  'ⅰⅱⅲ Ⅷ ⓐⓑ 🄰 𝐀𝐁𝐂 𝒜',
  'a\u0345b \u1734 \u1885\u1886 \ua9bd',
  '   leading and trailing   ',
  '!!!???...,,,',
  '中a文b字c1二2',
];

/** Seeded random texts glued from pieces that stress every stage (special-token fragments, marks, scripts). */
export function randomTexts(count, seed) {
  let state = seed >>> 0;
  const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pieces = [
    ...new Set([...EDGE_CASES.join('')]),
    ...SPECIAL_TOKENS,
    '[',
    ']',
    'UNK',
    '##',
    'ing',
    'play',
    'un',
    'aff',
    'hello',
    'The',
    ' ',
    '  ',
    '\t',
    '\u0301',
    '\u302e',
    '\ua953',
    '\u0000',
    '\u200d',
    '中国',
    'ＡＢ',
    '😀',
    '\ufffd',
    'x'.repeat(30),
  ];
  return Array.from({ length: count }, () => {
    let text = '';
    for (let n = Math.floor(random() * 40); n > 0; n--) text += pieces[Math.floor(random() * pieces.length)];
    return text;
  });
}

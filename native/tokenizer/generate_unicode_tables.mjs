#!/usr/bin/env node
// Writes unicode_tables.cc from the Unicode Character Database and Node's ICU, with the Unicode versions
// that Hugging Face tokenizers' BERT normalizer and pre-tokenizer use (checked code point by code point
// against the `tokenizers` package in test/tokenizer-unicode.test.js).
//
// Usage: node native/tokenizer/generate_unicode_tables.mjs [UCD_DIR=/usr/share/unicode] [OUT_FILE]
// UCD_DIR needs UnicodeData.txt, DerivedAge.txt and PropList.txt (Debian: apt-get install unicode-data).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ucdDir = process.argv[2] ?? '/usr/share/unicode';
const outFile = process.argv[3] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'unicode_tables.cc');

// tokenizers takes control, punctuation and nonspacing-mark categories from the `unicode_categories` crate
// (Unicode 8.0), and NFD (decompositions, combining classes) from `unicode-normalization-alignments` (9.0).
const CATEGORY_VERSION = 8.0;
const NORMALIZATION_VERSION = 9.0;
// General categories that changed after 8.0 for characters that already existed then (from the Unicode
// release notes); the UCD of later versions only gives the new category.
const CATEGORY_IN_8_0 = new Map([
  [0x166d, 'Po'], // CANADIAN SYLLABICS CHI SIGN: So since 12.0
  [0x111c9, 'Po'], // SHARADA SANDHI MARK: Mn since 11.0
  [0x1734, 'Mn'], // HANUNOO SIGN PAMUDPOD: Mc since 14.0
  [0x1885, 'Lo'], // MONGOLIAN LETTER ALI GALI BALUDA: Mn since 9.0
  [0x1886, 'Lo'], // MONGOLIAN LETTER ALI GALI THREE BALUDA: Mn since 9.0
  [0xa9bd, 'Mc'], // JAVANESE CONSONANT SIGN KERET: Mn since 12.0
]);
// BertNormalizer's _is_chinese_char ranges (the CJK Unified Ideographs blocks as Google's BERT listed them).
const CJK_RANGES = [
  [0x4e00, 0x9fff],
  [0x3400, 0x4dbf],
  [0x20000, 0x2a6df],
  [0x2a700, 0x2b73f],
  [0x2b740, 0x2b81f],
  [0x2b920, 0x2ceaf],
  [0xf900, 0xfaff],
  [0x2f800, 0x2fa1f],
];
const MAX_CP = 0x10ffff;

function readRanges(file, onRange) {
  for (const line of fs.readFileSync(path.join(ucdDir, file), 'utf8').split('\n')) {
    const m = /^([0-9A-F]+)(?:\.\.([0-9A-F]+))?\s*;\s*([^#\s]+)/.exec(line);
    if (m) onRange(parseInt(m[1], 16), parseInt(m[2] ?? m[1], 16), m[3]);
  }
}

const category = new Map();
const decomposition = new Map();
const combiningClass = new Map();
let rangeStart = -1;
for (const line of fs.readFileSync(path.join(ucdDir, 'UnicodeData.txt'), 'utf8').split('\n')) {
  if (!line) continue;
  const f = line.split(';');
  const cp = parseInt(f[0], 16);
  if (f[1].endsWith(', First>')) {
    rangeStart = cp;
    continue;
  }
  if (f[1].endsWith(', Last>')) {
    for (let c = rangeStart; c <= cp; c++) category.set(c, f[2]);
    continue;
  }
  category.set(cp, f[2]);
  if (+f[3]) combiningClass.set(cp, +f[3]);
  if (f[5] && !f[5].startsWith('<'))
    decomposition.set(
      cp,
      f[5].split(' ').map((x) => parseInt(x, 16)),
    );
}
const age = new Map();
readRanges('DerivedAge.txt', (a, b, v) => {
  for (let c = a; c <= b; c++) age.set(c, parseFloat(v));
});
const whiteSpace = new Set();
readRanges('PropList.txt', (a, b, p) => {
  if (p === 'White_Space') for (let c = a; c <= b; c++) whiteSpace.add(c);
});
const ucdVersion =
  /DerivedAge-([0-9.]+)\.txt/.exec(fs.readFileSync(path.join(ucdDir, 'DerivedAge.txt'), 'utf8'))?.[1] ?? '?';

const inVersion = (c, version) => (age.get(c) ?? Infinity) <= version;
const oldCategory = (c) =>
  inVersion(c, CATEGORY_VERSION) ? (CATEGORY_IN_8_0.get(c) ?? category.get(c) ?? 'Cn') : 'Cn';
const oldCombiningClass = (c) => (inVersion(c, NORMALIZATION_VERSION) ? (combiningClass.get(c) ?? 0) : 0);

// Full canonical decomposition (NFD of one character), Hangul syllables included.
function nfd(c) {
  const s = c - 0xac00;
  if (s >= 0 && s < 11172) {
    const out = [0x1100 + Math.floor(s / 588), 0x1161 + Math.floor((s % 588) / 28)];
    if (s % 28) out.push(0x11a7 + (s % 28));
    return out;
  }
  const d = inVersion(c, NORMALIZATION_VERSION) ? decomposition.get(c) : undefined;
  return d ? d.flatMap(nfd) : [c];
}
// Rust's char::to_lowercase (full mapping, current Unicode) is what ICU's toLowerCase gives for one code point.
const lowercase = (c) => [...String.fromCodePoint(c).toLowerCase()].map((x) => x.codePointAt(0));

const FLAG = { drop: 1, whitespace: 2, punctuation: 4, cjk: 8, folds: 16, combining: 32 };
const flags = new Uint8Array(MAX_CP + 1);
const folds = []; // [cp, [mapped code points]]: strip accents (NFD, drop Mn) then lowercase
for (let c = 0; c <= MAX_CP; c++) {
  if (c >= 0xd800 && c <= 0xdfff) {
    flags[c] = FLAG.drop;
    continue;
  }
  const cat = oldCategory(c);
  let f = 0;
  const isControl =
    c !== 0x09 && c !== 0x0a && c !== 0x0d && (cat === 'Cc' || cat === 'Cf' || cat === 'Co' || cat === 'Cs');
  if (c === 0 || c === 0xfffd || isControl) f |= FLAG.drop;
  if (whiteSpace.has(c)) f |= FLAG.whitespace;
  const asciiPunct =
    (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
  if (asciiPunct || cat[0] === 'P') f |= FLAG.punctuation;
  if (CJK_RANGES.some(([a, b]) => c >= a && c <= b)) f |= FLAG.cjk;
  const folded = nfd(c)
    .filter((d) => oldCategory(d) !== 'Mn')
    .flatMap(lowercase);
  if (folded.length !== 1 || folded[0] !== c) {
    f |= FLAG.folds;
    folds.push([c, folded]);
  }
  // Non-starters all through: NFD's canonical ordering sorts runs of these and no part of them ends a run.
  if (nfd(c).every((d) => oldCombiningClass(d) > 0)) f |= FLAG.combining;
  flags[c] = f;
}

// Two-stage table: 256-code-point blocks, identical blocks stored once.
const BLOCK = 256;
const blockIndex = [];
const blocks = [];
const seen = new Map();
for (let b = 0; b * BLOCK <= MAX_CP; b++) {
  const key = flags.subarray(b * BLOCK, (b + 1) * BLOCK).join(',');
  if (!seen.has(key)) {
    seen.set(key, blocks.length);
    blocks.push(key);
  }
  blockIndex.push(seen.get(key));
}

const foldPool = [];
const foldKeys = [];
const foldSpans = [];
for (const [c, mapped] of folds) {
  if (mapped.length > 255) throw new Error('fold too long');
  foldKeys.push(c);
  foldSpans.push(foldPool.length * 256 + mapped.length);
  foldPool.push(...mapped);
}

const combiningKeys = [...combiningClass.keys()].filter((c) => oldCombiningClass(c)).sort((a, b) => a - b);

const wrap = (values, perLine = 16) => {
  const lines = [];
  for (let i = 0; i < values.length; i += perLine) lines.push('  ' + values.slice(i, i + perLine).join(', ') + ',');
  return lines.join('\n');
};
const hex = (v) => '0x' + v.toString(16);
const out = `// Generated by native/tokenizer/generate_unicode_tables.mjs from the Unicode Character Database ${ucdVersion}
// and ICU ${process.versions.icu} (Unicode ${process.versions.unicode}, for lowercase). Do not edit.
#include "tokenizer/unicode_tables.h"

namespace ernie_slim {
namespace unicode_tables {

const uint16_t kBlockIndex[${blockIndex.length}] = {
${wrap(blockIndex, 24)}
};

const uint8_t kBlockFlags[${blocks.length * BLOCK}] = {
${blocks.map((b) => wrap(b.split(','), 32)).join('\n')}
};

const uint32_t kFoldKeys[${foldKeys.length}] = {
${wrap(foldKeys.map(hex), 12)}
};

// (offset into kFoldPool) * 256 + length
const uint32_t kFoldSpans[${foldSpans.length}] = {
${wrap(foldSpans, 12)}
};

const uint32_t kFoldPool[${foldPool.length}] = {
${wrap(foldPool.map(hex), 12)}
};

const size_t kFoldCount = ${foldKeys.length};

const uint32_t kCombiningKeys[${combiningKeys.length}] = {
${wrap(combiningKeys.map(hex), 12)}
};

const uint8_t kCombiningClasses[${combiningKeys.length}] = {
${wrap(combiningKeys.map(oldCombiningClass), 24)}
};

const size_t kCombiningCount = ${combiningKeys.length};

}  // namespace unicode_tables
}  // namespace ernie_slim
`;
fs.writeFileSync(outFile, out);
console.error(
  `wrote ${outFile}: ${blocks.length} blocks, ${foldKeys.length} folds, ${foldPool.length} pool code points`,
);

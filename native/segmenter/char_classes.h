// The character classes that jieba's cut and the student's word rules turn on.
#pragma once

namespace ernie_slim {
namespace segmenter {

inline bool IsAsciiAlphanumeric(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// jieba-rs's dictionary-block class (its RE_HAN_DEFAULT): CJK ideographs, ASCII letters and digits, and
// `+ # & . _ % -`. Text is cut into maximal runs of these; everything else is a token per character.
inline bool IsJiebaBlockChar(char32_t c) {
  if (c >= 0x4E00 && c <= 0x9FFF) return true;  // most of the text: one test first
  if (c < 0x80) {
    return IsAsciiAlphanumeric(c) || c == '+' || c == '#' || c == '&' || c == '.' || c == '_' || c == '%' || c == '-';
  }
  return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2EBEF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// JavaScript's `\s` (WhiteSpace and LineTerminator): the tokens the student drops are made of these.
inline bool IsJsWhitespace(char32_t c) {
  if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D);
  if (c < 0xA0) return false;
  return c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

// Rust's `char::is_whitespace` (Unicode White_Space): what separates the fields of a jieba dictionary line.
inline bool IsUnicodeWhitespace(char32_t c) {
  if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D);
  if (c < 0x85) return false;
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

}  // namespace segmenter
}  // namespace ernie_slim

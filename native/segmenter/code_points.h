// JavaScript strings (UTF-16) as code points, the unit jieba's dictionary and blocks are made of.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace ernie_slim {
namespace segmenter {

// Replaces *out with the code points of text[0..n); false when the text holds a lone surrogate (which
// @node-rs/jieba would see as U+FFFD, so such text is left to the reference path).
bool DecodeUtf16(const char16_t* text, size_t n, std::vector<char32_t>* out);

// The code points of text[0..n) with each lone surrogate read as U+FFFD, as @node-rs/jieba receives text.
void DecodeUtf16Lossy(const char16_t* text, size_t n, std::vector<char32_t>* out);

// Number of UTF-16 code units of c.
inline size_t Utf16Length(char32_t c) { return c >= 0x10000 ? 2 : 1; }

// Appends c to out as UTF-16.
inline void AppendUtf16(char32_t c, std::u16string* out) {
  if (c < 0x10000) {
    out->push_back(static_cast<char16_t>(c));
  } else {
    c -= 0x10000;
    out->push_back(static_cast<char16_t>(0xD800 + (c >> 10)));
    out->push_back(static_cast<char16_t>(0xDC00 + (c & 0x3FF)));
  }
}

}  // namespace segmenter
}  // namespace ernie_slim

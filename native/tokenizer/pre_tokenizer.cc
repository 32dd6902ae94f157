#include "tokenizer/pre_tokenizer.h"

#include "tokenizer/unicode_tables.h"
#include "tokenizer/utf8.h"

namespace ernie_slim {

BertPreTokenizer::BertPreTokenizer() {
  for (uint32_t c = 0; c < 128; c++) {
    uint8_t flags = CodePointFlags(c);
    ascii_[c] = (flags & kWhitespace) ? kSeparator : (flags & kPunctuation) ? kPunct : kWordChar;
  }
}

void BertPreTokenizer::Split(std::string_view text, std::vector<std::string_view>& words) const {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t word_start = 0, i = 0;
  auto flush = [&](size_t end) {
    if (end > word_start) words.emplace_back(text.data() + word_start, end - word_start);
  };
  while (i < n) {
    size_t start = i;
    AsciiClass cls;
    if (s[i] < 0x80) {
      cls = ascii_[s[i]];
      i++;
    } else {
      uint8_t flags = CodePointFlags(DecodeUtf8(s, i));
      cls = (flags & kWhitespace) ? kSeparator : (flags & kPunctuation) ? kPunct : kWordChar;
    }
    if (cls == kWordChar) continue;
    flush(start);
    if (cls == kPunct) words.emplace_back(text.data() + start, i - start);
    word_start = i;
  }
  flush(n);
}

}  // namespace ernie_slim

// BertPreTokenizer: splits normalized text on whitespace (dropped) and punctuation (kept, one char a word).
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace ernie_slim {

class BertPreTokenizer {
 public:
  BertPreTokenizer();

  // Appends the words of text (valid UTF-8) to words, as views into text.
  void Split(std::string_view text, std::vector<std::string_view>& words) const;

 private:
  enum AsciiClass : uint8_t { kWordChar, kSeparator, kPunct };
  AsciiClass ascii_[128];
};

}  // namespace ernie_slim

// BertNormalizer: clean text, spaces around CJK ideographs, strip accents (NFD, drop Mn) and lowercase.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace ernie_slim {

class BertNormalizer {
 public:
  // As in tokenizers, stripping accents follows lowercase unless set otherwise.
  explicit BertNormalizer(bool lowercase);

  // Appends the normalized form of text (valid UTF-8) to out.
  void Normalize(std::string_view text, std::string& out) const;

  bool lowercase() const { return lowercase_; }

 private:
  enum AsciiAction : uint8_t { kKeep, kToSpace, kRemove, kToLower };
  bool lowercase_;
  AsciiAction ascii_[128];
};

}  // namespace ernie_slim

// WordPiece: greedy longest-match-first pieces, "##" continuations, [UNK] for words that do not split.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace ernie_slim {

class WordPiece {
 public:
  static constexpr size_t kMaxInputCharsPerWord = 100;

  explicit WordPiece(const Vocab& vocab);

  // Appends the ids of word (valid UTF-8, no whitespace) to ids.
  void Tokenize(std::string_view word, std::vector<int32_t>& ids) const;

 private:
  const Vocab& vocab_;
  // Id of each one-character word of the Basic Multilingual Plane ([UNK] where the vocabulary lacks it):
  // CJK text is almost all such words, as the normalizer spaces every ideograph out.
  std::vector<int32_t> single_char_ids_;
};

}  // namespace ernie_slim

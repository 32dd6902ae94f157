// A WordPiece vocabulary read from BERT's vocab.txt (id = line number) or ERNIE's `token<TAB>id` lines.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/token_id_map.h"

namespace ernie_slim {

// A vocabulary file that cannot be used; the message names the file (and line).
class VocabError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SpecialTokenIds {
  int32_t pad, unk, cls, sep, mask;  // -1 where the vocabulary lacks the token
};

class Vocab {
 public:
  static constexpr std::string_view kContinuationPrefix = "##";

  // Throws VocabError for a missing or unreadable file, a bad ERNIE line, or no [UNK]/[CLS]/[SEP].
  static Vocab FromFile(const std::string& path);
  static Vocab FromText(std::string_view text, const std::string& name);

  int32_t Find(std::string_view token) const { return tokens_.Find(token); }
  // Continuation pieces are keyed without their "##".
  const TokenIdMap& word_starts() const { return tokens_; }
  const TokenIdMap& continuations() const { return continuations_; }
  // Empty for ids that no line gives (ERNIE files may skip ids).
  const std::string& Token(int32_t id) const;
  size_t size() const { return id_to_token_.size(); }
  const SpecialTokenIds& special() const { return special_; }

 private:
  TokenIdMap tokens_;
  TokenIdMap continuations_;
  std::vector<std::string> id_to_token_;
  SpecialTokenIds special_{};
};

}  // namespace ernie_slim

// The BERT WordPiece pipeline: special tokens -> normalizer -> pre-tokenizer -> WordPiece -> post-processor.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/normalizer.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/vocab.h"
#include "tokenizer/wordpiece.h"

namespace ernie_slim {

// One row: ids and token types; reused between rows so that a thread allocates only while rows grow.
struct Encoding {
  std::vector<int32_t> ids;
  std::vector<uint8_t> type_ids;
  void clear() {
    ids.clear();
    type_ids.clear();
  }
};

class WordPieceTokenizer {
 public:
  // Scratch buffers of one thread.
  struct State {
    std::string normalized;
    std::vector<std::string_view> words;
    std::vector<int32_t> first, second;
  };

  WordPieceTokenizer(Vocab vocab, bool lowercase);

  // Replaces out with the row of text (and pair, when not null); max_length 0 means no truncation.
  // Text must be valid UTF-8.
  void Encode(std::string_view text, const std::string_view* pair, size_t max_length, State& state,
              Encoding& out) const;

  // The stages on their own, for parity tests.
  std::string Normalize(std::string_view text) const;
  std::vector<std::string> PreTokenize(std::string_view text) const;

  const Vocab& vocab() const { return *vocab_; }
  bool lowercase() const { return normalizer_.lowercase(); }

 private:
  // Stops after the word that brings ids to `enough` tokens (0: no limit).
  void EncodeSequence(std::string_view text, size_t enough, State& state, std::vector<int32_t>& ids) const;

  std::unique_ptr<Vocab> vocab_;  // on the heap: the stages keep references to it
  BertNormalizer normalizer_;
  BertPreTokenizer pre_tokenizer_;
  WordPiece wordpiece_;
  SpecialTokenMatcher special_tokens_;
  BertPostProcessor post_processor_;
};

}  // namespace ernie_slim

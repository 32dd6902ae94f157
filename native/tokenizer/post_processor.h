// BertProcessing and longest-first truncation: [CLS] a [SEP] (b [SEP]) with token type ids 0 then 1.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ernie_slim {

class BertPostProcessor {
 public:
  BertPostProcessor(int32_t cls, int32_t sep) : cls_(cls), sep_(sep) {}

  static size_t AddedTokens(bool pair) { return pair ? 3 : 2; }

  // Shortens a (and b) so that the assembled row fits max_length (0: no limit), tokenizers' longest_first.
  // Sequences come in as WordPieceTokenizer stops them early (see EncodeSequence): that decides which is longer.
  static void Truncate(size_t max_length, std::vector<int32_t>& a, std::vector<int32_t>* b);

  // Appends the assembled row to ids and its token types to type_ids.
  void Assemble(const std::vector<int32_t>& a, const std::vector<int32_t>* b, std::vector<int32_t>& ids,
                std::vector<uint8_t>& type_ids) const;

 private:
  int32_t cls_, sep_;
};

}  // namespace ernie_slim

// Special tokens ([PAD] [UNK] [CLS] [SEP] [MASK]) matched whole in raw text before normalization, as
// tokenizers' added vocabulary does for special tokens: text "[UNK]" stays the one [UNK] id.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace ernie_slim {

class SpecialTokenMatcher {
 public:
  explicit SpecialTokenMatcher(const Vocab& vocab);

  // Calls on_text(view) for the runs between special tokens and on_special(id) for each special token, in order.
  template <typename OnText, typename OnSpecial>
  void Split(std::string_view text, OnText&& on_text, OnSpecial&& on_special) const {
    size_t run_start = 0, pos = 0;
    while ((pos = text.find(lead_, pos)) != std::string_view::npos) {
      int32_t id = -1;
      size_t length = 0;
      for (const auto& [token, token_id] : tokens_) {
        // Leftmost-longest, as tokenizers' Aho-Corasick matcher does.
        if (token.size() > length && text.compare(pos, token.size(), token) == 0) {
          id = token_id;
          length = token.size();
        }
      }
      if (id < 0) {
        pos++;
        continue;
      }
      if (pos > run_start) on_text(text.substr(run_start, pos - run_start));
      on_special(id);
      pos += length;
      run_start = pos;
    }
    if (text.size() > run_start) on_text(text.substr(run_start));
  }

 private:
  std::vector<std::pair<std::string, int32_t>> tokens_;
  char lead_ = '[';  // every BERT special token starts with '[', so runs without it skip the matching
};

}  // namespace ernie_slim

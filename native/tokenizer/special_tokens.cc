#include "tokenizer/special_tokens.h"

namespace ernie_slim {

SpecialTokenMatcher::SpecialTokenMatcher(const Vocab& vocab) {
  for (const char* token : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
    int32_t id = vocab.Find(token);
    if (id >= 0) tokens_.emplace_back(token, id);
  }
}

}  // namespace ernie_slim

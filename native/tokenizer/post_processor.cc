#include "tokenizer/post_processor.h"

#include <algorithm>

namespace ernie_slim {

void BertPostProcessor::Truncate(size_t max_length, std::vector<int32_t>& a, std::vector<int32_t>* b) {
  if (max_length == 0) return;
  size_t added = AddedTokens(b != nullptr);
  size_t budget = max_length > added ? max_length - added : 0;
  if (!b) {
    if (a.size() > budget) a.resize(budget);
    return;
  }
  if (a.size() + b->size() <= budget) return;
  bool swapped = a.size() > b->size();
  size_t shorter = swapped ? b->size() : a.size();
  size_t longer;
  // The shorter keeps its length where it can; otherwise both get half, the longer one the odd token.
  if (shorter > budget) longer = shorter;
  else longer = std::max(shorter, budget - shorter);
  if (shorter + longer > budget) {
    shorter = budget / 2;
    longer = shorter + budget % 2;
  }
  size_t a_length = swapped ? longer : shorter;
  size_t b_length = swapped ? shorter : longer;
  if (a.size() > a_length) a.resize(a_length);
  if (b->size() > b_length) b->resize(b_length);
}

void BertPostProcessor::Assemble(const std::vector<int32_t>& a, const std::vector<int32_t>* b,
                                 std::vector<int32_t>& ids, std::vector<uint8_t>& type_ids) const {
  ids.push_back(cls_);
  ids.insert(ids.end(), a.begin(), a.end());
  ids.push_back(sep_);
  type_ids.insert(type_ids.end(), a.size() + 2, 0);
  if (b) {
    ids.insert(ids.end(), b->begin(), b->end());
    ids.push_back(sep_);
    type_ids.insert(type_ids.end(), b->size() + 1, 1);
  }
}

}  // namespace ernie_slim

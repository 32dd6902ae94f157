#include "tokenizer/token_id_map.h"

namespace ernie_slim {

void TokenIdMap::Insert(std::string_view token, int32_t id) {
  if ((count_ + 1) * 2 > slots_.size()) Grow();
  uint64_t h = Hash(token);
  for (size_t i = h & mask_;; i = (i + 1) & mask_) {
    Slot& slot = slots_[i];
    if (slot.id == kMissing) {
      slot.hash = h;
      slot.offset = static_cast<uint32_t>(keys_.size());
      slot.length = static_cast<uint32_t>(token.size());
      slot.id = id;
      keys_.append(token);
      count_++;
      if (token.size() > max_length_) max_length_ = token.size();
      return;
    }
    if (slot.hash == h && slot.length == token.size() && keys_.compare(slot.offset, slot.length, token) == 0) {
      slot.id = id;
      return;
    }
  }
}

void TokenIdMap::Grow() {
  std::vector<Slot> old = std::move(slots_);
  size_t capacity = old.empty() ? 64 : old.size() * 2;
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (const Slot& slot : old) {
    if (slot.id == kMissing) continue;
    for (size_t i = slot.hash & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].id == kMissing) {
        slots_[i] = slot;
        break;
      }
    }
  }
}

}  // namespace ernie_slim

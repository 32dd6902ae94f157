#include "student/word_vocabulary.h"

namespace ernie_slim {
namespace student {

void WordVocabulary::Add(const char32_t* word, size_t n, int32_t id) {
  if ((count_ + 1) * 2 > slots_.size()) Grow();  // at most half full: probes stay short
  const uint64_t hash = Hash(word, n);
  for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
    Slot& slot = slots_[i];
    if (slot.length == kEmpty) {
      slot = {hash, static_cast<uint32_t>(pool_.size()), static_cast<uint32_t>(n), id};
      pool_.insert(pool_.end(), word, word + n);
      ++count_;
      return;
    }
    if (slot.hash == hash && slot.length == n && Equal(slot.offset, word, n)) {
      slot.id = id;
      return;
    }
  }
}

void WordVocabulary::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
  mask_ = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.length == kEmpty) continue;
    size_t i = slot.hash & mask_;
    while (slots_[i].length != kEmpty) i = (i + 1) & mask_;
    slots_[i] = slot;
  }
}

}  // namespace student
}  // namespace ernie_slim

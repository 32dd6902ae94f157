#include "student/word_vocabulary.h"

namespace ernie_slim {
namespace student {

void WordVocabulary::Add(const char32_t* word, size_t n, int32_t id) {
  if (n == 0) return;
  if ((count_ + 1) * 2 > slots_.size()) Grow();  // at most half full: probes stay short
  const uint64_t hash = HashCodePoints(word, n);
  const uint32_t tag = TagOf(hash, n);
  for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
    Slot& slot = slots_[i];
    if (slot.id < 0) {
      slot.tag = tag;
      slot.id = id;
      if (n <= 2) {
        slot.a = word[0];
        slot.b = n == 2 ? word[1] : 0;
      } else {
        slot.a = static_cast<uint32_t>(pool_.size());
        slot.b = static_cast<uint32_t>(n);
        pool_.insert(pool_.end(), word, word + n);
      }
      ++count_;
      return;
    }
    if (slot.tag == tag && Holds(slot, word, n)) {
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
    if (slot.id < 0) continue;
    // The slot's home needs the full hash: recompute it from the word.
    char32_t inline_word[2] = {slot.a, slot.b};
    const size_t n = slot.tag >> 30 == 3 ? slot.b : slot.tag >> 30;
    const char32_t* word = n <= 2 ? inline_word : pool_.data() + slot.a;
    size_t i = HashCodePoints(word, n) & mask_;
    while (slots_[i].id >= 0) i = (i + 1) & mask_;
    slots_[i] = slot;
  }
}

}  // namespace student
}  // namespace ernie_slim

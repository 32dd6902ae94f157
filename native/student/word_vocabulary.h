// The student's vocabulary as a native hash map from a word's code points to its id, filled from the
// model's word list (as src/student/vocabulary.ts's Map: a word listed twice keeps its later id).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "student/code_point_hash.h"

namespace ernie_slim {
namespace student {

class WordVocabulary {
 public:
  // Adds a word (an empty one is no word any text can produce, and is left out).
  void Add(const char32_t* word, size_t n, int32_t id);

  // The id of the word, or `missing`.
  int32_t Find(const char32_t* word, size_t n, int32_t missing) const {
    if (slots_.empty() || n == 0) return missing;
    const uint64_t hash = HashCodePoints(word, n);
    const uint32_t tag = TagOf(hash, n);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.id < 0) return missing;
      if (slot.tag == tag && Holds(slot, word, n)) return slot.id;
    }
  }

  size_t size() const { return count_; }

 private:
  // Words of one or two code points (most Chinese words) sit in the slot itself, so that a lookup reads one
  // cache line; longer words sit in the pool.
  struct Slot {
    uint32_t tag = 0;  // the word's length class (top 2 bits) and 30 bits of its hash
    int32_t id = -1;   // -1: free
    uint32_t a = 0;    // first code point, or the pool offset of a longer word
    uint32_t b = 0;    // second code point, or the length of a longer word
  };

  static uint32_t TagOf(uint64_t hash, size_t n) {
    const uint32_t length_class = n < 3 ? static_cast<uint32_t>(n) : 3;
    return (length_class << 30) | static_cast<uint32_t>((hash >> 32) & 0x3FFFFFFF);
  }
  // Whether the slot (whose tag matched) holds exactly this word.
  bool Holds(const Slot& slot, const char32_t* word, size_t n) const {
    if (n == 1) return slot.a == word[0];
    if (n == 2) return slot.a == word[0] && slot.b == word[1];
    if (slot.b != n) return false;
    for (size_t i = 0; i < n; ++i) {
      if (pool_[slot.a + i] != word[i]) return false;
    }
    return true;
  }
  void Grow();

  std::vector<Slot> slots_;
  std::vector<char32_t> pool_;
  size_t mask_ = 0;
  size_t count_ = 0;
};

}  // namespace student
}  // namespace ernie_slim

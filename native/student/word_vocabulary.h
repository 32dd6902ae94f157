// The student's vocabulary as a native hash map from a word's code points to its id, filled from the
// model's word list (as src/student/vocabulary.ts's Map: a word listed twice keeps its later id).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ernie_slim {
namespace student {

class WordVocabulary {
 public:
  void Add(const char32_t* word, size_t n, int32_t id);

  // The id of the word, or `missing`.
  int32_t Find(const char32_t* word, size_t n, int32_t missing) const {
    if (slots_.empty()) return missing;
    const uint64_t hash = Hash(word, n);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.length == kEmpty) return missing;
      if (slot.hash == hash && slot.length == n && Equal(slot.offset, word, n)) return slot.id;
    }
  }

  size_t size() const { return count_; }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint64_t hash = 0;
    uint32_t offset = 0;
    uint32_t length = kEmpty;
    int32_t id = 0;
  };

  static uint64_t Hash(const char32_t* word, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    for (size_t i = 0; i < n; ++i) {
      h = (h ^ word[i]) * 0xFF51AFD7ED558CCDull;
      h ^= h >> 32;
    }
    return h;
  }
  bool Equal(uint32_t offset, const char32_t* word, size_t n) const {
    for (size_t i = 0; i < n; ++i) {
      if (pool_[offset + i] != word[i]) return false;
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

// A student's vocabulary held once, compactly: the words' UTF-8 bytes in one blob (id order), their offsets,
// and an open-addressing hash of 32-bit ids, each slot with a 64-bit key: a word of one or two code points (most
// Chinese words) is its own key, so that its lookup reads one slot and no blob; a longer word's key is 62 bits of
// its hash. About the bytes of the model file's own word list plus 4 bytes a word and 12 a slot (at most 3/4
// full); no string a word.
// Lookups take a word's code points (as the text encoder cuts them): a word listed twice keeps its later id, as
// src/student/vocabulary.ts's Map does; an empty word is no word any text can produce, and is never found.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "student/code_point_hash.h"

namespace ernie_slim {
namespace student {

class WordTable {
 public:
  // The words blob[offsets[i] .. offsets[i + 1]) for i < offsets.size() - 1, each well-formed UTF-8 (a word
  // that is not is kept for word(i) but never found).
  WordTable(std::string blob, std::vector<uint32_t> offsets);

  // The id of the word, or `missing`.
  int32_t Find(const char32_t* word, size_t n, int32_t missing) const {
    if (n == 0 || slots_.empty()) return missing;
    const uint64_t hash = HashCodePoints(word, n);
    const uint64_t key = KeyOf(word, n, hash);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.id < 0) return missing;
      if (slot.key() == key && (n <= 2 || Holds(slot.id, word, n))) return slot.id;
    }
  }

  // Word count (ids 0 .. size() - 1).
  size_t size() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  // Word `id`'s UTF-8 bytes.
  std::string_view word(size_t id) const { return {blob_.data() + offsets_[id], offsets_[id + 1] - offsets_[id]}; }
  // Bytes held.
  size_t bytes() const {
    return blob_.capacity() + offsets_.capacity() * sizeof(uint32_t) + slots_.capacity() * sizeof(Slot);
  }

 private:
  // 12 bytes: the key in two halves keeps the slot 4-byte aligned.
  struct Slot {
    uint32_t key_low = 0, key_high = 0;
    int32_t id = -1;  // -1: free
    uint64_t key() const { return static_cast<uint64_t>(key_high) << 32 | key_low; }
  };

  // The top 2 bits are the length class (1, 2, or 3 for longer); below them, a short word's code points (21 bits
  // each) or a longer word's hash.
  static uint64_t KeyOf(const char32_t* word, size_t n, uint64_t hash) {
    if (n == 1) return uint64_t{1} << 62 | word[0];
    if (n == 2) return uint64_t{2} << 62 | static_cast<uint64_t>(word[0]) << 21 | word[1];
    return uint64_t{3} << 62 | (hash & ((uint64_t{1} << 62) - 1));
  }
  // Whether word `id`'s UTF-8 bytes are the code points word[0..n).
  bool Holds(int32_t id, const char32_t* word, size_t n) const;

  std::string blob_;
  std::vector<uint32_t> offsets_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

}  // namespace student
}  // namespace ernie_slim

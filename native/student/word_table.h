// A student's vocabulary held once, compactly: the words' UTF-8 bytes in one blob (id order), their offsets,
// and an open-addressing hash of 32-bit ids (with 32 bits of each word's hash, so that a probe rarely reads the
// blob). About the bytes of the model file's own word list plus 4 bytes a word and 8 a slot; no string a word.
// Lookups take a word's code points (as the text encoder cuts them): a word listed twice keeps its later id, as
// src/student/vocabulary.ts's Map does; an empty word is no word any text can produce, and is never found.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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
    const uint64_t hash = Hash(word, n);
    const uint32_t tag = static_cast<uint32_t>(hash >> 32);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.id < 0) return missing;
      if (slot.tag == tag && Holds(slot.id, word, n)) return slot.id;
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
  struct Slot {
    uint32_t tag = 0;  // the high 32 bits of the word's hash
    int32_t id = -1;   // -1: free
  };

  static uint64_t Hash(const char32_t* word, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    for (size_t i = 0; i < n; ++i) {
      h = (h ^ word[i]) * 0xFF51AFD7ED558CCDull;
      h ^= h >> 32;
    }
    return h;
  }
  // Whether word `id`'s UTF-8 bytes are the code points word[0..n).
  bool Holds(int32_t id, const char32_t* word, size_t n) const;

  std::string blob_;
  std::vector<uint32_t> offsets_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

// Appends the code points of well-formed UTF-8 to *out; false (with *out cleared) where it is not well formed.
bool DecodeUtf8(std::string_view utf8, std::u32string* out);

}  // namespace student
}  // namespace ernie_slim

// An open-addressing hash map from token bytes to id, looked up with string_views of the text (no copies).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace ernie_slim {

class TokenIdMap {
 public:
  static constexpr int32_t kMissing = -1;

  // Later inserts of the same token replace the id, as a vocab file read line by line does.
  void Insert(std::string_view token, int32_t id);
  int32_t Find(std::string_view token) const {
    if (slots_.empty()) return kMissing;
    uint64_t h = Hash(token);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.id == kMissing) return kMissing;
      if (slot.hash == h && slot.length == token.size() &&
          SameBytes(keys_.data() + slot.offset, token.data(), token.size()))
        return slot.id;
    }
  }
  size_t size() const { return count_; }
  // The longest token in bytes: lookups of longer strings cannot succeed.
  size_t max_length() const { return max_length_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t offset = 0;
    uint32_t length = 0;
    int32_t id = kMissing;
  };
  // Tokens are short: a plain loop beats a call to memcmp.
  static bool SameBytes(const char* a, const char* b, size_t n) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
      if (a[i] != b[i]) return false;
    return true;
  }
  static uint64_t Hash(std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
    return h ^ (h >> 29);
  }
  void Grow();

  std::vector<Slot> slots_;
  std::string keys_;
  size_t mask_ = 0;
  size_t count_ = 0;
  size_t max_length_ = 0;
};

}  // namespace ernie_slim

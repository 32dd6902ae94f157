#include "student/word_table.h"

#include "tokenizer/utf8.h"

namespace ernie_slim {
namespace student {

WordTable::WordTable(std::string blob, std::vector<uint32_t> offsets)
    : blob_(std::move(blob)), offsets_(std::move(offsets)) {
  const size_t count = size();
  size_t capacity = 16;
  while (capacity * 3 < count * 4) capacity *= 2;  // at most 3/4 full: with the tags, probes stay short
  slots_.assign(count == 0 ? 0 : capacity, Slot{});
  mask_ = slots_.empty() ? 0 : slots_.size() - 1;
  std::u32string chars;
  for (size_t id = 0; id < count; ++id) {
    const std::string_view bytes = word(id);
    if (bytes.empty() || !IsValidUtf8(bytes)) continue;  // no text's word: kept for word(id), never found
    chars.clear();
    const auto* utf8 = reinterpret_cast<const unsigned char*>(bytes.data());
    for (size_t i = 0; i < bytes.size();) chars.push_back(static_cast<char32_t>(DecodeUtf8(utf8, i)));
    const uint64_t hash = HashCodePoints(chars.data(), chars.size());
    const uint64_t key = KeyOf(chars.data(), chars.size(), hash);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.id < 0 || (slot.key() == key && word(slot.id) == word(id))) {
        slot.key_low = static_cast<uint32_t>(key);
        slot.key_high = static_cast<uint32_t>(key >> 32);
        slot.id = static_cast<int32_t>(id);  // a word listed again takes its later id
        break;
      }
    }
  }
}

bool WordTable::Holds(int32_t id, const char32_t* word, size_t n) const {
  // Only well-formed words are in the slots, so the stored bytes decode safely.
  const std::string_view bytes = this->word(static_cast<size_t>(id));
  const auto* utf8 = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t k = 0;
  for (size_t i = 0; i < bytes.size(); ++k) {
    if (k == n || DecodeUtf8(utf8, i) != word[k]) return false;
  }
  return k == n;
}

}  // namespace student
}  // namespace ernie_slim

#include "student/word_table.h"

namespace ernie_slim {
namespace student {

namespace {

// The UTF-8 bytes of code point c into out (1 to 4 bytes); their count.
inline size_t EncodeUtf8(char32_t c, unsigned char out[4]) {
  if (c < 0x80) {
    out[0] = static_cast<unsigned char>(c);
    return 1;
  }
  if (c < 0x800) {
    out[0] = static_cast<unsigned char>(0xC0 | (c >> 6));
    out[1] = static_cast<unsigned char>(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = static_cast<unsigned char>(0xE0 | (c >> 12));
    out[1] = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F));
    out[2] = static_cast<unsigned char>(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = static_cast<unsigned char>(0xF0 | (c >> 18));
  out[1] = static_cast<unsigned char>(0x80 | ((c >> 12) & 0x3F));
  out[2] = static_cast<unsigned char>(0x80 | ((c >> 6) & 0x3F));
  out[3] = static_cast<unsigned char>(0x80 | (c & 0x3F));
  return 4;
}

}  // namespace

bool DecodeUtf8(std::string_view utf8, std::u32string* out) {
  out->clear();
  const auto* s = reinterpret_cast<const unsigned char*>(utf8.data());
  const size_t n = utf8.size();
  for (size_t i = 0; i < n;) {
    const unsigned char b = s[i];
    size_t len;
    char32_t c;
    if (b < 0x80) {
      len = 1, c = b;
    } else if (b >= 0xC2 && b < 0xE0) {
      len = 2, c = b & 0x1F;
    } else if (b >= 0xE0 && b < 0xF0) {
      len = 3, c = b & 0x0F;
    } else if (b >= 0xF0 && b < 0xF5) {
      len = 4, c = b & 0x07;
    } else {
      out->clear();
      return false;
    }
    if (i + len > n) {
      out->clear();
      return false;
    }
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) {
        out->clear();
        return false;
      }
      c = (c << 6) | (s[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not well formed.
    const bool overlong = (len == 3 && c < 0x800) || (len == 4 && c < 0x10000);
    if (overlong || (c >= 0xD800 && c < 0xE000) || c > 0x10FFFF) {
      out->clear();
      return false;
    }
    out->push_back(c);
    i += len;
  }
  return true;
}

WordTable::WordTable(std::string blob, std::vector<uint32_t> offsets)
    : blob_(std::move(blob)), offsets_(std::move(offsets)) {
  const size_t count = size();
  size_t capacity = 16;
  while (capacity * 3 < count * 4) capacity *= 2;  // at most 3/4 full: with the tags, probes stay short
  slots_.assign(count == 0 ? 0 : capacity, Slot{});
  mask_ = slots_.empty() ? 0 : slots_.size() - 1;
  std::u32string chars;
  for (size_t id = 0; id < count; ++id) {
    if (!DecodeUtf8(word(id), &chars) || chars.empty()) continue;
    const uint64_t hash = Hash(chars.data(), chars.size());
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
  const std::string_view bytes = this->word(static_cast<size_t>(id));
  size_t at = 0;
  unsigned char unit[4];
  for (size_t i = 0; i < n; ++i) {
    const size_t len = EncodeUtf8(word[i], unit);
    if (at + len > bytes.size()) return false;
    for (size_t k = 0; k < len; ++k) {
      if (static_cast<unsigned char>(bytes[at + k]) != unit[k]) return false;
    }
    at += len;
  }
  return at == bytes.size();
}

}  // namespace student
}  // namespace ernie_slim

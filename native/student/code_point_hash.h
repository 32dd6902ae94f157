// The hash of a word's code points that the students' word maps probe with (the corpus cache's growing
// vocabulary and a loaded student's word table).
#pragma once
#include <cstddef>
#include <cstdint>

namespace ernie_slim {
namespace student {

inline uint64_t HashCodePoints(const char32_t* word, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
  for (size_t i = 0; i < n; ++i) {
    h = (h ^ word[i]) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  }
  return h;
}

}  // namespace student
}  // namespace ernie_slim

// Per-code-point facts that the BERT normalizer and pre-tokenizer need, from generated tables.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace ernie_slim {

enum CodePointFlag : uint8_t {
  kDrop = 1,         // removed by clean-text: control, format, private use, U+0000, U+FFFD
  kWhitespace = 2,   // Unicode White_Space
  kPunctuation = 4,  // ASCII punctuation or Unicode P*
  kCjk = 8,          // gets spaces around it (handle_chinese_chars)
  kFolds = 16,       // strip-accents then lowercase changes it (see FoldCodePoint)
  kCombining = 32,   // NFD is all non-starters (combining class above 0): NFD sorts runs of these
};

namespace unicode_tables {
extern const uint16_t kBlockIndex[];
extern const uint8_t kBlockFlags[];
extern const uint32_t kFoldKeys[];
extern const uint32_t kFoldSpans[];
extern const uint32_t kFoldPool[];
extern const size_t kFoldCount;
extern const uint32_t kCombiningKeys[];
extern const uint8_t kCombiningClasses[];
extern const size_t kCombiningCount;
}  // namespace unicode_tables

inline uint8_t CodePointFlags(uint32_t cp) {
  if (cp > 0x10FFFF) return kDrop;
  return unicode_tables::kBlockFlags[unicode_tables::kBlockIndex[cp >> 8] * 256 + (cp & 0xFF)];
}

// The code points that NFD-without-Mn-then-lowercase makes of cp (only for cp flagged kFolds); count may be 0.
inline const uint32_t* FoldCodePoint(uint32_t cp, size_t* count) {
  using namespace unicode_tables;
  const uint32_t* end = kFoldKeys + kFoldCount;
  const uint32_t* it = std::lower_bound(kFoldKeys, end, cp);
  if (it == end || *it != cp) {
    *count = 1;
    return nullptr;
  }
  uint32_t span = kFoldSpans[it - kFoldKeys];
  *count = span & 0xFF;
  return kFoldPool + (span >> 8);
}

// The canonical combining class (0 for starters); only worth asking for code points flagged kCombining.
inline uint8_t CombiningClass(uint32_t cp) {
  using namespace unicode_tables;
  const uint32_t* end = kCombiningKeys + kCombiningCount;
  const uint32_t* it = std::lower_bound(kCombiningKeys, end, cp);
  return it != end && *it == cp ? kCombiningClasses[it - kCombiningKeys] : 0;
}

}  // namespace ernie_slim

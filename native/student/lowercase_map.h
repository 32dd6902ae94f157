// JavaScript's String.prototype.toLowerCase one code point at a time, from a table the TypeScript side
// computes with toLowerCase itself (src/student/lowercase-table.ts), so both paths lowercase alike.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace ernie_slim {
namespace student {

class LowercaseMap {
 public:
  // code_points[i] lowercases to lowercase[i]; code points that are not listed stay as they are.
  LowercaseMap(const std::vector<char32_t>& code_points, const std::vector<std::u32string>& lowercase);

  // Appends the lowercase of c to *out.
  void Append(char32_t c, std::u32string* out) const {
    if (c < 0x80) {
      out->push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
      return;
    }
    auto it = Find(c);
    if (it == nullptr) {
      out->push_back(c);
    } else {
      out->append(*it);
    }
  }

 private:
  const std::u32string* Find(char32_t c) const;

  std::vector<std::pair<char32_t, std::u32string>> entries_;  // sorted by code point
};

}  // namespace student
}  // namespace ernie_slim

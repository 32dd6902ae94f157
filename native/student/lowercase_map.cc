#include "student/lowercase_map.h"

#include <algorithm>

namespace ernie_slim {
namespace student {

LowercaseMap::LowercaseMap(const std::vector<char32_t>& code_points, const std::vector<std::u32string>& lowercase) {
  for (size_t i = 0; i < code_points.size() && i < lowercase.size(); ++i) {
    if (code_points[i] >= 0x80) entries_.emplace_back(code_points[i], lowercase[i]);
  }
  std::sort(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

const std::u32string* LowercaseMap::Find(char32_t c) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), c,
                             [](const std::pair<char32_t, std::u32string>& e, char32_t key) { return e.first < key; });
  return it != entries_.end() && it->first == c ? &it->second : nullptr;
}

}  // namespace student
}  // namespace ernie_slim

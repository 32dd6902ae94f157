#include "segmenter/code_points.h"

namespace ernie_slim {
namespace segmenter {

bool DecodeUtf16(const char16_t* text, size_t n, std::vector<char32_t>* out) {
  out->resize(n);  // never more code points than code units
  char32_t* dst = out->data();
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    const char32_t u = text[i];
    if (u < 0xD800 || u > 0xDFFF) {
      dst[k++] = u;
    } else if (u <= 0xDBFF && i + 1 < n && text[i + 1] >= 0xDC00 && text[i + 1] <= 0xDFFF) {
      dst[k++] = 0x10000 + ((u - 0xD800) << 10) + (static_cast<char32_t>(text[i + 1]) - 0xDC00);
      ++i;
    } else {
      out->resize(k);
      return false;
    }
  }
  out->resize(k);
  return true;
}

void DecodeUtf16Lossy(const char16_t* text, size_t n, std::vector<char32_t>* out) {
  out->clear();
  out->reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const char32_t u = text[i];
    if (u < 0xD800 || u > 0xDFFF) {
      out->push_back(u);
    } else if (u <= 0xDBFF && i + 1 < n && text[i + 1] >= 0xDC00 && text[i + 1] <= 0xDFFF) {
      out->push_back(0x10000 + ((u - 0xD800) << 10) + (static_cast<char32_t>(text[i + 1]) - 0xDC00));
      ++i;
    } else {
      out->push_back(0xFFFD);
    }
  }
}

}  // namespace segmenter
}  // namespace ernie_slim

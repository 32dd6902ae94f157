#include "quantized_table.h"

#include <algorithm>

namespace ernie_slim {
namespace student {

QuantizedTable::QuantizedTable(int64_t rows, int dim, int dsub, const int32_t* kept_rows, int64_t kept,
                               const float* centroids, const uint8_t* codes, const float* norm_centroids,
                               const uint8_t* norm_codes)
    : rows_(rows), dim_(dim), dsub_(dsub), nsubq_(dsub > 0 ? (dim + dsub - 1) / dsub : 0) {
  if (dim < 1 || dsub < 1 || dsub > dim) {
    problem_ = "dsub must be in 1..dim";
    return;
  }
  const size_t words = static_cast<size_t>((rows + 63) / 64);
  kept_bits_.assign(words, 0);
  rank_.assign(words, 0);
  for (int64_t k = 0; k < kept; ++k) {
    const int32_t row = kept_rows[k];
    if (row < 0 || row >= rows || (k > 0 && row <= kept_rows[k - 1])) {
      problem_ = "kept row ids must be ascending ids below the row count";
      return;
    }
    kept_bits_[row >> 6] |= uint64_t{1} << (row & 63);
  }
  uint32_t before = 0;
  for (size_t w = 0; w < words; ++w) {
    rank_[w] = before;
    before += static_cast<uint32_t>(__builtin_popcountll(kept_bits_[w]));
  }
  centroids_.assign(centroids, centroids + static_cast<size_t>(kCodebookSize) * dim);
  codes_.assign(codes, codes + static_cast<size_t>(kept) * nsubq_);
  if (norm_centroids != nullptr) {
    norm_centroids_.assign(norm_centroids, norm_centroids + kCodebookSize);
    norm_codes_.assign(norm_codes, norm_codes + kept);
  }
}

void QuantizedTable::CopyOut(int32_t* kept_rows, float* centroids, uint8_t* codes, float* norm_centroids,
                             uint8_t* norm_codes) const {
  int64_t k = 0;
  for (int64_t row = 0; row < rows_; ++row) {
    if ((kept_bits_[row >> 6] >> (row & 63)) & 1) kept_rows[k++] = static_cast<int32_t>(row);
  }
  std::copy(centroids_.begin(), centroids_.end(), centroids);
  std::copy(codes_.begin(), codes_.end(), codes);
  if (has_norms()) {
    std::copy(norm_centroids_.begin(), norm_centroids_.end(), norm_centroids);
    std::copy(norm_codes_.begin(), norm_codes_.end(), norm_codes);
  }
}

namespace {
// out[m * D + i] += norm * entry (code[m]) of sub-space m, for the first `count` sub-spaces of width D.
template <int D>
void AddSubvectors(const uint8_t* code, const float* book, int count, float norm, float* out) {
  for (int m = 0; m < count; ++m) {
    const float* c = book + (static_cast<size_t>(m) * QuantizedTable::kCodebookSize + code[m]) * D;
    for (int i = 0; i < D; ++i) out[m * D + i] += norm * c[i];
  }
}
}  // namespace

void QuantizedTable::AddRow(int64_t row, float* out) const {
  const int32_t k = Slot(row);
  if (k < 0) return;
  const uint8_t* code = codes_.data() + static_cast<size_t>(k) * nsubq_;
  const float norm = norm_codes_.empty() ? 1.0f : norm_centroids_[norm_codes_[k]];
  const float* book = centroids_.data();
  const int full = dim_ / dsub_;  // sub-spaces dsub wide; a ragged last one follows
  // The common widths with the width known to the compiler (unrolled, vectorized).
  switch (dsub_) {
    case 1: AddSubvectors<1>(code, book, full, norm, out); break;
    case 2: AddSubvectors<2>(code, book, full, norm, out); break;
    case 3: AddSubvectors<3>(code, book, full, norm, out); break;
    case 4: AddSubvectors<4>(code, book, full, norm, out); break;
    case 7: AddSubvectors<7>(code, book, full, norm, out); break;
    case 8: AddSubvectors<8>(code, book, full, norm, out); break;

    default:
      for (int m = 0; m < full; ++m) {
        const float* c = book + (static_cast<size_t>(m) * kCodebookSize + code[m]) * dsub_;
        for (int i = 0; i < dsub_; ++i) out[m * dsub_ + i] += norm * c[i];
      }
  }
  if (full < nsubq_) {
    const int m = nsubq_ - 1, last = dim_ - m * dsub_;
    const float* c = book + static_cast<size_t>(m) * kCodebookSize * dsub_ + static_cast<size_t>(code[m]) * last;
    for (int i = 0; i < last; ++i) out[m * dsub_ + i] += norm * c[i];
  }
}

namespace {
// For the first `count` sub-spaces of width D: out[m * D + i] += sum over rows t of norms[t] * entry codes[t][m].
template <int D>
void AddSubspaces(const uint8_t* const* codes, const float* norms, int rows, const float* book, int count, float* out) {
  for (int m = 0; m < count; ++m) {
    float acc[D];
    for (int i = 0; i < D; ++i) acc[i] = out[m * D + i];
    const float* entries = book + static_cast<size_t>(m) * QuantizedTable::kCodebookSize * D;
    for (int t = 0; t < rows; ++t) {
      const float* c = entries + codes[t][m] * D;
      const float norm = norms[t];
      for (int i = 0; i < D; ++i) acc[i] += norm * c[i];
    }
    for (int i = 0; i < D; ++i) out[m * D + i] = acc[i];
  }
}

// Rows gathered per pass over the sub-spaces (their code pointers and norms on the stack).
constexpr int kRowsPerPass = 128;
}  // namespace

void QuantizedTable::AddRows(const int32_t* rows, int n, float* out) const {
  const uint8_t* codes[kRowsPerPass];
  float norms[kRowsPerPass];
  const float* book = centroids_.data();
  const int full = dim_ / dsub_;
  int count = 0;
  auto add = [&] {
    switch (dsub_) {
      case 1: AddSubspaces<1>(codes, norms, count, book, full, out); break;
      case 2: AddSubspaces<2>(codes, norms, count, book, full, out); break;
      case 3: AddSubspaces<3>(codes, norms, count, book, full, out); break;
      case 4: AddSubspaces<4>(codes, norms, count, book, full, out); break;
      case 7: AddSubspaces<7>(codes, norms, count, book, full, out); break;
      case 8: AddSubspaces<8>(codes, norms, count, book, full, out); break;

      default:
        for (int m = 0; m < full; ++m) {
          const float* entries = book + static_cast<size_t>(m) * kCodebookSize * dsub_;
          for (int t = 0; t < count; ++t) {
            const float* c = entries + codes[t][m] * dsub_;
            for (int i = 0; i < dsub_; ++i) out[m * dsub_ + i] += norms[t] * c[i];
          }
        }
    }
    if (full < nsubq_) {
      const int m = nsubq_ - 1, last = dim_ - m * dsub_;
      const float* entries = book + static_cast<size_t>(m) * kCodebookSize * dsub_;
      for (int t = 0; t < count; ++t) {
        const float* c = entries + codes[t][m] * last;
        for (int i = 0; i < last; ++i) out[m * dsub_ + i] += norms[t] * c[i];
      }
    }
    count = 0;
  };
  for (int t = 0; t < n; ++t) {
    const int32_t k = Slot(rows[t]);
    if (k < 0) continue;
    codes[count] = codes_.data() + static_cast<size_t>(k) * nsubq_;
    norms[count] = norm_codes_.empty() ? 1.0f : norm_centroids_[norm_codes_[k]];
    if (++count == kRowsPerPass) add();
  }
  if (count > 0) add();
}

size_t QuantizedTable::bytes() const {
  return kept_bits_.size() * sizeof(uint64_t) + rank_.size() * sizeof(uint32_t) +
         (centroids_.size() + norm_centroids_.size()) * sizeof(float) + codes_.size() + norm_codes_.size();
}

}  // namespace student
}  // namespace ernie_slim

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
  slot_.assign(static_cast<size_t>(rows), -1);
  for (int64_t k = 0; k < kept; ++k) {
    const int32_t row = kept_rows[k];
    if (row < 0 || row >= rows || (k > 0 && row <= kept_rows[k - 1])) {
      problem_ = "kept row ids must be ascending ids below the row count";
      return;
    }
    slot_[row] = static_cast<int32_t>(k);
  }
  centroids_.assign(centroids, centroids + static_cast<size_t>(kCodebookSize) * dim);
  codes_.assign(codes, codes + static_cast<size_t>(kept) * nsubq_);
  if (norm_centroids != nullptr) {
    norm_centroids_.assign(norm_centroids, norm_centroids + kCodebookSize);
    norm_codes_.assign(norm_codes, norm_codes + kept);
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
  const int32_t k = slot_[row];
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

size_t QuantizedTable::bytes() const {
  return slot_.size() * sizeof(int32_t) + (centroids_.size() + norm_centroids_.size()) * sizeof(float) + codes_.size() +
         norm_codes_.size();
}

}  // namespace student
}  // namespace ernie_slim

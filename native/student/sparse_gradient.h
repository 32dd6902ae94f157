// Gradient of an embedding table restricted to the rows a batch touched: a step costs what its tokens cost.
#pragma once
#include <cstdint>
#include <vector>

#include "vector_ops.h"

namespace ernie_slim {
namespace student {

class SparseRowGradient {
 public:
  // frozen (rows entries, 1 = frozen; null: none): those rows' gradients go to a sink and are never listed, so
  // they are neither updated nor counted in the gradient's norm.
  void Reset(int64_t rows, int dim, const uint8_t* frozen = nullptr) {
    dim_ = dim;
    slot_of_.assign(static_cast<size_t>(rows), -1);
    rows_.clear();
    data_.clear();
    frozen_ = frozen;
    sink_.assign(frozen != nullptr ? static_cast<size_t>(dim) : 0, 0.0f);
  }

  // The gradient row for `row`, zeroed on first use in this step.
  float* Row(int32_t row) {
    if (frozen_ != nullptr && frozen_[row]) return sink_.data();
    int32_t slot = slot_of_[row];
    if (slot < 0) {
      slot = static_cast<int32_t>(rows_.size());
      slot_of_[row] = slot;
      rows_.push_back(row);
      size_t need = static_cast<size_t>(slot + 1) * dim_;
      if (data_.size() < need) data_.resize(need < 2 * data_.size() ? 2 * data_.size() : need);
      Zero(data_.data() + static_cast<size_t>(slot) * dim_, dim_);
    }
    return data_.data() + static_cast<size_t>(slot) * dim_;
  }

  void Add(int32_t row, float scale, const float* g) { Axpy(scale, g, Row(row), dim_); }

  // Forgets the touched rows without touching the others (keeps capacity: no allocation per step).
  void Clear() {
    for (int32_t r : rows_) slot_of_[r] = -1;
    rows_.clear();
  }

  size_t size() const { return rows_.size(); }
  int32_t row(size_t i) const { return rows_[i]; }
  const float* values(size_t i) const { return data_.data() + i * dim_; }
  float* values(size_t i) { return data_.data() + i * dim_; }
  int dim() const { return dim_; }

 private:
  int dim_ = 0;
  std::vector<int32_t> slot_of_;
  std::vector<int32_t> rows_;
  std::vector<float> data_;
  const uint8_t* frozen_ = nullptr;
  std::vector<float> sink_;
};

}  // namespace student
}  // namespace ernie_slim

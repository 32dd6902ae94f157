// A dense layer on rows of a sequence, on the project's matrix products (AVX2 + FMA tiles where the CPU has
// them): y[rows, out] = x[rows, in] @ W[in, out] + b.
// Backward: dW += x^T dy, db += sum_rows dy, dx (+)= dy W^T.
#pragma once
#include <algorithm>

#include "student/gemm.h"
#include "transformer/transformer_weights.h"

namespace ernie_slim {
namespace transformer {

inline void DenseRowsForward(const float* x, int rows, const DenseWeights& d, float* y) {
  for (int r = 0; r < rows; ++r) std::copy(d.b.begin(), d.b.end(), y + static_cast<long>(r) * d.out);
  student::GemmAcc(rows, d.out, d.in, x, d.in, 1, d.w.data(), y);
}

// Accumulates into grad (and into dx, which the caller zeroes or fills first; dx null: not wanted).
inline void DenseRowsBackward(const float* x, int rows, const DenseWeights& d, const float* dy, DenseWeights* grad,
                              float* dx) {
  student::GemmAcc(d.in, d.out, rows, x, 1, d.in, dy, grad->w.data());
  for (int r = 0; r < rows; ++r) {
    const float* dyr = dy + static_cast<long>(r) * d.out;
    for (int j = 0; j < d.out; ++j) grad->b[j] += dyr[j];
  }
  if (dx) student::GemmNTAcc(rows, d.in, d.out, dy, d.w.data(), dx);
}

}  // namespace transformer
}  // namespace ernie_slim

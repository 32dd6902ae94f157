// A dense layer on rows of a sequence: y[rows, out] = x[rows, in] @ W[in, out] + b, on the project's matrix
// product (AVX2 + FMA tiles where the CPU has them).
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

}  // namespace transformer
}  // namespace ernie_slim

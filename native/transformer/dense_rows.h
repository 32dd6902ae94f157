// A dense layer on rows of a sequence, on the project's matrix products (AVX2 + FMA tiles where the CPU has
// them): y[rows, out] = x[rows, in] @ W[in, out] + b.
// Backward: dW += x^T dy, db += sum_rows dy, dx (+)= dy W^T (from W^T made once per batch when given: a
// product packs B by rows faster than by columns).
#pragma once
#include <algorithm>
#include <vector>

#include "transformer/device.h"
#include "transformer/transformer_weights.h"

namespace ernie_slim {
namespace transformer {

inline void DenseRowsForward(const float* x, int rows, const DenseWeights& d, float* y) {
  for (int r = 0; r < rows; ++r) std::copy(d.b.begin(), d.b.end(), y + static_cast<long>(r) * d.out);
  device::MatMulAcc(rows, d.out, d.in, x, d.in, 1, d.w.data(), y);
}

// W^T [out, in], in 32 x 32 blocks (a block's rows and columns both stay in cache).
inline void TransposeWeights(const DenseWeights& d, device::Buffer* w_t) {
  constexpr int kBlock = 32;
  w_t->resize(d.w.size());
  const float* w = d.w.data();
  float* t = w_t->data();
  for (int i0 = 0; i0 < d.in; i0 += kBlock) {
    const int i1 = std::min(d.in, i0 + kBlock);
    for (int o0 = 0; o0 < d.out; o0 += kBlock) {
      const int o1 = std::min(d.out, o0 + kBlock);
      for (int o = o0; o < o1; ++o) {
        for (int i = i0; i < i1; ++i) t[static_cast<long>(o) * d.in + i] = w[static_cast<long>(i) * d.out + o];
      }
    }
  }
}

// W^T of each dense weight of one layer.
struct LayerTransposes {
  device::Buffer query, key, value, attention_output, intermediate, output;
};

// Accumulates into grad (and into dx, which the caller zeroes or fills first; dx null: not wanted). w_t: W^T
// [out, in], or null.
inline void DenseRowsBackward(const float* x, int rows, const DenseWeights& d, const float* dy, DenseWeights* grad,
                              float* dx, const float* w_t = nullptr) {
  device::MatMulAcc(d.in, d.out, rows, x, 1, d.in, dy, grad->w.data());
  for (int r = 0; r < rows; ++r) {
    const float* dyr = dy + static_cast<long>(r) * d.out;
    for (int j = 0; j < d.out; ++j) grad->b[j] += dyr[j];
  }
  if (dx && w_t) {
    device::MatMulAcc(rows, d.in, d.out, dy, d.out, 1, w_t, dx);
  } else if (dx) {
    device::MatMulTransposedAcc(rows, d.in, d.out, dy, d.w.data(), dx);
  }
}

// The same over many rows (a batch's sequences stacked), each product shared by `threads` threads.
inline void DenseRowsForwardThreads(int threads, const float* x, int rows, const DenseWeights& d, float* y) {
  device::MatMulAccThreads(threads, rows, d.out, d.in, x, d.in, 1, d.w.data(), y, d.b.data());
}

// w_t: W^T [out, in] (needed when dx is wanted).
inline void DenseRowsBackwardThreads(int threads, const float* x, int rows, const DenseWeights& d, const float* dy,
                                     DenseWeights* grad, float* dx, const float* w_t) {
  device::MatMulAccThreads(threads, d.in, d.out, rows, x, 1, d.in, dy, grad->w.data());
  device::AddColumnSumsThreads(threads, dy, rows, d.out, grad->b.data());
  if (dx) device::MatMulAccThreads(threads, rows, d.in, d.out, dy, d.out, 1, w_t, dx);
}

}  // namespace transformer
}  // namespace ernie_slim

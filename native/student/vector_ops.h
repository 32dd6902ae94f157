// Small dense-vector kernels written so that GCC/Clang vectorize them at -O3 with baseline SSE2 (no
// -march=native): axpy-style loops over restrict pointers, and dot products with eight independent
// partial sums (the compiler may not reorder one float accumulator, but it vectorizes eight).
#pragma once
#include <cstddef>

namespace ernie_slim {
namespace student {

inline void Axpy(float a, const float* __restrict x, float* __restrict y, int n) {
  for (int i = 0; i < n; ++i) y[i] += a * x[i];
}

inline void AddTo(const float* __restrict x, float* __restrict y, int n) {
  for (int i = 0; i < n; ++i) y[i] += x[i];
}

inline void Copy(const float* __restrict x, float* __restrict y, int n) {
  for (int i = 0; i < n; ++i) y[i] = x[i];
}

inline void Zero(float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] = 0.0f;
}

inline float Dot(const float* __restrict a, const float* __restrict b, int n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
  }
  float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

// Asks for the cache lines of x[0..n) ahead of use (random embedding rows are the memory-bound part).
inline void Prefetch(const float* x, int n) {
#if defined(__GNUC__)
  for (int i = 0; i < n; i += 16) __builtin_prefetch(x + i);
#else
  (void)x;
  (void)n;
#endif
}

inline float SquaredNorm(const float* a, int n) { return Dot(a, a, n); }

}  // namespace student
}  // namespace ernie_slim

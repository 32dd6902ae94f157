// Where the transformer's tensors live and how its matrix products run, in one place: the CPU now (host
// memory, the students' AVX-512/AVX2/baseline kernels). The layers allocate through Buffer and multiply
// through these calls only, so CUDA kernels (a later issue) slot in here without touching them.
#pragma once
#include <cstddef>
#include <vector>

#include "student/gemm.h"
#include "util/parallel_chunks.h"

namespace ernie_slim {
namespace transformer {
namespace device {

// A tensor's storage: zero-filled host memory on the CPU.
using Buffer = std::vector<float>;

// Grows b to at least count values (never shrinks: batches of varying length reuse it as it is).
inline void Reserve(Buffer* b, size_t count) {
  if (b->size() < count) b->resize(count);
}

// C[M, N] += A[M, K] @ B[K, N], A(i, p) = a[i * a_row + p * a_col] (A may be a transposed view).
inline void MatMulAcc(int m, int n, int k, const float* a, long a_row, long a_col, const float* b, float* c) {
  student::GemmAcc(m, n, k, a, a_row, a_col, b, c);
}

// C[M, N] += A[M, K] @ B[N, K]^T.
inline void MatMulTransposedAcc(int m, int n, int k, const float* a, const float* b, float* c) {
  student::GemmNTAcc(m, n, k, a, b, c);
}

// MatMulAcc with C's rows shared out among `threads` threads in whole blocks of register tiles (each thread
// packs B for its own rows; a block of rows is one product, so the split changes no sum's order).
inline void MatMulAccThreads(int threads, int m, int n, int k, const float* a, long a_row, long a_col, const float* b,
                             float* c) {
  constexpr int kBlock = 48;
  if (threads <= 1 || m < 2 * kBlock) return MatMulAcc(m, n, k, a, a_row, a_col, b, c);
  const int per_thread = (m + threads - 1) / threads;
  const int chunk = (per_thread + kBlock - 1) / kBlock * kBlock;
  ParallelChunks(
      static_cast<size_t>(m), static_cast<size_t>(chunk), threads, [] { return 0; },
      [&](int, size_t begin, size_t end) {
        const long i0 = static_cast<long>(begin);
        MatMulAcc(static_cast<int>(end - begin), n, k, a + i0 * a_row, a_row, a_col, b, c + i0 * n);
      });
}

// The product kernel in use, for the figures.
inline const char* Name() { return student::GemmKernelName(student::ActiveGemmKernel()); }

}  // namespace device
}  // namespace transformer
}  // namespace ernie_slim
